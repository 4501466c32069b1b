"""Unified diffs (a record's `diff`: the uncommitted changes `git diff` or `hg diff` printed)
read line by line, counted, and laid out as HTML with a class per kind of line.

A hunk header says how many old and new lines its hunk holds, so lines are read by that count:
a removed line `--- x` inside a hunk is a removal, not a file header. Text that is not a unified
diff (no hunk headers at all) is read by each line's first character.
"""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
FILE_HEADERS = ("diff ", "--- ", "+++ ", "Index: ", "=====")
# The class of each kind of line. The +/- markers stay in the text, so the kinds are never told
# apart by colour alone.
KINDS = {
    "file": "diff-file",
    "meta": "diff-meta",
    "hunk": "diff-hunk",
    "added": "diff-added",
    "removed": "diff-removed",
    "context": "diff-context",
    "note": "diff-note",
}


@dataclass(frozen=True)
class Line:
    kind: str
    text: str


def diff_lines(text: str) -> list[Line]:
    """Each line of a unified diff with its kind: file, meta, hunk, added, removed, context,
    note (`\\ No newline at end of file`)."""
    lines = text.splitlines()
    if not any(HUNK.match(line) for line in lines):
        return [Line(kind_by_first_character(line), line) for line in lines]
    result = []
    old = new = 0  # lines of the current hunk still to come
    for line in lines:
        if old > 0 or new > 0:
            kind = hunk_line_kind(line)
            old -= kind in ("removed", "context")
            new -= kind in ("added", "context")
        elif found := HUNK.match(line):
            kind = "hunk"
            old, new = hunk_size(found.group(1)), hunk_size(found.group(2))
        elif line.startswith("\\"):
            kind = "note"
        else:
            kind = "file" if line.startswith(FILE_HEADERS) else "meta"
        result.append(Line(kind, line))
    return result


def hunk_size(count: str | None) -> int:
    return 1 if count is None else int(count)


def hunk_line_kind(line: str) -> str:
    if line.startswith("+"):
        return "added"
    if line.startswith("-"):
        return "removed"
    if line.startswith("\\"):
        return "note"
    return "context"  # a space, or nothing where an editor stripped the trailing space


def kind_by_first_character(line: str) -> str:
    if line.startswith(FILE_HEADERS):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return hunk_line_kind(line) if line[:1] in "+-\\" and line else "meta"


def changed_lines(text: str) -> int:
    """How many lines the diff changes: a removed line replaced by an added one is one change.

    Each run of removed and added lines with nothing between counts as many lines as the
    longer side: a one-line edit is 1, three added lines are 3. (Counting every line of the
    text, headers and context included, made a one-line edit "10 changed lines".)
    """
    total = removed = added = 0
    for line in diff_lines(text):
        if line.kind == "removed":
            removed += 1
        elif line.kind == "added":
            added += 1
        elif line.kind != "note":
            total += max(removed, added)
            removed = added = 0
    return total + max(removed, added)


def changed_files(text: str) -> list[str]:
    """The paths the diff changes, in order: from each `+++` header (`---` for a deletion)."""
    files, removed_path = [], None
    for line in diff_lines(text):
        if line.kind != "file":
            continue
        if line.text.startswith("--- "):
            removed_path = header_path(line.text)
        elif line.text.startswith("+++ "):
            path = header_path(line.text)
            files.append(removed_path if path == "/dev/null" and removed_path else path)
    return files


def header_path(header: str) -> str:
    """`b/src/x.py` of `+++ b/src/x.py\\t(date)`, as `src/x.py`."""
    path = header[4:].split("\t")[0].strip()
    return path[2:] if path.startswith(("a/", "b/")) else path


def summary(text: str | None) -> str:
    """`1 changed line in model.py`, `12 changed lines in 3 files`, or `none`."""
    if not text:
        return "none"
    count = changed_lines(text)
    lines = f"{count} changed line{'' if count == 1 else 's'}"
    files = changed_files(text)
    if not files:
        return lines
    if len(files) == 1:
        return f"{lines} in {files[0]}"
    return f"{lines} in {len(files)} files"


def as_html(text: str) -> SafeString:
    """The diff as lines of HTML, each escaped and in a span with its kind's class, for a
    `<pre class="diff">`. Built here rather than in a template loop: a diff may have tens of
    thousands of lines. The newlines stay between the spans, so that the text reads (and copies)
    as the diff it is, styled or not; an empty line gets a space, to keep its height."""
    spans = [
        f'<span class="{KINDS[line.kind]}">{escape(line.text) or " "}</span>'
        for line in diff_lines(text)
    ]
    return mark_safe("\n".join(spans))  # noqa: S308 - every line's text is escaped above
