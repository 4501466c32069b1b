"""A packet as W3C PROV (`/packets/<name>/<id>/prov/`): its run, files with their hashes, code,
parameters and the packets it used, in each format read back by `prov`; access as the page's."""

import datetime

import pytest

from tests.support.exports import (
    DATA,
    GIT,
    Packets,
    add_packet,
    elements,
    prov_term,
    provn_lines,
    read_prov,
    relations,
    served_root,
    sha256,
    values,
)
from tests.support.packet_access import grant_cast_packets

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning"),
]
PAGES = "http://testserver/packets/"
TYPES = {
    "prov-json": "application/prov+json",
    "prov-n": "text/provenance-notation",
    "prov-o": "text/turtle",
}


@pytest.fixture
def outpack_root(settings, tmp_path):
    yield from served_root(settings, tmp_path)


@pytest.fixture
def packets(db, outpack_root, cast):
    grant_cast_packets(cast, group="model-fit")
    return Packets(outpack_root)


def export(client, url, format_name=None, accept=None):
    query = f"?format={format_name}" if format_name else ""
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get(url + query, **headers)
    assert response.status_code == 200, response.content
    return response


def prov_url(name, packet_id):
    return f"/packets/{name}/{packet_id}/prov/"


@pytest.mark.parametrize("format_name", ["prov-json", "prov-o"])
def test_a_packet_round_trips_through_provs_readers(client, cast, packets, format_name):
    client.force_login(cast.reader)
    response = export(client, prov_url("model-fit", packets.fit), format_name)
    assert response["Content-Type"] == f"{TYPES[format_name]}; charset=utf-8"
    document = read_prov(response.content, format_name)
    fit, data = f"{PAGES}model-fit/{packets.fit}/", f"{PAGES}incoming-data/{packets.data}/"
    run = elements(document, "activity")[fit + "#run"]
    start = datetime.datetime(2024, 5, 6, 8, 8, 9, tzinfo=datetime.UTC)
    assert run[prov_term("startTime")] == [start]
    assert run[prov_term("endTime")] == [start + datetime.timedelta(seconds=2.5)]
    entities = elements(document, "entity")
    assert prov_term("Collection") in entities[fit][prov_term("type")]
    assert values(entities[fit + "files/inputs/data.csv"], "hash") == [sha256(DATA)]
    assert values(entities[fit + "files/script.R"], "size") == [26]
    assert values(entities[fit + "#code"], "version") == [GIT["sha"]]
    assert values(entities[fit + "#code"], "repository") == GIT["url"]
    assert entities[fit + "#parameters"][prov_term("value")] == [
        '{"disease": "YF", "tolerance": 0.001}'
    ]
    assert values(entities[data + "files/data.csv"], "hash") == [sha256(DATA)]
    assert relations(document) >= {
        ("Usage", fit + "#run", fit + "files/script.R", None),
        ("Usage", fit + "#run", fit + "files/orderly.yml", None),
        ("Usage", fit + "#run", fit + "#code", None),
        ("Usage", fit + "#run", fit + "#parameters", None),
        ("Generation", fit + "files/fit%20output.txt", fit + "#run", None),
        ("Generation", fit, fit + "#run", None),
        ("Membership", fit, fit + "files/fit%20output.txt", None),
        ("Membership", fit, fit + "files/inputs/data.csv", None),
        # The dependency: the packet is derived from the one it used, the copy from the file
        # there, which the run used.
        ("Derivation", fit, data, None),
        ("Usage", fit + "#run", data + "files/data.csv", None),
        ("Derivation", fit + "files/inputs/data.csv", data + "files/data.csv", fit + "#run"),
    }
    generated = {link[1] for link in relations(document) if link[0] == "Generation"}
    assert (
        fit + "files/script.R" not in generated and fit + "files/inputs/data.csv" not in generated
    )


def test_prov_n_is_what_prov_writes_for_the_same_document(client, cast, packets):
    client.force_login(cast.reader)
    url = prov_url("model-fit", packets.fit)
    provn = export(client, url, "prov-n").content.decode()
    as_json = read_prov(export(client, url, "prov-json").content, "prov-json")
    assert provn_lines(provn) == provn_lines(as_json.get_provn())
    assert read_prov(export(client, url, "prov-o").content, "prov-o") == as_json


@pytest.mark.parametrize(
    "accept, content_type",
    [
        ("text/turtle", "text/turtle"),
        ("text/provenance-notation, text/turtle;q=0.5", "text/provenance-notation"),
        ("*/*", "application/prov+json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/prov+json"),
    ],
)
def test_accept_chooses_the_format(client, cast, packets, accept, content_type):
    client.force_login(cast.reader)
    response = export(client, prov_url("incoming-data", packets.data), accept=accept)
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    filename = f"incoming-data-{packets.data}"
    assert filename in response["Content-Disposition"]


def test_an_unknown_format_is_refused(client, cast, packets):
    client.force_login(cast.reader)
    response = client.get(prov_url("incoming-data", packets.data) + "?format=prov-xml")
    assert response.status_code == 406
    assert "use one of prov-json, prov-n, prov-o" in response.content.decode()


def test_a_packet_used_that_the_caller_may_not_read_is_named_by_its_id(client, db, packets):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="dave"))  # reads model-fit only
    response = export(client, prov_url("model-fit", packets.fit), "prov-json")
    text = response.content.decode()
    assert "incoming-data" not in text
    document = read_prov(text, "prov-json")
    fit = f"{PAGES}model-fit/{packets.fit}/"
    hidden = f"http://testserver/outpack/metadata/{packets.data}/json"
    by_hash = "http://testserver/outpack/file/" + sha256(DATA).replace(":", "%3A")
    assert relations(document) >= {
        ("Derivation", fit, hidden, None),
        ("Usage", fit + "#run", by_hash, None),
        ("Derivation", fit + "files/inputs/data.csv", by_hash, fit + "#run"),
    }


def test_it_is_missing_for_those_who_may_not_see_the_packet(client, cast, packets):
    from django.contrib.auth import get_user_model

    url = prov_url("incoming-data", packets.data)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(cast.stranger)
    assert client.get(url).status_code == 404
    client.force_login(get_user_model().objects.get(username="dave"))
    assert client.get(url).status_code == 404
    assert client.get(prov_url("model-fit", packets.data)).status_code == 404


def test_the_packet_page_links_to_its_exports(client, cast, packets):
    client.force_login(cast.reader)
    page = client.get(f"/packets/model-fit/{packets.fit}/").content.decode()
    for format_name in TYPES:
        assert f'href="/packets/model-fit/{packets.fit}/prov/?format={format_name}"' in page
    assert f'href="/packets/model-fit/{packets.fit}/crate.zip"' in page


def test_a_packet_without_git_or_parameters_still_exports(client, cast, packets, outpack_root):
    plain = add_packet(outpack_root, "plain", {"out.txt": b"x"}, git=None)
    client.force_login(cast.reader)
    document = read_prov(export(client, prov_url("plain", plain), "prov-o").content, "prov-o")
    entities = elements(document, "entity")
    assert f"{PAGES}plain/{plain}/#code" not in entities
    assert f"{PAGES}plain/{plain}/#parameters" not in entities
    assert values(entities[f"{PAGES}plain/{plain}/files/out.txt"], "hash") == [sha256(b"x")]
