"""`reprostore demo`: Sumatra's demo users and records, a parameter sweep worth opening and a
pipeline of packets with dependencies, in a real outpack root, loaded the same on every run."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from sumatra.recordstore import serialization

from reprostore.packets.models import Packet, PacketDependency, PacketFile
from reprostore.records.models import Project, Record, Revision

SWEEP = "lif-ring"


@pytest.fixture
def demo(db, settings, tmp_path):
    """The demo loaded by the command into a fresh store, as `reprostore demo DIR` does."""
    from reprostore.packets.index import forget_sync_state

    settings.REPROSTORE_ROOT = (tmp_path / "store").resolve()
    settings.REPROSTORE_OUTPACK_SYNC_SECONDS = 0
    forget_sync_state()
    out = io.StringIO()
    call_command("demo", stdout=out)
    yield out.getvalue()
    forget_sync_state()


def documents(project=SWEEP) -> dict:
    return {r.label: json.loads(r.body) for r in Record.objects.filter(project__name=project)}


def parameters(document) -> dict:
    from reprostore.records.documents import parameter_values

    return parameter_values(document["parameters"])


def test_the_command_says_what_it_loaded_and_how_to_log_in(demo):
    assert "Loaded 5 demo records in 2 projects." in demo
    assert "Loaded a parameter sweep of 30 records in 'lif-ring'." in demo
    assert "Loaded 6 demo packets called incidence, model-fit, report, with dependencies." in demo
    assert demo.rstrip().endswith("Log in as 'testuser' with the password 'abc123'.")


def test_the_sweep_varies_numeric_parameters_and_its_durations_follow(demo):
    runs = [d for d in documents().values() if d["main_file"] == "run_ring.py"]
    assert len(runs) == 25  # 4 sizes, 2 steps, 3 seeds, and a run killed and run again
    values = [parameters(d) for d in runs]
    assert {v["n"] for v in values} == {100, 200, 400, 800}
    assert {v["dt"] for v in values} == {0.1, 0.05}
    assert {v["seed"] for v in values} == {1, 2, 3}
    assert all(v["sumatra_label"] == d["label"] for v, d in zip(values, runs, strict=True))
    finished = [d for d in runs if "_finished_" in d["tags"]]
    by_cost = sorted(finished, key=lambda d: parameters(d)["n"] / parameters(d)["dt"])
    assert by_cost[0]["duration"] < by_cost[-1]["duration"] / 10


def test_one_record_failed_one_was_killed_and_one_is_running_as_sumatra_marks_them(demo):
    records = documents()
    status = {label: [t for t in d["tags"] if t.startswith("_")] for label, d in records.items()}
    failed = [label for label, tags in status.items() if tags == ["_failed_"]]
    killed = [label for label, tags in status.items() if tags == ["_killed_"]]
    running = [label for label, tags in status.items() if tags == ["_running_"]]
    assert len(failed) == len(killed) == len(running) == 1
    assert all(len(tags) == 1 for tags in status.values())
    assert sum(tags == ["_finished_"] for tags in status.values()) == 27
    assert "KeyboardInterrupt" in records[killed[0]]["stdout_stderr"]
    crashed = records[failed[0]]
    assert "Traceback (most recent call last)" in crashed["stdout_stderr"]
    assert crashed["output_data"] == [] and crashed["duration"] > 0
    going = records[running[0]]
    assert going["duration"] is None and going["stdout_stderr"] == "Not yet captured."
    assert Record.objects.get(label=failed[0]).final
    assert not Record.objects.get(label=running[0]).final
    # Saved as smt saves them: when the run started, and again when it ended.
    assert Revision.objects.filter(label=failed[0]).count() == 3
    assert Revision.objects.filter(label=running[0]).count() == 1


def test_some_records_carry_tags_and_an_uncommitted_diff(demo):
    records = documents().values()
    tags = {tag for d in records for tag in d["tags"] if not tag.startswith("_")}
    assert {"baseline", "paper", "exp-euler", "network"} <= tags
    with_diff = [d for d in records if d["diff"]]
    assert 2 <= len(with_diff) < len(records)
    diff = with_diff[0]["diff"]
    assert diff.startswith("diff --git a/network.py b/network.py\n")
    assert "\n-    return v + dt * dv\n" in diff and "\n+    v_inf = V_REST + R_M * i_syn\n" in diff


def test_outputs_of_some_records_are_inputs_of_others(demo):
    records = documents().values()
    outputs = {(k["path"], k["digest"]) for d in records for k in d["output_data"]}
    used = [(k["path"], k["digest"]) for d in records for k in d["input_data"]]
    assert len(used) >= 24
    assert all(key in outputs for key in used)
    assert all(len(digest) == 40 for _, digest in outputs)


def test_every_record_decodes_with_the_sumatra_client(demo):
    for record in Record.objects.all():
        decoded = serialization.build_record(json.loads(record.body))
        assert decoded.label == record.label


def test_the_packets_are_a_real_root_with_dependencies(demo, settings):
    from pyorderly.outpack.root import root_open
    from pyorderly.outpack.schema import validate

    assert Packet.objects.count() == 6
    names = dict(Packet.objects.values_list("id", "name"))
    used = list(PacketDependency.objects.values_list("packet__name", "depends_on"))
    assert sorted((user, names[target]) for user, target in used) == [
        ("model-fit", "incidence"),
        ("model-fit", "incidence"),
        ("model-fit", "incidence"),
        ("report", "model-fit"),
    ]
    # pyorderly reads the root: every metadata file valid, every packet unpacked here.
    root = settings.REPROSTORE_ROOT
    for path in (root / ".outpack" / "metadata").iterdir():
        validate(json.loads(path.read_bytes()), "outpack/metadata.json")
    assert root_open(root).index.unpacked() == sorted(names)
    for packet_file in PacketFile.objects.all():
        digest = packet_file.hash.split(":")[1]
        stored = root / ".outpack" / "files" / "sha256" / digest[:2] / digest[2:]
        assert stored.stat().st_size == packet_file.size


def test_the_packets_have_descriptions_artefacts_and_parameters_to_compare(demo):
    fits = Packet.objects.filter(name="model-fit").order_by("id")
    assert len({json.dumps(fit.parameters, sort_keys=True) for fit in fits}) == 3
    for packet in Packet.objects.all():
        orderly = packet.custom["orderly"]
        assert orderly["description"]["display"] and orderly["artefacts"]


def test_loading_again_changes_nothing(demo, settings):
    from reprostore.core.demo import do_load_demo

    sweep = Record.objects.filter(project__name=SWEEP)
    before = (sweep.count(), Revision.objects.filter(project__name=SWEEP).count())
    metadata = sorted((settings.REPROSTORE_ROOT / ".outpack" / "metadata").iterdir())
    do_load_demo()
    assert (sweep.count(), Revision.objects.filter(project__name=SWEEP).count()) == before
    assert sorted((settings.REPROSTORE_ROOT / ".outpack" / "metadata").iterdir()) == metadata
    assert Packet.objects.count() == 6


def test_the_old_demo_user_logs_in_and_sees_everything(demo, client):
    assert get_user_model().objects.get(username="testuser").check_password("abc123")
    assert client.login(username="testuser", password="abc123")
    home = client.get("/", HTTP_ACCEPT="text/html")
    assert home.status_code == 200
    shown = {project.name for project in home.context["projects"]}
    assert shown == {"TestProject", "TestProject2", SWEEP}
    assert home.context["packets"]["count"] == 6
    assert client.get(f"/records/{SWEEP}/", HTTP_ACCEPT="text/html").status_code == 200
    fits = list(Packet.objects.filter(name="model-fit").values_list("id", flat=True))
    compared = client.get("/compare/packets/", {"id": fits[:2]})
    assert compared.status_code == 200
    assert Project.objects.get(name="TestProject2").public


@pytest.mark.django_db
def test_a_root_without_a_file_store_is_refused_before_anything_is_loaded(settings, tmp_path):
    from reprostore.packets.root import init_root

    settings.REPROSTORE_ROOT = init_root(
        tmp_path / "archive-only", use_file_store=False, path_archive="archive"
    )
    with pytest.raises(CommandError, match="use_file_store is false, not true"):
        call_command("demo", stdout=io.StringIO())
    assert not Record.objects.exists() and not Packet.objects.exists()
