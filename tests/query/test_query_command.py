"""`reprostore query`, run as a user runs it: on roots reprostore never served, and on a store."""

import json
import os
import shutil

import pytest

from reprostore.query import parse, to_dict
from tests.query.conftest import FIXTURES, metadata_bytes
from tests.support import databases
from tests.support.server import reprostore

EXAMPLE = FIXTURES / "example"
NEWEST_QUERIES1 = "20180818-164043-7cdcde4b"


def query(root, *args, database_url=None):
    return reprostore(
        "query", "--root", str(root), *args, root=root, database_url=database_url, check=False
    )


def tree(path):
    """Every path under `path` with its size and modification time."""
    return sorted(
        (str(p.relative_to(path)), p.stat().st_size, p.stat().st_mtime_ns) for p in path.rglob("*")
    )


@pytest.fixture
def example_copy(tmp_path):
    return shutil.copytree(EXAMPLE, tmp_path / "example")


pytestmark = pytest.mark.nodb


def test_it_queries_the_read_only_fixture_and_writes_nothing():
    before = tree(EXAMPLE)
    result = query(EXAMPLE, 'latest(name == "modup-201707-queries1")')
    assert (result.returncode, result.stdout, result.stderr) == (0, NEWEST_QUERIES1 + "\n", "")
    assert tree(EXAMPLE) == before


def test_it_prints_one_id_per_line_in_id_order(example_copy):
    before = tree(example_copy)
    result = query(example_copy, 'name == "modup-201707-queries1"')
    assert result.stdout.splitlines() == [
        "20170818-164830-33e0ab01",
        "20170818-164847-7574883b",
        NEWEST_QUERIES1,
    ]
    assert tree(example_copy) == before
    assert not (example_copy / ".reprostore").exists()


def test_no_result_is_said_on_stderr_and_is_no_error(example_copy):
    result = query(example_copy, 'name == "nope"')
    # `outpack query` prints "Found no packets" in place of the ids; stdout stays ids only.
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "Found no packets\n")


def test_this_values_come_from_json(example_copy):
    result = query(example_copy, "--this", '{"d": "YF"}', "latest(parameter:disease == this:d)")
    assert result.stdout == NEWEST_QUERIES1 + "\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["name = 'x'"], "Failed to parse query\n --> 1:6"),
        (["name = 'x'"], "= Encountered unknown infix operator: ="),
        (["foo"], "expected query"),
        (
            ['single(name == "modup-201707-queries1")'],
            "Failed to evaluate query\nQuery found 3 packets, but expected exactly one",
        ),
        (["this:x == 1"], "this parameters are not supported in this context"),
        (["--this", "{not json", "this:x == 1"], "Invalid --this '{not json'"),
        (["--this", "[1]", "this:x == 1"], "expected a JSON object"),
        (["latest", "latest"], "Expected one query, got 2 arguments"),
    ],
)
def test_mistakes_exit_1_with_the_message_and_no_traceback(example_copy, args, message):
    result = query(example_copy, *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_root_with_unreadable_metadata_is_refused(tmp_path):
    bad = shutil.copytree(FIXTURES / "bad-example", tmp_path / "bad")
    result = query(bad, "latest")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Could not build outpack index from root at '{bad}'" in result.stderr
    assert "missing field `name`" in result.stderr


def test_a_missing_root_is_explained(tmp_path):
    result = query(tmp_path / "nowhere", "latest")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Outpack root not found" in result.stderr


def test_parse_prints_the_tree_as_json(tmp_path):
    text = 'latest(name == "x" && parameter:a > 1)'
    result = reprostore("query", "parse", text, root=tmp_path, database_url=None)
    assert json.loads(result.stdout) == to_dict(parse(text))
    assert json.loads(result.stdout)["inner"]["rhs"]["rhs"] == {"type": "Literal", "value": 1.0}


def test_parse_reports_an_invalid_query(tmp_path):
    result = reprostore("query", "parse", "single()", root=tmp_path, database_url=None, check=False)
    assert result.returncode == 1 and "expected body" in result.stderr


def test_it_uses_and_syncs_a_store_s_own_database(tmp_path):
    root = tmp_path / "store"
    reprostore("init", str(root), root=root, database_url=None)
    assert query(root, "latest").stderr == "Found no packets\n"
    packet = "20240101-000000-0000000a"
    (root / ".outpack" / "metadata" / packet).write_bytes(metadata_bytes(packet, "x", {"a": 2}))
    assert query(root, "latest(name == 'x' && parameter:a > 1)").stdout == packet + "\n"


# A store on PostgreSQL exists only in the PostgreSQL pass (deselected, not skipped, in the other;
# this marker overrides the module's nodb).
@pytest.mark.postgres
def test_it_works_on_a_postgres_store(example_copy):
    url = databases.create_postgres_database()
    try:
        reprostore("migrate", root=example_copy, database_url=url)
        result = query(example_copy, "latest", database_url=url)
        assert result.stdout == NEWEST_QUERIES1 + "\n"
        unmigrated = databases.create_postgres_database()
        result = query(example_copy, "latest", database_url=unmigrated)
        databases.drop_postgres_database_later(unmigrated)
        assert result.returncode == 1 and "run `reprostore migrate`" in result.stderr
    finally:
        databases.drop_postgres_database_later(url)
    assert os.listdir(example_copy) == [".outpack"]
