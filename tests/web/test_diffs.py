"""Diffs people can read: coloured unified diffs on the record page, compared side by side, and
changed lines counted as changes (web/diffs.py)."""

import difflib
import re

import pytest

from reprostore.web import diffs
from tests.web.conftest import save

SOURCE = [f"line {number}" for number in range(1, 21)]


def git_diff(before: list[str], after: list[str], path: str = "model.py") -> str:
    """The diff `git diff` prints for one file changed from `before` to `after`."""
    body = difflib.unified_diff(before, after, f"a/{path}", f"b/{path}", lineterm="")
    header = [f"diff --git a/{path} b/{path}", "index 3b18e51..a1b2c3d 100644"]
    return "\n".join([*header, *body]) + "\n"


def edited(lines: list[str], number: int, text: str) -> list[str]:
    return [text if index == number - 1 else line for index, line in enumerate(lines)]


ONE_LINE_EDIT = git_diff(SOURCE, edited(SOURCE, 10, "line ten"))


@pytest.mark.nodb
class TestCounting:
    def test_a_one_line_edit_is_one_changed_line(self):
        assert len(ONE_LINE_EDIT.splitlines()) == 13  # what was reported as "13 changed lines"
        assert diffs.changed_lines(ONE_LINE_EDIT) == 1
        assert diffs.summary(ONE_LINE_EDIT) == "1 changed line in model.py"

    @pytest.mark.parametrize(
        ("after", "changed"),
        [
            (SOURCE[:5] + ["new a", "new b", "new c"] + SOURCE[5:], 3),  # three added
            (SOURCE[:5] + SOURCE[7:], 2),  # two removed
            (SOURCE[:5] + ["x", "y", "z"] + SOURCE[7:], 3),  # two replaced by three
            (edited(edited(SOURCE, 2, "two"), 18, "eighteen"), 2),  # one edit in each of two hunks
            (edited(edited(SOURCE, 10, "ten"), 12, "twelve"), 2),  # two edits in one hunk
        ],
    )
    def test_each_run_of_changes_counts_its_longer_side(self, after, changed):
        assert diffs.changed_lines(git_diff(SOURCE, after)) == changed

    def test_lines_that_look_like_headers_inside_a_hunk_are_changes(self):
        before = ["-- a comment", "++ counter", "keep"]
        diff = git_diff(before, ["keep"], path="query.sql")
        kinds = [line.kind for line in diffs.diff_lines(diff)]
        assert kinds == ["file", "meta", "file", "file", "hunk", "removed", "removed", "context"]
        assert diffs.summary(diff) == "2 changed lines in query.sql"

    def test_the_no_newline_note_is_not_a_change(self):
        diff = git_diff(["a"], ["b"]).replace("+b\n", "\\ No newline at end of file\n+b\n")
        assert [line.kind for line in diffs.diff_lines(diff)][-3:] == ["removed", "note", "added"]
        assert diffs.changed_lines(diff) == 1

    def test_several_files_and_a_deleted_one(self):
        deleted = git_diff(["gone"], [], path="old.py").replace("+++ b/old.py", "+++ /dev/null")
        diff = ONE_LINE_EDIT + deleted
        assert diffs.changed_files(diff) == ["model.py", "old.py"]
        assert diffs.summary(diff) == "2 changed lines in 2 files"

    def test_mercurial_headers_with_dates(self):
        diff = (
            "diff -r 4a3f2b1c model.py\n"
            "--- a/model.py\tMon May 06 09:00:00 2024 +0000\n"
            "+++ b/model.py\tMon May 06 09:05:00 2024 +0000\n"
            "@@ -1,1 +1,1 @@\n"
            "-tau = 10\n"
            "+tau = 20\n"
        )
        assert diffs.summary(diff) == "1 changed line in model.py"

    def test_text_without_hunk_headers_is_read_by_first_character(self):
        kinds = [line.kind for line in diffs.diff_lines("+ new\n- old\nplain")]
        assert kinds == ["added", "removed", "meta"]
        assert diffs.summary("+ new\n- old\nplain") == "1 changed line"

    def test_no_diff_is_none(self):
        assert diffs.summary("") == diffs.summary(None) == "none"

    def test_html_marks_each_line_and_escapes_it(self):
        diff = git_diff(["<b>old</b>"], ["<script>alert(1)</script>"], path="a&b.html")
        html = diffs.as_html(diff)
        assert "<script>" not in html and "<b>" not in html
        assert '<span class="diff-removed">-&lt;b&gt;old&lt;/b&gt;</span>\n' in html
        assert '<span class="diff-added">+&lt;script&gt;alert(1)&lt;/script&gt;</span>' in html
        assert '<span class="diff-file">+++ b/a&amp;b.html</span>\n' in html
        assert '<span class="diff-hunk">@@ -1 +1 @@</span>\n' in html

    def test_an_empty_line_keeps_its_height(self):
        diff = "@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n"
        assert diffs.as_html(diff).splitlines()[2] == '<span class="diff-context"> </span>'


# The pages


