"""The fields every grant form shares: who, and at which level."""

from django import forms
from django.contrib.auth import get_user_model

from reprostore.accounts.access import Level


def level_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=Level.choices,
        initial=Level.READ,
        error_messages={
            "invalid_choice": "Invalid level '%(value)s': use read, write or admin",
            "required": "Missing level: use read, write or admin",
        },
    )


def active_user(name: str):
    """The active user called `name`, or the form error a grant form shows."""
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        raise forms.ValidationError(f"No such user '{name}'")
    return user
