"""Changing who may read and write a project, from its permissions page."""

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction

from reprostore.records.models import Level, Project, ProjectPermission
from reprostore.records.permissions import grant


class GrantForm(forms.Form):
    user = forms.CharField(max_length=150, label="User name")
    level = forms.ChoiceField(choices=Level.choices, initial=Level.READ)

    def clean_user(self):
        name = self.cleaned_data["user"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No such user '{name}'")
        return user


class RevokeForm(forms.Form):
    user = forms.CharField(max_length=150)


class VisibilityForm(forms.Form):
    public = forms.BooleanField(required=False)


class GrantRefused(Exception):
    """A change that would lock its own author out; the message says why."""


def check_not_self(actor, user, project: Project) -> None:
    # A project admin who lowers their own grant cannot undo it; superusers can always.
    if user == actor and not actor.is_superuser:
        raise GrantRefused(
            f"You can't lower or remove your own access to '{project.name}'; "
            "ask another admin of the project"
        )


def do_grant(actor, project: Project, user, level: Level) -> None:
    with transaction.atomic():
        if level != Level.ADMIN:
            check_not_self(actor, user, project)
        grant(project, user, level)


def do_revoke(actor, project: Project, username: str) -> bool:
    """Remove a user's grant; False when they had none."""
    with transaction.atomic():
        permission = (
            ProjectPermission.objects.select_related("user")
            .filter(project=project, user__username=username)
            .first()
        )
        if permission is None:
            return False
        check_not_self(actor, permission.user, project)
        permission.delete()
        return True


def do_set_public(project: Project, public: bool) -> None:
    project.public = public
    project.save(update_fields=["public"])
