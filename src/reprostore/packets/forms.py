"""The input of a packet grant change, checked alike for the permissions page and its tests."""

from django import forms

from reprostore.accounts.forms import active_user, level_field

from .grants import ANONYMOUS


class PacketGrantForm(forms.Form):
    user = forms.CharField(
        max_length=150,
        label="User name",
        help_text=f"or '{ANONYMOUS}' for callers who do not sign in",
        error_messages={"required": "Missing user name"},
    )
    level = level_field()
    name = forms.CharField(max_length=500, required=False, label="Packet name")

    def clean_user(self):
        """The user, or None for anonymous callers."""
        name = self.cleaned_data["user"].strip()
        return None if name == ANONYMOUS else active_user(name)

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class PacketRevokeForm(PacketGrantForm):
    level = None
