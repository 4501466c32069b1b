"""A record's page: every field of its document, laid out, and its history."""

import pytest

from tests.web.conftest import save


@pytest.fixture
def page(client, html, cast, records):
    client.force_login(cast.reader)
    response = html("/records/Private/run-b/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_summary_fields(page):
    for text in ("run-b", "diverged", "test the store", "Ann Example &lt;ann@example.org&gt;"):
        assert text in page
    assert "2024-05-06 08:00:00+0000" in page
    assert "finished: its provenance can no longer change" in page


def test_it_shows_parameters_as_a_table(page):
    assert '<th scope="row"><code>a</code></th><td><code>3</code></td><td>number</td>' in page
    assert (
        '<th scope="row"><code>fast</code></th><td><code>true</code></td><td>boolean</td>' in page
    )
    assert "Parameter file as recorded (SimpleParameterSet)" in page


def test_it_shows_code_platform_and_dependencies(page):
    assert "6b1f0c1c2ee3a6e3d8cfd1fb0c4f2ee1a1f3b0a9" in page
    assert "GitRepository" in page and "/home/ann/sim" in page
    assert "Python 3.11.7" in page
    assert '<th scope="row">numpy</th>' in page and "2.0.0" in page
    assert '<th scope="row">node1</th>' in page and "6.1.0" in page
    assert "SerialLaunchMode" in page and "FileSystemDataStore" in page


def test_it_shows_output_data_with_digests(page):
    assert "run-b/out.dat" in page
    assert '<code class="digest">43a47cb379df2a7008fdeb38c6172278d000fdc4</code>' in page
    assert "2.4\xa0KB" in page


def test_it_shows_output_and_diff(client, html, cast):
    save(cast.owner, cast.project, "with-diff", diff="--- a/main.py\n+++ b/main.py\n",
         stdout_stderr="step 1\nstep 2\n")  # fmt: skip
    client.force_login(cast.reader)
    page = html("/records/Private/with-diff/").content.decode()
    assert '--- a/main.py</span>\n<span class="diff-file">+++ b/main.py' in page
    assert "step 1\nstep 2" in page


def test_it_lists_revisions_with_the_fields_they_changed(client, html, cast):
    save(cast.owner, cast.project, "evolving", tags=[], outcome="")
    save(cast.writer, cast.project, "evolving", tags=[], outcome="better")
    client.force_login(cast.reader)
    history = html("/records/Private/evolving/").context["history"]
    assert [entry["revision"].action for entry in history] == ["create", "update"]
    assert [entry["revision"].user.username for entry in history] == ["alice", "carol"]
    assert history[1]["changed"] == ["outcome"]


def test_unknown_fields_are_shown_too(client, html, cast):
    save(cast.owner, cast.project, "extra", cluster_job="4711")
    client.force_login(cast.reader)
    page = html("/records/Private/extra/").content.decode()
    assert "<dt>cluster_job</dt><dd><code>4711</code></dd>" in page


def test_text_in_records_is_escaped(client, html, cast):
    save(cast.owner, cast.project, "xss", reason="<script>alert(1)</script>")
    client.force_login(cast.reader)
    page = html("/records/Private/xss/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_stranger_gets_not_found(client, html, cast, records):
    client.force_login(cast.stranger)
    response = html("/records/Private/run-b/")
    assert response.status_code == 404
    assert "diverged" not in response.content.decode()


def test_a_missing_record_is_not_found(client, html, cast, records):
    client.force_login(cast.reader)
    response = html("/records/Private/nothing/")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.content.decode()


def test_the_last_record_has_a_page_too(client, html, cast, records):
    client.force_login(cast.reader)
    assert html("/records/Private/last/").context["record"].label == "run-c"
