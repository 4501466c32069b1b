"""Answers cached per project until its next write (web/project_cache.py) follow every write,
a purge included: a purge deletes a record without adding a revision."""

import pytest

from reprostore.records.purge import do_purge_record
from reprostore.web.record_display import project_tags
from tests.web.conftest import save

pytestmark = pytest.mark.django_db


def counts(project) -> dict:
    return {tag["name"]: tag["count"] for tag in project_tags(project)}


def test_tag_counts_follow_a_write_and_a_purge(cast, admin_user):
    save(cast.owner, cast.project, "one", tags=["secret-run"])
    assert counts(cast.project).get("secret-run") == 1
    save(cast.owner, cast.project, "two", tags=["secret-run"])
    assert counts(cast.project)["secret-run"] == 2
    do_purge_record(admin_user, "admin", cast.project.name, "two")
    assert counts(cast.project)["secret-run"] == 1
    do_purge_record(admin_user, "admin", cast.project.name, "one")
    assert "secret-run" not in counts(cast.project)
