"""Creating, opening and describing outpack roots (no Django)."""

import json
import shutil

import pytest
from pyorderly.outpack.root import root_open

from reprostore.packets.errors import RootError
from reprostore.packets.root import describe_root, init_root, open_root
from tests.support.fixtures import OUTPACK_FIXTURES as FIXTURES

pytestmark = pytest.mark.nodb


def test_init_with_defaults_makes_a_servable_root(tmp_path):
    path = init_root(tmp_path / "root")
    root = open_root(path)
    assert root.core.use_file_store and root.core.require_complete_tree
    assert root.core.path_archive is None and root.core.hash_algorithm == "sha256"
    for sub in ("metadata", "location/local", "files"):
        assert (path / ".outpack" / sub).is_dir()
    assert root.locations == ("local",)


def test_init_makes_a_root_pyorderly_opens(tmp_path):
    path = init_root(tmp_path / "root", path_archive="archive", hash_algorithm="sha1")
    opened = root_open(path)
    assert opened.config.core.path_archive == "archive"
    assert opened.config.core.hash_algorithm == "sha1"
    assert (path / "archive").is_dir()


def test_init_is_idempotent(tmp_path):
    init_root(tmp_path, use_file_store=True)
    before = (tmp_path / ".outpack" / "config.json").read_bytes()
    assert init_root(tmp_path) == tmp_path
    assert (tmp_path / ".outpack" / "config.json").read_bytes() == before


def test_reinit_with_another_config_names_what_differs(tmp_path):
    init_root(tmp_path)
    with pytest.raises(RootError) as e:
        init_root(tmp_path, path_archive="archive", require_complete_tree=False)
    assert "Trying to change config on reinitialisation" in str(e.value)
    assert 'path_archive is null, not "archive"' in str(e.value)
    assert "require_complete_tree is true, not false" in str(e.value)


def test_init_refuses_a_non_empty_directory_that_is_not_a_root(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RootError, match="not empty and is not an outpack root.*'notes.txt'"):
        init_root(tmp_path)
    assert not (tmp_path / ".outpack").exists()


def test_init_accepts_a_directory_with_only_our_own_files(tmp_path):
    (tmp_path / ".reprostore").mkdir()
    init_root(tmp_path)
    assert (tmp_path / ".outpack" / "config.json").is_file()


def test_init_refuses_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(RootError, match="it is a file"):
        init_root(tmp_path / "file")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"hash_algorithm": "sha666"}, "Unknown hash algorithm 'sha666'"),
        ({"use_file_store": False}, "needs somewhere to keep files"),
        ({"path_archive": "../outside"}, "Invalid path archive '../outside'"),
        ({"path_archive": "/abs"}, "Invalid path archive '/abs'"),
        ({"path_archive": ".outpack/x"}, "can't be inside .outpack"),
    ],
)
def test_init_rejects_bad_options(tmp_path, options, message):
    with pytest.raises(RootError, match=message):
        init_root(tmp_path / "root", **options)


def test_open_a_missing_root_says_how_to_make_one(tmp_path):
    with pytest.raises(RootError, match=r"Outpack root not found at .*reprostore init"):
        open_root(tmp_path)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("{not json", "is not readable JSON"),
        ("[]", "is not a JSON object"),
        ('{"location": []}', "has no 'core' object"),
        ('{"core": {"hash_algorithm": "crc"}, "location": []}', "unknown hash_algorithm 'crc'"),
        (
            '{"core": {"hash_algorithm": "md5", "use_file_store": true}, "location": 3}',
            "'location' that is not a list",
        ),
        (
            '{"core": {"hash_algorithm": "md5", "path_archive": null}, "location": []}',
            "keeps no files",
        ),
    ],
)
def test_open_a_malformed_config_says_what_is_wrong(tmp_path, config, message):
    (tmp_path / ".outpack").mkdir()
    (tmp_path / ".outpack" / "config.json").write_text(config)
    with pytest.raises(RootError, match=message):
        open_root(tmp_path)


def test_open_the_example_fixture(tmp_path):
    shutil.copytree(FIXTURES / "example", tmp_path / "example")
    root = open_root(tmp_path / "example")
    assert root.locations == ("local", "another")
    assert "has a file store (sha256)" in describe_root(root)
    assert "accepts pushes" in describe_root(root)


def test_describe_an_archive_only_root(tmp_path):
    root = open_root(init_root(tmp_path, use_file_store=False, path_archive="archive"))
    assert "only a path archive 'archive'" in describe_root(root)
    assert "not pushed to" in describe_root(root)


def test_archive_paths_never_leave_the_archive(tmp_path):
    root = open_root(init_root(tmp_path, path_archive="archive"))
    packet = "20240101-000000-00000000"
    assert root.archive_path("report", packet, "out/a.csv") == (
        tmp_path / "archive" / "report" / packet / "out" / "a.csv"
    )
    assert root.archive_path("..", packet, "a.csv") is None
    assert root.archive_path("a/b", packet, "a.csv") is None
    assert root.archive_path("report", packet, "../../x") is None
    assert root.archive_path("report", packet, "/etc/passwd") is None


def test_config_written_by_init_is_the_outpack_shape(tmp_path):
    init_root(tmp_path)
    config = json.loads((tmp_path / ".outpack" / "config.json").read_text())
    assert config["location"] == [{"name": "local", "type": "local", "args": {}}]
    assert set(config["core"]) == {
        "hash_algorithm",
        "path_archive",
        "use_file_store",
        "require_complete_tree",
    }
