"""Comparing records side by side."""

import pytest


def rows(response, title):
    section = next(s for s in response.context["sections"] if s.title == title)
    return {row.name: (row.values, row.differs) for row in section.rows}


@pytest.fixture
def compared(client, cast, records):
    client.force_login(cast.reader)
    response = client.get("/projects/Private/compare/?label=run-a&label=run-b")
    assert response.status_code == 200
    return response


def test_it_marks_parameters_that_differ(compared):
    parameters = rows(compared, "Parameters")
    assert parameters["a"] == (["2", "3"], True)
    assert parameters["name"] == (["ring", "ring"], False)


def test_it_marks_outcome_and_dependency_versions(compared):
    assert rows(compared, "Run")["Outcome"] == (["fine", "diverged"], True)
    assert rows(compared, "Dependencies")["numpy"] == (["1.26.4", "2.0.0"], True)
    assert rows(compared, "Code and versions")["Version"][1] is False


def test_output_files_line_up_across_the_runs_directories(compared):
    outputs = rows(compared, "Output data")
    digest = "43a47cb379df2a7008fdeb38c6172278d000fdc4"
    assert outputs == {"<label>/out.dat": ([digest, digest], False)}


def test_differences_are_marked_in_text_not_only_in_colour(compared):
    page = compared.content.decode()
    assert '<tr class="differs">' in page
    assert '<span class="visually-hidden">Differs: </span>a</th>' in page


def test_it_can_show_only_the_differences(client, cast, records):
    client.force_login(cast.reader)
    response = client.get("/projects/Private/compare/?label=run-a&label=run-b&show=differences")
    assert "name" not in rows(response, "Parameters")
    assert "a" in rows(response, "Parameters")


def test_three_records_keep_their_order(client, cast, records):
    client.force_login(cast.reader)
    response = client.get("/projects/Private/compare/?label=run-c&label=run-a&label=run-b")
    assert [record.label for record in response.context["records"]] == ["run-c", "run-a", "run-b"]


def test_one_record_is_not_a_comparison(client, cast, records):
    client.force_login(cast.reader)
    response = client.get(
        "/projects/Private/compare/?label=run-a", follow=True, HTTP_ACCEPT="text/html"
    )
    assert response.redirect_chain == [("/records/Private/", 302)]
    assert "Choose between 2 and 8 records" in response.content.decode()


def test_an_unknown_label_is_not_found(client, cast, records):
    client.force_login(cast.reader)
    assert client.get("/projects/Private/compare/?label=run-a&label=zzz").status_code == 404


def test_a_stranger_gets_not_found(client, cast, records):
    client.force_login(cast.stranger)
    response = client.get("/projects/Private/compare/?label=run-a&label=run-b")
    assert response.status_code == 404


def test_anonymous_visitors_are_asked_to_log_in(client, cast, records):
    response = client.get("/projects/Private/compare/?label=run-a&label=run-b")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/projects/Private/compare/")


def test_the_show_only_differences_link_keeps_every_record(compared):
    page = compared.content.decode()
    assert "?label=run-a&amp;label=run-b&amp;show=differences" in page