def spans(page: str, kind: str) -> list[str]:
    """The text of the lines of `kind` in the page's diffs."""
    shown = "".join(re.findall(r'<pre class="[^"]*\bdiff"[^>]*>(.*?)</pre>', page, re.S))
    return re.findall(rf'<span class="diff-{kind}">([^<]*)</span>', shown)


@pytest.fixture
def reader(client, cast):
    client.force_login(cast.reader)
    return client


def test_the_record_page_shows_the_diff_coloured_with_its_markers(reader, html, cast):
    save(cast.owner, cast.project, "run-a", diff=ONE_LINE_EDIT)
    page = html("/records/Private/run-a/").content.decode()
    assert "Uncommitted changes: 1 changed line in model.py." in page
    assert spans(page, "removed") == ["-line 10"]
    assert spans(page, "added") == ["+line ten"]
    assert spans(page, "hunk") == ["@@ -7,7 +7,7 @@"]
    assert spans(page, "file") == [
        "diff --git a/model.py b/model.py",
        "--- a/model.py",
        "+++ b/model.py",
    ]
    assert "/static/web/diff.css" in page


def test_a_hostile_diff_is_shown_as_text(reader, html, cast):
    diff = git_diff(["x"], ['</pre><script>alert("x")</script>'])
    save(cast.owner, cast.project, "run-a", diff=diff)
    page = html("/records/Private/run-a/").content.decode()
    assert "<script>alert" not in page
    assert spans(page, "added") == [
        "+&lt;/pre&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    ]


def test_a_dependencys_diff_is_coloured_too(reader, html, cast):
    dependency = {
        "name": "mylib",
        "path": "/home/ann/mylib",
        "version": "0.1",
        "module": "python",
        "diff": git_diff(["a = 1"], ["a = 2"], path="mylib/core.py"),
        "source": None,
    }
    save(cast.owner, cast.project, "run-a", dependencies=[dependency])
    page = html("/records/Private/run-a/").content.decode()
    assert "<summary>1 changed line in mylib/core.py</summary>" in page
    assert spans(page, "added") == ["+a = 2"]


def test_a_record_without_a_diff_says_so(reader, html, cast):
    save(cast.owner, cast.project, "run-a", diff="")
    page = html("/records/Private/run-a/").content.decode()
    assert "No uncommitted changes" in page
    assert 'class="diff-added"' not in page.split('id="diff"')[1]


def compare(client, *labels):
    query = "&".join(f"label={label}" for label in labels)
    response = client.get(f"/projects/Private/compare/?{query}")
    assert response.status_code == 200
    return response


def changes_row(response):
    section = next(s for s in response.context["sections"] if s.title == "Code and versions")
    row = next(row for row in section.rows if row.name == "Uncommitted changes")
    return row.values, row.differs


def test_compare_counts_changed_lines_and_shows_the_two_diffs(reader, cast):
    other_edit = git_diff(SOURCE, edited(SOURCE, 11, "line eleven"))
    save(cast.owner, cast.project, "run-a", diff=ONE_LINE_EDIT)
    save(cast.owner, cast.project, "run-b", diff=other_edit)
    response = compare(reader, "run-a", "run-b")
    # The same summary, yet different changes: the row is marked as differing.
    assert changes_row(response) == (["1 changed line in model.py"] * 2, True)
    page = response.content.decode()
    assert "changed lines" not in page
    assert 'Uncommitted changes <span class="muted">(2 different)</span>' in page
    columns = re.findall(r'<section class="diff-column".*?</section>', page, re.S)
    assert len(columns) == 2
    assert spans(columns[0], "added") == ["+line ten"]
    assert spans(columns[1], "added") == ["+line eleven"]
    between = page.split('class="diff-between"')[1]
    assert "-+line ten" in spans(between, "removed")
    assert "++line eleven" in spans(between, "added")


def test_records_with_the_same_diff_share_one_column(reader, cast):
    for label in ("run-a", "run-b"):
        save(cast.owner, cast.project, label, diff=ONE_LINE_EDIT)
    save(cast.owner, cast.project, "run-c", diff="")
    response = compare(reader, "run-a", "run-b", "run-c")
    assert changes_row(response) == (["1 changed line in model.py"] * 2 + ["none"], True)
    change_sets = response.context["changes"].change_sets
    assert [(change_set.labels, change_set.summary) for change_set in change_sets] == [
        (["run-a", "run-b"], "1 changed line in model.py"),
        (["run-c"], "none"),
    ]
    assert response.context["changes"].between is None  # nothing to set one diff against
    page = response.content.decode()
    assert len(re.findall(r'<section class="diff-column"', page)) == 2
    assert "No uncommitted changes." in page
    assert 'class="diff-between"' not in page


def test_compare_says_when_no_record_has_changes(reader, cast):
    save(cast.owner, cast.project, "run-a", diff="")
    save(cast.owner, cast.project, "run-b", diff="")
    response = compare(reader, "run-a", "run-b")
    assert changes_row(response) == (["none", "none"], False)
    assert "None of these records has uncommitted changes." in response.content.decode()
