"""A Sumatra record and a project as W3C PROV: `?format=` or Accept on their API URLs, each
format read back by `prov`, with the runs, files, digests and links between records."""

import datetime
import json

import pytest

from tests.records.helpers import assert_error, get
from tests.support.exports import (
    elements,
    prov_term,
    provn_lines,
    read_prov,
    relations,
    values,
)
from tests.support.records import record_document

pytestmark = [
    pytest.mark.django_db,
    # prov 3.2 writes RDF through a part of rdflib 7 that rdflib means to rename.
    pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning"),
]
BASE = "http://testserver/records/Private/"
GENERATED = "3f786850e387550fdab836ed7e6dc881de23001b"
READ_AND_WROTE = "89e6c98d92887913cadf06b2adb97f26cde4849b"
TYPES = {
    "prov-json": "application/prov+json",
    "prov-n": "text/provenance-notation",
    "prov-o": "text/turtle",
}


def data(path, digest, size=10, creation="2024-05-06 07:08:10+0000"):
    return {"path": path, "digest": digest, "metadata": {"size": size}, "creation": creation}


def save(writer, project, label, **changes):
    from reprostore.records.operations import do_save_record

    document = record_document(label, **changes)
    do_save_record(writer, project, label, json.dumps(document).encode())
    return document


@pytest.fixture
def chain(cast):
    """Three records: `make` wrote a file, `fit` read it and wrote another, `plot` read that."""
    save(cast.owner, cast.project, "make", output_data=[data("raw/cells.dat", GENERATED)])
    save(
        cast.owner,
        cast.project,
        "fit",
        timestamp="2024-05-06 08:00:00+0000",
        duration=90.5,
        input_data=[data("raw/cells.dat", GENERATED)],
        output_data=[data("fit/model params.json", READ_AND_WROTE, size=321)],
        diff="--- a/main.py\n+++ b/main.py\n",
        tags=["_finished_", "best"],
    )
    save(
        cast.owner,
        cast.project,
        "plot",
        timestamp="2024-05-06 09:00:00+0000",
        input_data=[data("fit/model params.json", READ_AND_WROTE)],
        output_data=[],
    )
    return cast


def export(client, url, format_name, user):
    response = get(client, f"{url}{'&' if '?' in url else '?'}format={format_name}", user)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == f"{TYPES[format_name]}; charset=utf-8"
    return response.content.decode()


@pytest.mark.parametrize("format_name", ["prov-json", "prov-o"])
def test_a_record_round_trips_through_provs_readers(client, chain, format_name):
    document = read_prov(export(client, BASE + "fit/", format_name, chain.reader), format_name)
    activities, entities = elements(document, "activity"), elements(document, "entity")
    run = activities[BASE + "fit/#run"]
    start = datetime.datetime(2024, 5, 6, 8, 0, tzinfo=datetime.UTC)
    assert run[prov_term("startTime")] == [start]
    assert run[prov_term("endTime")] == [start + datetime.timedelta(seconds=90.5)]
    used_file = entities[BASE + "fit/#input/raw/cells.dat"]
    assert values(used_file, "digest") == [GENERATED]
    made = entities[BASE + "fit/#output/fit/model%20params.json"]
    assert values(made, "digest") == [READ_AND_WROTE] and values(made, "size") == [321]
    code = entities[BASE + "fit/#code"]
    assert values(code, "version") == [record_document()["version"]]
    assert values(code, "repository") == ["/home/ann/sim"]
    assert values(code, "diffDigest")[0].startswith("sha256:")
    assert entities[BASE + "fit/#parameters"][prov_term("value")] == [
        record_document()["parameters"]["content"]
    ]
    links = relations(document)
    agent = "http://testserver/records/#user/Ann%20Example%20%3Cann%40example.org%3E"
    assert {
        ("Usage", BASE + "fit/#run", BASE + "fit/#input/raw/cells.dat", None),
        ("Usage", BASE + "fit/#run", BASE + "fit/#code", None),
        ("Generation", BASE + "fit/#output/fit/model%20params.json", BASE + "fit/#run", None),
        ("Generation", BASE + "fit/", BASE + "fit/#run", None),
        ("Association", BASE + "fit/#run", agent, BASE + "fit/#code"),
        ("Attribution", BASE + "fit/", agent, None),
    } <= links
    assert elements(document, "agent")[agent][prov_term("type")] == [prov_term("Person")]


