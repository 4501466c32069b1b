"""The input of a grant change, checked alike for the JSON API and the permissions page."""

from django import forms
from django.contrib.auth import get_user_model

from reprostore.accounts.access import Level


class GrantForm(forms.Form):
    user = forms.CharField(
        max_length=150, label="User name", error_messages={"required": "Missing user name"}
    )
    level = forms.ChoiceField(
        choices=Level.choices,
        initial=Level.READ,
        error_messages={
            "invalid_choice": "Invalid level '%(value)s': use read, write or admin",
            "required": "Missing level: use read, write or admin",
        },
    )

    def clean_user(self):
        name = self.cleaned_data["user"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No such user '{name}'")
        return user

    def first_error(self) -> str:
        return next(iter(self.errors.values()))[0]


class RevokeForm(forms.Form):
    user = forms.CharField(max_length=150)


class VisibilityForm(forms.Form):
    public = forms.BooleanField(required=False)
