"""The project page: the records table, sorted, paged, filtered and searched on the server."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.conftest import save


def labels_on(response) -> list[str]:
    return [record.label for record in response.context["page"].object_list]


@pytest.mark.parametrize("who", ["owner", "writer", "reader", "admin"])
def test_people_with_access_see_the_records(client, html, cast, records, who):
    client.force_login(getattr(cast, who))
    response = html("/records/Private/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert labels_on(response) == ["run-c", "run-b", "run-a"]


def test_a_stranger_gets_not_found(client, html, cast, records):
    client.force_login(cast.stranger)
    response = html("/records/Private/")
    assert response.status_code == 404
    assert "run-a" not in response.content.decode()


def test_anonymous_visitors_are_asked_to_log_in(html, cast, records):
    response = html("/records/Private/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/records/Private/"


def test_anonymous_visitors_may_read_public_projects(html, cast):
    save(cast.owner, cast.public, "open-run")
    response = html("/records/Public/")
    assert response.status_code == 200
    assert labels_on(response) == ["open-run"]


def test_json_clients_still_get_json(client, cast, records):
    client.force_login(cast.reader)
    response = client.get("/records/Private/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("label", ["run-a", "run-b", "run-c"]),
        ("-label", ["run-c", "run-b", "run-a"]),
        ("timestamp", ["run-a", "run-b", "run-c"]),
        ("duration", ["run-b", "run-a", "run-c"]),  # no duration sorts last either way
        ("-duration", ["run-a", "run-b", "run-c"]),
        ("outcome", ["run-c", "run-b", "run-a"]),
        ("nonsense", ["run-c", "run-b", "run-a"]),
    ],
)
def test_it_sorts_on_the_server(client, html, cast, records, sort, expected):
    client.force_login(cast.reader)
    assert labels_on(html(f"/records/Private/?sort={sort}")) == expected


def test_sort_links_toggle_and_mark_the_sorted_column(client, html, cast, records):
    client.force_login(cast.reader)
    page = html("/records/Private/?sort=label&tags=_finished_").content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-label&amp;tags=_finished_">Label' in page
    assert 'href="?sort=-timestamp&amp;tags=_finished_">Timestamp' in page


def test_it_pages_with_a_limit(client, html, cast):
    for number in range(30):
        save(cast.owner, cast.project, f"run-{number:02}")
    client.force_login(cast.reader)
    first = html("/records/Private/?sort=label&per_page=25")
    assert labels_on(first)[0] == "run-00" and len(labels_on(first)) == 25
    assert 'href="?sort=label&amp;per_page=25&amp;page=2" rel="next"' in first.content.decode()
    second = html("/records/Private/?sort=label&per_page=25&page=2")
    assert labels_on(second) == [f"run-{number}" for number in range(25, 30)]
    assert "Records 26–30 of 30" in second.content.decode()
    past_the_end = html("/records/Private/?sort=label&per_page=25&page=99")
    assert labels_on(past_the_end) == labels_on(second)


def test_the_table_never_reads_record_documents(client, html, cast, records):
    client.force_login(cast.reader)
    with CaptureQueriesContext(connection) as queries:
        html("/records/Private/")
    record_queries = [q["sql"] for q in queries if 'FROM "records_record"' in q["sql"]]
    assert record_queries
    assert not any('"records_record"."body"' in sql for sql in record_queries)


def test_it_filters_by_tag(client, html, cast, records):
    client.force_login(cast.reader)
    response = html("/records/Private/?tags=baseline")
    assert labels_on(response) == ["run-a"]
    page = response.content.decode()
    assert 'href="/records/Private/?tags=baseline" aria-current="true">baseline' in page
    assert labels_on(html("/records/Private/tag/_finished_/")) == ["run-c", "run-b", "run-a"]


def test_tag_counts_follow_new_records(client, html, cast, records):
    client.force_login(cast.reader)

    def counts():
        return {tag["name"]: tag["count"] for tag in html("/records/Private/").context["tags"]}

    assert counts() == {"_finished_": 3, "baseline": 1}
    save(cast.owner, cast.project, "run-d", tags=["baseline", "new"])
    assert counts() == {"_finished_": 3, "baseline": 2, "new": 1}


def test_a_tag_with_a_plus_survives_the_links(client, html, cast):
    save(cast.owner, cast.project, "cpp", tags=["c++"])
    save(cast.owner, cast.project, "other", tags=["c"])
    client.force_login(cast.reader)
    response = html("/records/Private/?tags=c%2B%2B")
    assert labels_on(response) == ["cpp"]
    assert "?tags=c%2B%2B&amp;sort=label" in response.content.decode()


def test_rows_show_tags_and_parameters(client, html, cast, records):
    client.force_login(cast.reader)
    page = html("/records/Private/?sort=label").content.decode()
    assert 'data-label="a">3</td>' in page
    assert 'data-label="name">ring</td>' in page
    assert ">baseline</a>" in page


def test_admins_get_a_link_to_the_permissions(client, html, cast, records):
    client.force_login(cast.owner)
    assert "/records/Private/permissions/" in html("/records/Private/").content.decode()
    client.force_login(cast.writer)
    assert "/records/Private/permissions/" not in html("/records/Private/").content.decode()


def test_it_searches_with_the_query_language(client, html, cast, records):
    client.force_login(cast.reader)
    response = html("/records/Private/?q=parameter:a+%3E+2")
    assert labels_on(response) == ["run-b"]
    assert 'value="parameter:a &gt; 2"' in response.content.decode()


def test_a_bad_query_is_explained_on_the_page(client, html, cast, records):
    client.force_login(cast.reader)
    response = html("/records/Private/?q=parameter:a+%3E%3E+2")
    assert response.status_code == 200
    assert labels_on(response) == []
    assert 'role="alert"' in response.content.decode()
