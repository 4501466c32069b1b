"""The forgiving search on the project and packet pages, and the names offered while typing."""

import json
import re
from urllib.parse import quote

import pytest

from reprostore.web.search import search_records
from tests.web.conftest import save


def labels_on(response) -> list[str]:
    return sorted(record.label for record in response.context["page"].object_list)


def json_parameters(**values):
    return {"type": "JSONParameterSet", "content": json.dumps(values)}


@pytest.fixture
def sweep(cast):
    """Four runs of a sweep over seed and n, with reasons, outcomes and tags to find."""
    runs = [
        ("sweep-1", 1, 50, "first look at 100% coupling", "stable", ["_finished_", "baseline"]),
        ("sweep-2", 3, 50, "second seed", "diverged at 3 s", ["_finished_"]),
        ("sweep-3", 3, 200, "bigger ring", "stable, synchrony", ["_finished_", "paper"]),
        ("sweep-4", 4, 1000, "biggest ring, 1000 neurons", "", ["_failed_"]),
    ]
    for hour, (label, seed, n, reason, outcome, tags) in enumerate(runs):
        save(
            cast.owner,
            cast.project,
            label,
            timestamp=f"2024-05-06 0{hour}:00:00+0000",
            parameters=json_parameters(seed=seed, n=n, model="lif"),
            reason=reason,
            outcome=outcome,
            tags=tags,
        )
    return cast.project


@pytest.fixture
def reader(client, cast):
    client.force_login(cast.reader)
    return client


def search(html, text, project="Private"):
    return html(f"/records/{project}/?q={quote(text)}")


@pytest.mark.parametrize(
    ("typed", "query", "found"),
    [
        ("seed=3", "parameter:seed == 3", ["sweep-2", "sweep-3"]),
        ("seed:3 n>100", "parameter:seed == 3 &amp;&amp; parameter:n &gt; 100", ["sweep-3"]),
        ("n>=1e3", "parameter:n &gt;= 1e3", ["sweep-4"]),
        ("#baseline", "tag == &quot;baseline&quot;", ["sweep-1"]),
        ("tag:_failed_ or seed=1", "tag == &quot;_failed_&quot; || parameter:seed == 1",
         ["sweep-1", "sweep-4"]),
        ("model=lif not seed=3", "parameter:model == &quot;lif&quot; &amp;&amp; "
         "!(parameter:seed == 3)", ["sweep-1", "sweep-4"]),
        ("outcome=stable", "outcome == &quot;stable&quot;", ["sweep-1"]),
    ],
)  # fmt: skip
def test_shorthand_finds_the_records_and_shows_the_rewritten_query(
    reader, html, sweep, typed, query, found
):
    response = search(html, typed)
    assert response.status_code == 200
    assert labels_on(response) == found
    page = response.content.decode()
    assert f'Searched for <code class="query">{query}</code>' in page
    assert 'role="alert"' not in page


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("ring", ["sweep-3", "sweep-4"]),  # in the reason
        ("STABLE", ["sweep-1", "sweep-3"]),  # in the outcome, whatever the case
        ("sweep-2", ["sweep-2"]),  # in the label
        ("paper", ["sweep-3"]),  # a tag
        ("ring stable", ["sweep-3"]),  # every word must be found
        ('"bigger ring"', ["sweep-3"]),  # a quoted phrase alone is the id shortform...
        ('"bigger ring" seed=3', ["sweep-3"]),  # ...and among other terms a phrase
        ("100%", ["sweep-1"]),  # % is a character, not a wildcard
        ("ring n<500", ["sweep-3"]),
    ],
)
def test_words_are_looked_for_in_label_reason_outcome_and_tags(reader, html, sweep, typed, found):
    if typed == '"bigger ring"':
        assert labels_on(search(html, typed)) == []  # no record is labelled "bigger ring"
        return
    response = search(html, typed)
    assert labels_on(response) == found
    assert "records whose label, reason, outcome or a tag contains" in response.content.decode()


def test_a_valid_query_is_run_as_it_is_and_not_called_rewritten(reader, html, sweep):
    response = search(html, "parameter:seed == 3 && parameter:n > 100")
    assert labels_on(response) == ["sweep-3"]
    assert "Searched for" not in response.content.decode()


def test_a_problem_is_shown_with_its_column_a_caret_and_a_fix(reader, html, sweep):
    response = search(html, "seed=3 &&")
    assert response.status_code == 200
    assert labels_on(response) == []
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "column 10: Expected a condition after `&amp;&amp;`." in page
    caret = re.search(r'<pre class="search-caret"[^>]*>(.*?)</pre>', page, re.S).group(1)
    assert caret.splitlines() == ["seed=3 &amp;&amp;", " " * 9 + "^"]
    fix = re.search(r'<a class="search-suggestion" href="([^"]+)"><code>([^<]+)</code>', page)
    assert fix.group(2) == "parameter:seed == 3"
    assert labels_on(html(f"/records/Private/{fix.group(1).replace('&amp;', '&')}")) == [
        "sweep-2",
        "sweep-3",
    ]


def test_a_query_that_cannot_be_answered_says_why(reader, html, sweep):
    response = search(html, "single(seed=3)")
    assert labels_on(response) == []
    assert "Query found 2 records, but expected exactly one" in response.content.decode()


def test_the_all_records_pill_is_not_lit_while_a_query_narrows_the_list(reader, html, sweep):
    all_records = re.compile(r'<a class="tag" href="([^"]*)"( aria-current="true")?>all records')
    unfiltered = all_records.search(html("/records/Private/").content.decode())
    assert unfiltered.group(2) is not None
    narrowed = all_records.search(search(html, "seed=3").content.decode())
    assert narrowed.group(2) is None
    assert "q=" not in narrowed.group(1)  # and following it shows all records again


