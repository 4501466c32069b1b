"""A record's status, read from its status tags (records/status.py)."""

import pytest

from reprostore.records.status import Status, status_of, statuses_of, tags_of_status

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize(
    "tags, status",
    [
        (["_finished_"], "finished"),
        (["_succeeded_", "paper"], "finished"),
        (["_failed_"], "failed"),
        (["_crashed_"], "failed"),
        (["_killed_"], "killed"),
        (["_running_"], "running"),
        (["_pre_run_"], "running"),
        (["_finished..._"], "running"),
        (["_finished_", "_failed_"], "failed"),
        (["paper", "finished"], "unknown"),
        ([], "unknown"),
    ],
)
def test_the_status_of_a_record_comes_from_its_status_tag(tags, status):
    assert status_of(tags) == status
    assert statuses_of([(7, tag) for tag in tags]).get(7, "unknown") == status


def test_statuses_of_many_records_at_once():
    tags = [(1, "_finished_"), (2, "paper"), (3, "_running_"), (1, "paper"), (3, "_killed_")]
    assert statuses_of(tags) == {1: Status.FINISHED, 3: Status.KILLED}


def test_the_tags_of_each_status_to_filter_by():
    assert tags_of_status(Status.FAILED) == ["_crashed_", "_failed_"]
    assert tags_of_status(Status.FINISHED) == ["_finished_", "_succeeded_"]
    assert tags_of_status(Status.UNKNOWN) == []
    assert {status_of([tag]) for status in Status for tag in tags_of_status(status)} == {
        Status.FINISHED, Status.FAILED, Status.RUNNING, Status.KILLED
    }  # fmt: skip
