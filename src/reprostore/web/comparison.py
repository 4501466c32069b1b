"""Records side by side: one row per field, parameter, dependency or data file, marking the
rows whose values differ between the records."""

import difflib
import json
from dataclasses import dataclass

from reprostore.web import diffs
from reprostore.web.record_display import data_keys, objects_in, parameters_of

MIN_RECORDS, MAX_RECORDS = 2, 8
MISSING = None  # a value a record does not have, shown as "absent"


@dataclass
class Row:
    """`values` are shown; `compared`, when given, are what decides whether the row differs
    (a diff's summary is shown, the diff itself compared)."""

    name: str
    values: list
    compared: list | None = None

    @property
    def differs(self) -> bool:
        compared = self.values if self.compared is None else self.compared
        return len({json.dumps(value, sort_keys=True, default=str) for value in compared}) > 1


@dataclass
class Section:
    title: str
    rows: list[Row]

    @property
    def differences(self) -> int:
        return sum(row.differs for row in self.rows)


def text(value):
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def field_rows(documents: list[dict], fields: list[tuple[str, callable]]) -> list[Row]:
    return [Row(name, [text(get(document)) for document in documents]) for name, get in fields]


def diff_row(documents: list[dict]) -> Row:
    diffs_of = [document_diff(document) for document in documents]
    return Row("Uncommitted changes", [diffs.summary(diff) for diff in diffs_of], diffs_of)


def keyed_rows(per_record: list[dict]) -> list[Row]:
    """Rows for things known by name (parameters, dependencies, files): one per name in any
    record, absent where a record lacks it."""
    names = sorted(set().union(*(values.keys() for values in per_record)))
    return [Row(name, [text(values.get(name, MISSING)) for values in per_record]) for name in names]


def executable(document: dict) -> str | None:
    value = document.get("executable")
    if not isinstance(value, dict):
        return None
    return " ".join(str(value.get(key) or "") for key in ("name", "version")).strip() or None


def repository(document: dict) -> str | None:
    value = document.get("repository")
    return value.get("url") if isinstance(value, dict) else None


def document_diff(document: dict) -> str:
    diff = document.get("diff")
    return diff if isinstance(diff, str) else ""


def platform(document: dict) -> dict:
    """The first platform's fields (a record from one machine has exactly one)."""
    platforms = objects_in(document.get("platforms"))
    return {key: str(value) for key, value in platforms[0].items()} if platforms else {}


def dependency_versions(document: dict) -> dict:
    return {
        str(dep.get("name")): dep.get("version") for dep in objects_in(document.get("dependencies"))
    }


def data_digests(document: dict, key: str) -> dict:
    """Digests by path. Sumatra writes each run's output under a directory named after its
    label, so that part is written `<label>` to line up the same file of different runs."""
    own_directory = f"{document.get('label')}/"
    digests = {}
    for item in data_keys(document.get(key)):
        path = item["path"]
        if path.startswith(own_directory):
            path = "<label>/" + path[len(own_directory) :]
        digests[path] = item["digest"] or "(not recorded)"
    return digests


RUN_FIELDS = [
    ("Timestamp", lambda d: d.get("timestamp")),
    ("Duration (s)", lambda d: d.get("duration")),
    ("Outcome", lambda d: d.get("outcome")),
    ("Reason", lambda d: d.get("reason")),
    ("Tags", lambda d: ", ".join(d.get("tags") or []) or None),
    ("User", lambda d: d.get("user")),
]
CODE_FIELDS = [
    ("Main file", lambda d: d.get("main_file")),
    ("Script arguments", lambda d: d.get("script_arguments")),
    ("Version", lambda d: d.get("version")),
    ("Executable", executable),
    ("Repository", repository),
    ("Parameter format", lambda d: (d.get("parameters") or {}).get("type")),
]


def compare(documents: list[dict]) -> list[Section]:
    """The comparison of record documents, in the order given."""
    return [
        Section("Run", field_rows(documents, RUN_FIELDS)),
        Section("Parameters", keyed_rows([dict(parameters_of(d)) for d in documents])),
        Section("Code and versions", [*field_rows(documents, CODE_FIELDS), diff_row(documents)]),
        Section("Dependencies", keyed_rows([dependency_versions(d) for d in documents])),
        Section("Platform", keyed_rows([platform(d) for d in documents])),
        Section("Input data", keyed_rows([data_digests(d, "input_data") for d in documents])),
        Section("Output data", keyed_rows([data_digests(d, "output_data") for d in documents])),
    ]


def only_differences(sections: list[Section]) -> list[Section]:
    return [
        Section(section.title, [row for row in section.rows if row.differs]) for section in sections
    ]


# Diffs of diffs are worked out line by line (difflib is quadratic at worst): past this many
# lines in either, only the two diffs are shown.
MAX_LINES_BETWEEN = 5_000
# A diff can be many megabytes, and up to eight are shown: each is shown up to this much, as on
# the record page.
DIFF_SHOWN = 500_000


@dataclass
class ChangeSet:
    """One diff and the records that have exactly it."""

    labels: list[str]
    diff: str

    @property
    def summary(self) -> str:
        return diffs.summary(self.diff)

    @property
    def shown(self) -> str:
        return self.diff[:DIFF_SHOWN]

    @property
    def cut(self) -> bool:
        return len(self.diff) > DIFF_SHOWN


@dataclass
class UncommittedChanges:
    change_sets: list[ChangeSet]
    between: str | None  # how the two diffs differ, when there are exactly two

    @property
    def any(self) -> bool:
        return any(change_set.diff for change_set in self.change_sets)


def uncommitted_changes(labels: list[str], documents: list[dict]) -> UncommittedChanges:
    """The records' diffs, each different one once, in the order of the records; and when there
    are exactly two, both changes, a diff from the first to the second."""
    by_diff: dict[str, list[str]] = {}
    for label, document in zip(labels, documents, strict=True):
        by_diff.setdefault(document_diff(document), []).append(label)
    change_sets = [ChangeSet(group, diff) for diff, group in by_diff.items()]
    return UncommittedChanges(change_sets, between_two(change_sets))


def between_two(change_sets: list[ChangeSet]) -> str | None:
    if len(change_sets) != 2 or not all(change_set.diff for change_set in change_sets):
        return None
    first, second = (change_set.diff.splitlines() for change_set in change_sets)
    if max(len(first), len(second)) > MAX_LINES_BETWEEN:
        return None
    names = [", ".join(change_set.labels) for change_set in change_sets]
    lines = difflib.unified_diff(first, second, names[0], names[1], lineterm="")
    return "\n".join(lines)
