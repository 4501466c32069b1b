"""The input of a packet grant change, checked alike for the permissions page and its tests."""

from django import forms
from django.contrib.auth import get_user_model

from reprostore.accounts.access import Level

from .grants import ANONYMOUS


class PacketGrantForm(forms.Form):
    user = forms.CharField(
        max_length=150,
        label="User name",
        help_text=f"or '{ANONYMOUS}' for callers who do not sign in",
        error_messages={"required": "Missing user name"},
    )
    level = forms.ChoiceField(
        choices=Level.choices,
        initial=Level.READ,
        error_messages={
            "invalid_choice": "Invalid level '%(value)s': use read, write or admin",
            "required": "Missing level: use read, write or admin",
        },
    )
    name = forms.CharField(max_length=500, required=False, label="Packet name")

    def clean_user(self):
        """The user, or None for anonymous callers."""
        name = self.cleaned_data["user"].strip()
        if name == ANONYMOUS:
            return None
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No such user '{name}'")
        return user

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class PacketRevokeForm(PacketGrantForm):
    level = None
