"""Who may do what with a Sumatra project.

Levels: read < write < admin. A public project may be read by anyone, anonymous included; writing
always needs an authenticated user with a grant. Superusers may do anything. The creator of a
project holds admin on it.
"""

from reprostore.records.errors import Forbidden, NotFound, Unauthorized
from reprostore.records.models import LEVEL_RANK, Level, Project, ProjectPermission


def user_level(user, project: Project) -> Level | None:
    """The highest level `user` holds on `project`, or None."""
    if user.is_authenticated and user.is_superuser:
        return Level.ADMIN
    level = None
    if user.is_authenticated:
        grant = ProjectPermission.objects.filter(project=project, user=user).first()
        level = grant.level if grant else None
    if level is None and project.public:
        return Level.READ
    return Level(level) if level else None


def allows(user, project: Project, needed: Level) -> bool:
    level = user_level(user, project)
    return level is not None and LEVEL_RANK[level] >= LEVEL_RANK[needed]


def get_project(user, name: str, needed: Level) -> tuple[Project, Level]:
    """The project and the user's level on it, or the error to answer with.

    An anonymous caller gets 401 for anything not public, even for unknown projects, so that the
    challenge makes httplib2 send credentials and existence is not revealed before it does.
    """
    project = Project.objects.filter(name=name).first()
    if project is None:
        if not user.is_authenticated:
            raise Unauthorized("Authentication required")
        raise NotFound(f"Project '{name}' does not exist")
    level = user_level(user, project)
    if level is not None and LEVEL_RANK[level] >= LEVEL_RANK[needed]:
        return project, level
    if not user.is_authenticated:
        raise Unauthorized("Authentication required")
    raise Forbidden(f"You may not {needed} project '{name}'")


def readable_projects(user):
    """The projects `user` may read, for listings."""
    projects = Project.objects.all()
    if user.is_authenticated and user.is_superuser:
        return projects
    if not user.is_authenticated:
        return projects.filter(public=True)
    granted = ProjectPermission.objects.filter(user=user).values("project_id")
    return projects.filter(public=True) | projects.filter(pk__in=granted)


def grant(project: Project, user, level: Level) -> ProjectPermission:
    permission, _ = ProjectPermission.objects.update_or_create(
        project=project, user=user, defaults={"level": level}
    )
    return permission