@pytest.mark.parametrize("format_name", ["prov-json", "prov-o"])
def test_a_record_is_linked_to_what_made_its_inputs_and_what_read_its_outputs(
    client, chain, format_name
):
    document = read_prov(export(client, BASE + "fit/", format_name, chain.reader), format_name)
    links = relations(document)
    assert {
        (
            "Derivation",
            BASE + "fit/#input/raw/cells.dat",
            BASE + "make/#output/raw/cells.dat",
            None,
        ),
        ("Generation", BASE + "make/#output/raw/cells.dat", BASE + "make/#run", None),
        ("Communication", BASE + "fit/#run", BASE + "make/#run", None),
        (
            "Derivation",
            BASE + "plot/#input/fit/model%20params.json",
            BASE + "fit/#output/fit/model%20params.json",
            None,
        ),
        ("Usage", BASE + "plot/#run", BASE + "plot/#input/fit/model%20params.json", None),
        ("Communication", BASE + "plot/#run", BASE + "fit/#run", None),
    } <= links
    entities = elements(document, "entity")
    assert values(entities[BASE + "make/#output/raw/cells.dat"], "digest") == [GENERATED]


def test_a_project_holds_every_record_and_the_links_between_them(client, chain):
    text = export(client, BASE, "prov-json", chain.reader)
    document = read_prov(text, "prov-json")
    runs = {name for name in elements(document, "activity") if name.endswith("#run")}
    assert runs == {BASE + f"{label}/#run" for label in ("make", "fit", "plot")}
    communications = {link[1:3] for link in relations(document) if link[0] == "Communication"}
    assert communications == {
        (BASE + "fit/#run", BASE + "make/#run"),
        (BASE + "plot/#run", BASE + "fit/#run"),
    }
    # Each record's own files, with their times, as in the record's own export.
    starts = elements(document, "activity")[BASE + "plot/#run"][prov_term("startTime")]
    assert starts == [datetime.datetime(2024, 5, 6, 9, 0, tzinfo=datetime.UTC)]


def test_a_project_export_takes_the_records_tags_or_a_query_select(client, chain):
    for query in ("tags=best", "q=tag%20%3D%3D%20%22best%22"):
        text = export(client, f"{BASE}?{query}", "prov-json", chain.reader)
        runs = [name for name in elements(read_prov(text, "prov-json"), "activity")]
        assert runs == [BASE + "fit/#run"], query


def test_a_project_too_large_to_export_at_once_is_refused(client, chain, monkeypatch):
    from reprostore.records import views

    monkeypatch.setattr(views, "MAX_EXPORTED_RECORDS", 2)
    response = get(client, BASE + "?format=prov-n", chain.reader)
    assert_error(response, 400, "Project 'Private' has 3 records to export, more than the 2")
    assert "reprostore export prov --project Private" in response.json()["error"]
    assert "activity(records:Private/fit/#run" in export(
        client, BASE + "?tags=best", "prov-n", chain.reader
    )


@pytest.mark.parametrize("url", [BASE, BASE + "fit/"])
def test_prov_n_is_what_prov_writes_for_the_same_document(client, chain, url):
    provn = export(client, url, "prov-n", chain.reader)
    as_json = read_prov(export(client, url, "prov-json", chain.reader), "prov-json")
    assert provn.startswith("document\n") and provn.rstrip().endswith("endDocument")
    assert provn_lines(provn) == provn_lines(as_json.get_provn())


def test_the_three_formats_hold_the_same_document(client, chain):
    as_json = read_prov(export(client, BASE, "prov-json", chain.reader), "prov-json")
    as_turtle = read_prov(export(client, BASE, "prov-o", chain.reader), "prov-o")
    assert as_json == as_turtle
    assert len(relations(as_json)) > 20


