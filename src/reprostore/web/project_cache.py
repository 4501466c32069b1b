"""Answers about a project that read all of its records, kept until the project's next write.

Every accepted write of a record (a PUT, a DELETE, an edit on the pages) adds a Revision, and
a purge (which deletes a record without one) adds a Purge, so the ids of the project's newest
revision and newest purge, two index lookups, name the state of its records: an answer cached
under them is right until the next write changes one. The ids come from the database, so the
answer is right whichever server made the write (docs/scaling.md).
"""

from django.core.cache import cache

from reprostore.records.models import Purge, Revision

KEPT_SECONDS = 3600


def project_version(project) -> str:
    """The ids of the project's newest revision and newest purge ("0-0" before any)."""
    revisions = Revision.objects.filter(project=project)
    purges = Purge.objects.filter(project=project.name)
    newest = [
        next(iter(rows.order_by("-id").values_list("id", flat=True)[:1]), 0)
        for rows in (revisions, purges)
    ]
    return "-".join(map(str, newest))


def kept_until_next_write(project, what: str, compute):
    """`compute()`, or what it gave for this project since its last write."""
    key = f"web:{what}:{project.pk}:{project_version(project)}"
    answer = cache.get(key)
    if answer is None:
        answer = compute()
        cache.set(key, answer, KEPT_SECONDS)
    return answer
