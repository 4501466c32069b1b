"""The reprostore verbs, run as a user runs them (subprocesses) or through call_command."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from sumatra.recordstore import serialization

from reprostore.records.models import Project, ProjectPermission, Record
from tests.support.server import reprostore


@pytest.mark.nodb
def test_init_creates_a_store_and_is_idempotent(tmp_path):
    root = tmp_path / "store"
    result = reprostore("init", str(root), root=root, database_url=None)
    assert "Store ready" in result.stdout
    config = json.loads((root / ".outpack" / "config.json").read_text())
    assert config["core"] == {
        "hash_algorithm": "sha256",
        "path_archive": None,
        "use_file_store": True,
        "require_complete_tree": True,
    }
    assert (root / ".reprostore" / "db.sqlite3").exists()
    assert (root / ".reprostore" / "secret_key").stat().st_mode & 0o077 == 0
    assert reprostore("init", str(root), root=root, database_url=None).returncode == 0


@pytest.mark.nodb
def test_init_refuses_a_foreign_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = reprostore("init", str(tmp_path), root=tmp_path, database_url=None, check=False)
    assert result.returncode == 1
    assert "not empty and is not an outpack root" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.nodb
def test_init_refuses_to_change_a_root_configuration(tmp_path):
    root = tmp_path / "store"
    reprostore("init", str(root), root=root, database_url=None)
    result = reprostore(
        "init", str(root), "--hash-algorithm", "md5", root=root, database_url=None, check=False
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        "sha256"
        in json.loads((root / ".outpack" / "config.json").read_text())["core"]["hash_algorithm"]
    )


@pytest.mark.nodb
def test_init_options_can_be_turned_off(tmp_path):
    root = tmp_path / "store"
    reprostore("init", str(root), "--no-require-complete-tree", root=root, database_url=None)
    core = json.loads((root / ".outpack" / "config.json").read_text())["core"]
    assert core["require_complete_tree"] is False and core["use_file_store"] is True

    archive_only = tmp_path / "archive-only"
    args = ("init", str(archive_only), "--no-use-file-store", "--path-archive", "archive")
    reprostore(*args, root=archive_only, database_url=None)
    core = json.loads((archive_only / ".outpack" / "config.json").read_text())["core"]
    assert core["use_file_store"] is False and core["path_archive"] == "archive"


@pytest.mark.nodb
def test_init_refuses_a_root_that_keeps_no_files(tmp_path):
    root = tmp_path / "store"
    result = reprostore(
        "init", str(root), "--no-use-file-store", root=root, database_url=None, check=False
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "A root needs somewhere to keep files" in result.stderr
    assert not root.exists()


@pytest.mark.nodb
def test_serve_explains_a_root_it_cannot_serve(tmp_path):
    root = tmp_path / "broken"
    (root / ".outpack").mkdir(parents=True)
    (root / ".outpack" / "config.json").write_text("{not json")
    result = reprostore("serve", "--port", "1", root=root, database_url=None, check=False)
    assert result.returncode == 1
    assert "config.json" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.django_db
def test_adduser_reads_the_password_from_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    call_command("adduser", "dana", "--password-stdin", stdout=io.StringIO())
    assert get_user_model().objects.get(username="dana").check_password("a long enough password")
    with pytest.raises(CommandError, match="already exists"):
        call_command("adduser", "dana", "--password-stdin")


@pytest.mark.django_db
def test_adduser_refuses_a_short_password(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError, match="too short"):
        call_command("adduser", "eve", "--password-stdin")
    assert not get_user_model().objects.filter(username="eve").exists()


@pytest.mark.django_db
def test_grant_gives_a_level_and_anonymous_makes_public(cast):
    call_command("grant", "mallory", "Private", "--level", "write", stdout=io.StringIO())
    assert ProjectPermission.objects.get(user=cast.stranger, project=cast.project).level == "write"
    call_command("grant", "anonymous", "NewOne", stdout=io.StringIO())
    assert Project.objects.get(name="NewOne").public
    with pytest.raises(CommandError, match="No such user 'nobody'"):
        call_command("grant", "nobody", "Private")
    with pytest.raises(CommandError, match="only read"):
        call_command("grant", "anonymous", "Private", "--level", "admin")


@pytest.mark.django_db
def test_grant_packets_gives_removes_and_opens(cast):
    from reprostore.packets.models import PacketGrant

    def levels():
        return {
            (g.user.username if g.user else "anonymous", g.name): g.level
            for g in PacketGrant.objects.select_related("user")
        }

    out = io.StringIO()
    call_command("grant", "carol", "--packets", "write", stdout=out)
    assert "'carol' may now write every packet" in out.getvalue()
    call_command("grant", "bob", "--packets", "read", "--name", "data", stdout=io.StringIO())
    call_command("grant", "anonymous", "--packets", "read", stdout=io.StringIO())
    assert levels() == {("carol", ""): "write", ("bob", "data"): "read", ("anonymous", ""): "read"}
    out = io.StringIO()
    call_command("grant", "anonymous", "--packets", "none", stdout=out)
    assert "Removed" in out.getvalue() and ("anonymous", "") not in levels()
    with pytest.raises(CommandError, match="can only be read"):
        call_command("grant", "bob", "--packets", "write", "--name", "data")
    with pytest.raises(CommandError, match="Anonymous callers can't administer"):
        call_command("grant", "anonymous", "--packets", "admin")
    with pytest.raises(CommandError, match="No such user 'nobody'"):
        call_command("grant", "nobody", "--packets", "read")
    with pytest.raises(CommandError, match="not both"):
        call_command("grant", "bob", "Private", "--packets", "read")
    with pytest.raises(CommandError, match="Give a project, or --packets"):
        call_command("grant", "bob")


def test_grant_and_token_run_as_commands(tmp_path):
    root = tmp_path / "store"
    reprostore("init", str(root), root=root, database_url=None)
    reprostore("adduser", "ann", "--password-stdin", root=root, database_url=None,
               input="a long enough password\n")  # fmt: skip
    result = reprostore("grant", "ann", "--packets", "admin", root=root, database_url=None)
    assert "'ann' may now admin every packet" in result.stdout
    token = reprostore("token", "ann", "--name", "ci", root=root, database_url=None).stdout
    assert token.strip().startswith("rps_")
    listed = reprostore("token", "ann", "--list", root=root, database_url=None).stdout
    assert "\tci\t" in listed and "never" in listed


@pytest.mark.django_db
def test_demo_records_decode_with_the_sumatra_client():
    from reprostore.records.demo_data import do_load_demo

    do_load_demo()
    do_load_demo()  # idempotent
    assert Record.objects.filter(project__name__in=["TestProject", "TestProject2"]).count() == 5
    assert Project.objects.get(name="TestProject2").public
    assert get_user_model().objects.get(username="testuser").check_password("abc123")
    for record in Record.objects.all():
        decoded = serialization.build_record(json.loads(record.body))
        assert decoded.label == record.label
    haggling = serialization.build_record(json.loads(Record.objects.get(label="haggling").body))
    assert haggling.tags == {"foobar"}
    assert haggling.datastore.root == "/Users/andrew/tmp/SumatraExample/Data"


@pytest.mark.nodb
def test_demo_root_names_the_store_it_fills(tmp_path):
    root, elsewhere = tmp_path / "demo", tmp_path / "elsewhere"
    result = reprostore("demo", str(root), root=elsewhere, database_url=None)
    assert "Loaded 5 demo records" in result.stdout
    assert (root / ".outpack").is_dir() and (root / ".reprostore" / "db.sqlite3").exists()
    assert not elsewhere.exists()


@pytest.mark.django_db
def test_demo_refuses_a_root_other_than_the_configured_one(tmp_path, settings):
    settings.REPROSTORE_ROOT = (tmp_path / "configured").resolve()
    with pytest.raises(CommandError, match="differs from the configured root"):
        call_command("demo", str(tmp_path / "other"), stdout=io.StringIO())
    assert not (tmp_path / "other").exists() and not settings.REPROSTORE_ROOT.exists()
    assert not Record.objects.exists()