@pytest.mark.parametrize(
    "accept, content_type",
    [
        ("text/turtle", "text/turtle"),
        ("text/provenance-notation", "text/provenance-notation"),
        ("application/prov+json", "application/prov+json"),
        ("text/turtle;q=0.5, application/json", "application/json"),
        ("*/*", "application/vnd.sumatra.record-v4+json"),
        ("text/html, text/turtle;q=0.9", "text/html"),
    ],
)
def test_accept_chooses_provenance_or_the_record(client, chain, accept, content_type):
    response = get(client, BASE + "fit/", chain.reader, accept=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"


def test_the_project_answers_accept_too(client, chain):
    response = get(client, BASE, chain.reader, accept="text/turtle")
    assert response["Content-Type"] == "text/turtle; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Private.ttl"'
    assert "prov:Activity" in response.content.decode()


def test_other_sumatra_resources_offer_no_provenance(client, chain):
    assert_error(get(client, BASE + "last/?format=prov-n", chain.reader), 406, "Unknown format")
    response = get(client, BASE + "tag/_finished_/", chain.reader, accept="text/turtle")
    assert response.status_code == 406


def test_an_unknown_format_names_the_provenance_formats(client, chain):
    response = get(client, BASE + "fit/?format=prov-xml", chain.reader)
    assert_error(response, 406, "Unknown format 'prov-xml'")
    assert "prov-json, prov-n, prov-o" in response.json()["error"]


def test_a_missing_record_is_not_found(client, chain):
    assert_error(get(client, BASE + "nope/?format=prov-n", chain.reader), 404, "No such record")


@pytest.mark.parametrize("url", [BASE, BASE + "fit/"])
def test_strangers_cannot_export_a_private_record(client, chain, url):
    assert_error(get(client, url + "?format=prov-o", chain.stranger), 404, "does not exist")
    anonymous = get(client, url + "?format=prov-o")
    assert_error(anonymous, 401, "Authentication required")
    assert "prov" not in anonymous.content.decode()


def test_anyone_may_export_a_public_record(client, chain):
    save(chain.owner, chain.public, "open")
    response = get(client, "/records/Public/open/?format=prov-n")
    assert response.status_code == 200
    assert "activity(records:Public/open/#run" in response.content.decode()


def test_old_and_odd_records_still_export(client, cast):
    """Inputs as bare paths (Sumatra before 0.4), no user, no parameters, no duration, and a
    label and paths that need escaping."""
    save(
        cast.owner,
        cast.project,
        "-odd.",
        input_data=["/data/old input.txt"],
        output_data=[data("out/a:b,c.dat", GENERATED), data("out/a:b,c.dat", GENERATED)],
        user=None,
        duration=None,
        parameters={"type": "SimpleParameterSet", "content": ""},
    )
    for format_name in ("prov-json", "prov-o"):
        text = export(client, BASE + "-odd./", format_name, cast.reader)
        document = read_prov(text, format_name)
        entities = elements(document, "entity")
        assert values(entities[BASE + "%2Dodd%2E/#input//data/old%20input.txt"], "digest") == []
        assert BASE + "%2Dodd%2E/#output/out/a%3Ab%2Cc.dat~2" in entities
        assert not elements(document, "agent")
        assert prov_term("endTime") not in elements(document, "activity")[BASE + "%2Dodd%2E/#run"]
    provn = export(client, BASE + "-odd./", "prov-n", cast.reader)
    assert "entity(records:Private/%2Dodd%2E/#output/out/a%3Ab%2Cc.dat," in provn


def test_the_record_page_links_to_its_provenance(client, chain):
    client.force_login(chain.reader)
    page = client.get(BASE + "fit/", HTTP_ACCEPT="text/html").content.decode()
    for format_name in TYPES:
        assert f'href="/records/Private/fit/?format={format_name}"' in page
    project_page = client.get(BASE, HTTP_ACCEPT="text/html").content.decode()
    assert 'href="/records/Private/?format=prov-n"' in project_page
