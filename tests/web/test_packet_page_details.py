"""A packet's page says what the packet is (orderly's description and display name) and marks
its artefacts apart from the other files (scripts, resources, inputs from other packets)."""

import io
import json
import re

import pytest

from tests.support.packet_access import grant_packets
from tests.web.support import packet_metadata, sha256

PYORDERLY_CUSTOM = {
    "orderly": {
        "role": [
            {"path": "fit.py", "role": "orderly"},
            {"path": "priors.json", "role": "resource"},
        ],
        "artefacts": [
            {"name": "Posterior estimates", "files": ["fit.csv"]},
            {"name": "Fit plot", "files": ["plots/fit.svg"]},
        ],
        "description": {
            "display": "SEIR model fit",
            "long": "Fits an SEIR model to the weekly cases & plots it.",
            "custom": {"team": "modelling", "weekly": True},
        },
        "shared": {},
    }
}
# orderly (R) writes artefacts as {description, paths}.
ORDERLY_R_CUSTOM = {
    "orderly": {
        "role": [{"path": "report.R", "role": "orderly"}],
        "artefacts": [{"description": "Situation report", "paths": ["report.html"]}],
        "description": {"display": None, "long": None, "custom": None},
        "shared": [],
    }
}


def push(root, name, files, custom, **options) -> str:
    """A packet with this `custom` metadata, added through the same code as a push."""
    from reprostore.packets import operations

    new_id, body = packet_metadata(name, files, **options)
    metadata = json.loads(body)
    metadata["custom"] = custom
    body = json.dumps(metadata).encode()
    for data in files.values():
        operations.do_upload_file(root, sha256(data), io.BytesIO(data))
    operations.do_upload_packet(root, sha256(body), body)
    return new_id


@pytest.fixture
def signed_in(client, cast):
    grant_packets(cast.reader, "read")
    client.force_login(cast.reader)
    return client


@pytest.fixture
def fit(db, outpack_root):
    data = push(outpack_root, "incidence", {"cases.csv": b"week,cases\n1,12\n"}, None)
    return push(
        outpack_root,
        "model-fit",
        {
            "fit.py": b"print('fit')\n",
            "priors.json": b"{}",
            "inputs/cases.csv": b"week,cases\n1,12\n",
            "fit.csv": b"parameter,estimate\nR0,1.9\n",
            "plots/fit.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "log.txt": b"converged\n",
        },
        PYORDERLY_CUSTOM,
        depends=[(data, {"inputs/cases.csv": "cases.csv"})],
    )


def rows_of(page: str, heading_id: str) -> dict:
    """{path: the row's HTML} of the file table under the heading `heading_id`."""
    table = page.split(f'aria-labelledby="{heading_id}"', 2)[-1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*>.*?</tr>", table, re.S)
    found = {}
    for row in rows[1:]:
        path = re.search(r'<code class="path">([^<]*)</code>', row).group(1)
        found[path] = row
    return found


def test_the_display_name_and_description_come_first(signed_in, fit):
    response = signed_in.get(f"/packets/model-fit/{fit}/")
    page = response.content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert heading.startswith("SEIR model fit ")
    assert "model-fit" in heading and fit in heading
    lead = re.search(r'<p class="lead packet-description">(.*?)</p>', page).group(1)
    assert lead == "Fits an SEIR model to the weekly cases &amp; plots it."
    # Before the files and parameters, not only inside the custom metadata at the end.
    assert page.index(lead) < page.index('id="parameters"') < page.index('id="custom"')
    assert "<dt>Display name</dt><dd>SEIR model fit</dd>" in page
    assert "<dt>team</dt><dd>modelling</dd>" in page
    assert "<dt>weekly</dt><dd>true</dd>" in page


def test_artefacts_are_listed_apart_from_the_other_files(signed_in, fit):
    page = signed_in.get(f"/packets/model-fit/{fit}/").content.decode()
    artefacts = rows_of(page, "artefacts")
    others = rows_of(page, "other-files")
    assert sorted(artefacts) == ["fit.csv", "plots/fit.svg"]
    assert sorted(others) == ["fit.py", "inputs/cases.csv", "log.txt", "priors.json"]
    assert 'class="artefact"' in artefacts["fit.csv"]
    assert "artefact</span> Posterior estimates" in artefacts["fit.csv"]
    assert "artefact</span> Fit plot" in artefacts["plots/fit.svg"]
    assert "<td>script</td>" in others["fit.py"]
    assert "<td>resource</td>" in others["priors.json"]
    assert "<td>from incidence</td>" in others["inputs/cases.csv"]
    assert "artefact" not in others["log.txt"]


def test_orderly_r_artefacts_are_marked_too(signed_in, outpack_root):
    report = push(
        outpack_root,
        "report",
        {"report.R": b"cat(1)\n", "report.html": b"<p>hi</p>"},
        ORDERLY_R_CUSTOM,
    )
    page = signed_in.get(f"/packets/report/{report}/").content.decode()
    assert "artefact</span> Situation report" in rows_of(page, "artefacts")["report.html"]
    assert "<td>script</td>" in rows_of(page, "other-files")["report.R"]
    assert '<p class="lead' not in page  # a description of nulls says nothing
    assert re.search(r"<h1><span class=\"muted\">report</span> " + report + "</h1>", page)


def test_a_packet_without_orderly_metadata_has_one_file_table(signed_in, outpack_root):
    plain = push(outpack_root, "plain", {"a.txt": b"a"}, None)
    page = signed_in.get(f"/packets/plain/{plain}/").content.decode()
    assert 'id="artefacts"' not in page and 'id="other-files"' not in page
    assert list(rows_of(page, "files")) == ["a.txt"]


@pytest.mark.parametrize(
    "orderly",
    [
        {"artefacts": "fit.csv", "role": {"path": "x"}, "description": "text"},
        {"artefacts": [None, {"files": 3}, {"paths": ["a.txt", 4]}], "role": [{"path": 3}, 7]},
        {"description": {"display": ["not", "text"], "long": 5, "custom": "x"}},
    ],
)
def test_malformed_orderly_metadata_is_ignored_not_fatal(signed_in, outpack_root, orderly):
    odd = push(outpack_root, "odd", {"a.txt": b"a"}, {"orderly": orderly})
    response = signed_in.get(f"/packets/odd/{odd}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="lead' not in page
    listed = rows_of(page, "artefacts") if 'id="artefacts"' in page else rows_of(page, "files")
    assert list(listed) == ["a.txt"]


def test_the_list_of_packets_shows_their_display_names(signed_in, fit):
    page = signed_in.get("/packets/model-fit/").content.decode()
    row = re.search(rf'<th scope="row"><a href="/packets/model-fit/{fit}/">.*?</th>', page).group(0)
    assert '<span class="muted display-name">SEIR model fit</span>' in row
