"""End to end: the real `smt` records into a live server, from a temporary git repository."""

import json

import pytest
import requests

from tests.support.server import add_users
from tests.support.smt import SCRIPT_WITHOUT_DEPENDENCIES, SmtProject

PASSWORD = "smt-pass-word"


@pytest.fixture(scope="module")
def server(live_server_module):
    add_users(live_server_module, {"ann": PASSWORD})
    return live_server_module


def store_url(server) -> str:
    return f"http://ann:{PASSWORD}@127.0.0.1:{server.port}/records/"


def fetch(server, path: str):
    response = requests.get(f"{server.url}/records/{path}", auth=("ann", PASSWORD), timeout=30)
    response.raise_for_status()
    return response.json()


def test_smt_run_list_comment_tag_delete(server, tmp_path):
    project = SmtProject(tmp_path / "sim", store_url(server))
    output = project.smt("run", "default.param", "a=3").stdout
    label = output.split("Record label for this run: '")[1].split("'")[0]

    record = fetch(server, f"sim/{label}/")
    assert record["tags"] == ["_finished_"]
    assert record["duration"] > 0.2
    assert "finished with a = 3" in record["stdout_stderr"]
    assert [d["path"] for d in record["output_data"]] == ["result.txt"]
    assert len(record["output_data"][0]["digest"]) == 40
    assert record["platforms"][0]["system_name"] == "Linux"
    assert "yaml" in [d["name"] for d in record["dependencies"]]
    assert record["user"] == "Ann Example <ann@example.org>"
    assert record["parameters"]["content"].startswith("a = 3")
    assert record["main_file"] == "main.py" and len(record["version"]) == 40

    assert label in project.smt("list").stdout
    project.smt("comment", "looks right")
    project.smt("tag", "reviewed")
    record = fetch(server, f"sim/{label}/")
    assert record["outcome"] == "looks right"
    assert sorted(record["tags"]) == ["_finished_", "reviewed"]

    second = project.smt("run", "default.param", "a=4").stdout
    assert "Record label" in second
    project.smt("delete", label)
    labels = [url.rstrip("/").rsplit("/", 1)[1] for url in fetch(server, "sim/")["records"]]
    assert label not in labels and len(labels) == 1
    assert "Could not delete" not in project.smt("list").stderr


def test_twenty_concurrent_runs_all_leave_their_records(server, tmp_path):
    # Dependencies are the other test's concern; here each run's CPU goes to the store's side.
    project = SmtProject(
        tmp_path / "burst", store_url(server), name="burst", script=SCRIPT_WITHOUT_DEPENDENCIES
    )
    project.smt("configure", "--labelgenerator=uuid")
    project.smt("run", "default.param")  # the project exists before the burst, as on a cluster
    # Each run sleeps a second, so that all twenty are still running when the first saves.
    jobs = [project.start_run("default.param", f"a={i}", "sleep=1") for i in range(20)]
    outputs = [job.communicate(timeout=600)[0] for job in jobs]
    failures = [out for job, out in zip(jobs, outputs, strict=True) if job.returncode != 0]
    assert failures == []
    document = fetch(server, "burst/")
    assert len(document["records"]) == 21
    values = set()
    for url in document["records"]:
        record = requests.get(url, auth=("ann", PASSWORD), timeout=30).json()
        assert record["tags"] == ["_finished_"] and record["duration"] is not None
        values.add(json.dumps(record["parameters"]["content"]))
    assert len(values) == 21
