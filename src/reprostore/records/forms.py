"""The input of a grant change, checked alike for the JSON API and the permissions page."""

from django import forms

from reprostore.accounts.forms import active_user, level_field


class GrantForm(forms.Form):
    user = forms.CharField(
        max_length=150, label="User name", error_messages={"required": "Missing user name"}
    )
    level = level_field()

    def clean_user(self):
        return active_user(self.cleaned_data["user"].strip())

    def first_error(self) -> str:
        return next(iter(self.errors.values()))[0]


class RevokeForm(forms.Form):
    user = forms.CharField(max_length=150)


class VisibilityForm(forms.Form):
    public = forms.BooleanField(required=False)