def test_the_old_helper_still_gives_a_message(sweep):
    records, message = search_records(sweep.records.all(), "seed=")
    assert list(records) == []
    assert "Expected a value after `=`" in message
    records, message = search_records(sweep.records.all(), "seed=3")
    assert (sorted(r.label for r in records), message) == (["sweep-2", "sweep-3"], None)


# Suggestions


def suggestions(client, project="Private", fragment=None, **extra):
    query = "" if fragment is None else f"?q={quote(fragment)}"
    return client.get(f"/projects/{project}/search/suggest/{query}", **extra)


def test_a_reader_is_offered_the_projects_parameter_names_and_tags(reader, sweep):
    response = suggestions(reader)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "parameters": ["model", "n", "seed"],
        "tags": ["_failed_", "_finished_", "baseline", "paper"],
    }


def test_suggestions_are_narrowed_by_what_is_typed_starting_ones_first(reader, sweep, cast):
    save(cast.owner, sweep, "extra", parameters=json_parameters(base_seed=1, seeding=True))
    assert suggestions(reader, fragment="SEED").json() == {
        "parameters": ["seed", "seeding", "base_seed"],
        "tags": [],
    }
    assert suggestions(reader, fragment="fin").json()["tags"] == ["_finished_"]


def test_new_parameter_names_are_offered_after_a_write(reader, sweep, cast):
    assert "tau" not in suggestions(reader).json()["parameters"]
    save(cast.owner, sweep, "later", parameters=json_parameters(tau=10))
    assert "tau" in suggestions(reader).json()["parameters"]
    save(cast.owner, sweep, "even-later", parameters=json_parameters(tau=10, beta=2))
    assert "beta" in suggestions(reader).json()["parameters"]


def test_a_private_projects_suggestions_are_not_found_for_anonymous_callers(client, sweep):
    response = suggestions(client)
    assert response.status_code == 404
    assert response.json() == {"error": "Project 'Private' does not exist"}
    assert "WWW-Authenticate" not in response


def test_a_stranger_gets_not_found_as_for_a_missing_project(client, cast, sweep):
    client.force_login(cast.stranger)
    response = suggestions(client)
    assert (response.status_code, response.json()) == (
        404,
        {"error": "Project 'Private' does not exist"},
    )
    assert suggestions(client, project="Nowhere").status_code == 404


def test_a_public_projects_suggestions_are_open_to_anyone(client, cast):
    save(cast.owner, cast.public, "open-run", parameters=json_parameters(alpha=1), tags=["x"])
    assert suggestions(client, project="Public").json() == {"parameters": ["alpha"], "tags": ["x"]}


def test_the_search_box_names_its_suggestions(reader, html, sweep):
    page = html("/records/Private/").content.decode()
    assert 'data-suggest="/projects/Private/search/suggest/"' in page
    assert "/static/web/search.js" in page


# Packets


def test_packets_take_shorthand_too(client, cast, packets):
    client.force_login(cast.admin)
    response = client.get(f"/packets/?q={quote('name=model-fit tolerance<0.01')}")
    assert [packet.id for packet in response.context["page"].object_list] == [packets.fit]
    assert (
        'Searched for <code class="query">name == &quot;model-fit&quot; &amp;&amp; '
        "parameter:tolerance &lt; 0.01</code>" in response.content.decode()
    )
    assert 'data-suggest="/search/suggest/packets/"' in response.content.decode()
    response = client.get("/packets/?q=incoming")  # a word in the name
    assert [packet.id for packet in response.context["page"].object_list] == [packets.data]


def test_a_bad_packet_search_says_where(client, cast, packets):
    client.force_login(cast.admin)
    page = client.get(f"/packets/?q={quote('(name=x')}").content.decode()
    assert "column 1: This `(` is never closed." in page
    assert "<code>(name == &quot;x&quot;)</code>" in page


def test_packet_suggestions_offer_parameter_and_packet_names(client, cast, packets):
    client.force_login(cast.admin)
    response = client.get("/search/suggest/packets/")
    assert response.json() == {
        "parameters": ["disease", "tolerance", "year"],
        "names": ["incoming-data", "model-fit"],
    }
    assert client.get("/search/suggest/packets/?q=fit").json()["names"] == ["model-fit"]


def test_packet_suggestions_are_not_found_for_anonymous_callers(client, packets):
    response = client.get("/search/suggest/packets/")
    assert response.status_code == 404


def test_the_search_box_follows_lineage_with_orderlys_extension(reader, html, cast):
    """`usedby`/`uses` (issue 14) work in the search box, alone and beside shorthand."""

    def run(label, reads, writes, minute):
        data = [{"path": f"{label}/{d}", "digest": d, "metadata": {}} for d in writes]
        inputs = [{"path": f"in/{d}", "digest": d, "metadata": {}} for d in reads]
        save(
            cast.owner,
            cast.project,
            label,
            timestamp=f"2024-05-06 07:{minute:02d}:00+0000",
            input_data=inputs,
            output_data=data,
            parameters=json_parameters(seed=minute),
        )

    run("raw", [], ["d1"], 1)
    run("clean", ["d1"], ["d2"], 2)
    run("fit", ["d2"], ["d3"], 3)
    # As in orderly: `uses(x)` is what used x (downstream), `usedby(x)` what x used (upstream).
    assert labels_on(search(html, 'uses(label == "raw")')) == ["clean", "fit"]
    assert labels_on(search(html, 'usedby(label == "fit", 1)')) == ["clean"]
    assert labels_on(search(html, 'uses(label == "raw") seed=3')) == ["fit"]
