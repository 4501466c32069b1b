"""The status of a Sumatra record, read from the status tag `smt run` gives it.

`smt run` tags a record `_initialized_`, then `_pre_run_` and `_running_` as it goes, then
`_finished..._`, `_failed..._` or `_killed..._` while it gathers the output, and last
`_finished_`, `_failed_` or `_killed_`; each status tag replaces the one before. People also tag
records `_succeeded_` or `_crashed_` by hand (`smt tag`). A record without any of them (sent by
an older client, or by hand) has no status.
"""

from django.db import models


class Status(models.TextChoices):
    FINISHED = "finished"
    FAILED = "failed"
    RUNNING = "running"
    KILLED = "killed"
    UNKNOWN = "unknown", "No status"


STATUS_OF_TAG = {
    "_finished_": Status.FINISHED,
    "_succeeded_": Status.FINISHED,
    "_failed_": Status.FAILED,
    "_crashed_": Status.FAILED,
    "_killed_": Status.KILLED,
    "_initialized_": Status.RUNNING,
    "_pre_run_": Status.RUNNING,
    "_running_": Status.RUNNING,
    # Still gathering the output: not finished until the final tag arrives.
    "_finished..._": Status.RUNNING,
    "_failed..._": Status.RUNNING,
    "_killed..._": Status.RUNNING,
}
# Which one counts when a record carries several (tagged by hand): the one most worth noticing.
PRECEDENCE = (Status.FAILED, Status.KILLED, Status.RUNNING, Status.FINISHED)
RANK = {status: rank for rank, status in enumerate(PRECEDENCE)}


def tags_of_status(status: Status) -> list[str]:
    """The tags that give a record `status` (none for UNKNOWN), to filter records by it."""
    return sorted(tag for tag, given in STATUS_OF_TAG.items() if given == status)


def status_of(tags) -> Status:
    """The status a record's tags (names) give it."""
    found = {STATUS_OF_TAG[tag] for tag in tags if tag in STATUS_OF_TAG}
    return next((status for status in PRECEDENCE if status in found), Status.UNKNOWN)


def statuses_of(tags) -> dict[int, Status]:
    """{record id: status} from (record id, tag name) pairs; records without a status tag are
    left out (their status is UNKNOWN). Give it every tag of the records: telling the status
    tags apart here is cheaper than in SQL, where SQLite would probe its index once per record
    and status tag."""
    found: dict[int, Status] = {}
    for record_id, name in tags:
        status = STATUS_OF_TAG.get(name)
        if status is not None:
            before = found.get(record_id)
            if before is None or RANK[status] < RANK[before]:
                found[record_id] = status
    return found
