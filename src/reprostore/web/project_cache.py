"""Answers about a project that read all of its records, kept until the project's next write.

Every accepted write of a record (a PUT, a DELETE, an edit on the pages) adds a Revision, so
the id of the project's newest revision, one index lookup, names the state of its records: an
answer cached under it is right until the next write changes that id.
"""

from django.core.cache import cache

from reprostore.records.models import Revision

KEPT_SECONDS = 3600


def project_version(project) -> int:
    """The id of the project's newest revision (0 before any)."""
    newest = Revision.objects.filter(project=project).order_by("-id").values_list("id", flat=True)
    return next(iter(newest[:1]), 0)


def kept_until_next_write(project, what: str, compute):
    """`compute()`, or what it gave for this project since its last write."""
    key = f"web:{what}:{project.pk}:{project_version(project)}"
    answer = cache.get(key)
    if answer is None:
        answer = compute()
        cache.set(key, answer, KEPT_SECONDS)
    return answer
