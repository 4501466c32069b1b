"""Correcting records on the pages, as Sumatra's smtweb allows: a record's reason, outcome and
tags, deleting it, and tags of several records at once from the project table.

Only people who may write the project see the forms or may post them (accounts/access.py; the
pages answer a refusal as "not found", web/access.py). Every form carries Django's CSRF token,
which the CSRF middleware checks. The changes themselves are records/operations.py's
`do_edit_record`, `do_tag_records` and `do_delete_record`, each kept as a revision.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from reprostore.accounts.access import Level, at_least
from reprostore.lib.http import BadRequest, Conflict
from reprostore.records import operations
from reprostore.records.documents import FINAL_TAGS
from reprostore.web.access import project_for_page, web_page

MAX_TEXT = 100_000
MAX_TAG = 100


def tag_list(text: str) -> list[str]:
    """Tags typed one a line (or separated by commas): each checked, in order, once."""
    tags = []
    for line in text.replace(",", "\n").splitlines():
        tag = line.strip()
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise forms.ValidationError(
                f"The tag '{tag[:30]}…' is longer than {MAX_TAG} characters"
            )
        if not tag.isprintable() or not operations.BIDI_CONTROLS.isdisjoint(tag):
            raise forms.ValidationError(f"The tag {tag!r} holds a control character")
        if tag not in tags:
            tags.append(tag)
    return tags


def one_line_ends(text: str) -> str:
    # Browsers send a textarea's lines ending in CR LF; Sumatra writes LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


class EditForm(forms.Form):
    reason = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea)
    outcome = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea)
    tags = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea)
    seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_reason(self):
        return one_line_ends(self.cleaned_data["reason"])

    def clean_outcome(self):
        return one_line_ends(self.cleaned_data["outcome"])

    def clean_tags(self):
        return tag_list(self.cleaned_data["tags"])


class TagForm(forms.Form):
    """The tags to add to and remove from the records ticked (`label`, read by the view)."""

    add = forms.CharField(required=False, max_length=MAX_TEXT)
    remove = forms.CharField(required=False, max_length=MAX_TEXT)

    def clean_add(self):
        return tag_list(self.cleaned_data["add"])

    def clean_remove(self):
        return tag_list(self.cleaned_data["remove"])

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("add") or cleaned.get("remove")):
            raise forms.ValidationError("Name a tag to add or to remove")
        return cleaned


def edit_context(record, document: dict, level) -> dict:
    """What the record page needs for its edit forms: nothing for those who may not write."""
    if not at_least(level, Level.WRITE):
        return {"may_edit": False}
    tags = document.get("tags") if isinstance(document.get("tags"), list) else []
    return {
        "may_edit": True,
        "status_tags": [tag for tag in tags if tag in FINAL_TAGS],
        "plain_tags": "\n".join(tag for tag in tags if tag not in FINAL_TAGS),
        "seen_revision": operations.newest_revision_id(record),
    }


def form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_POST
@web_page
def edit_record(request, project, label):
    """Save the record's reason, outcome and tags from its page."""
    found, _ = project_for_page(request, project, Level.WRITE)
    record_url = reverse("records:record", args=[found.name, label])
    form = EditForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(record_url + "#edit")
    data = form.cleaned_data
    try:
        changed = operations.do_edit_record(
            request.user,
            found,
            label,
            reason=data["reason"],
            outcome=data["outcome"],
            tags=data["tags"],
            seen=data["seen"],
        )
    except (BadRequest, Conflict) as refusal:
        messages.error(request, refusal.message)
        return redirect(record_url + "#edit")
    if changed:
        messages.success(request, f"Saved: {', '.join(changed)} changed.")
    else:
        messages.info(request, "Nothing changed.")
    return redirect(record_url)


@require_POST
@web_page
def delete_record(request, project, label):
    found, _ = project_for_page(request, project, Level.WRITE)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm that the record is to be deleted.")
        return redirect(reverse("records:record", args=[found.name, label]) + "#delete")
    operations.do_delete_record(request.user, found, label)
    messages.success(request, f"Deleted record {label}; its history is kept.")
    return redirect(reverse("records:project", args=[found.name]))


@web_page
def tag_records(request, project):
    """The records ticked on the project table (GET), and the tags to add or remove (POST)."""
    found, _ = project_for_page(request, project, Level.WRITE)
    project_url = reverse("records:project", args=[found.name])
    if request.method == "POST":
        return apply_tags(request, found, project_url)
    labels = list(dict.fromkeys(request.GET.getlist("label")))
    if not labels:
        messages.error(request, "Tick the records to tag first.")
        return redirect(project_url)
    records = found.records.filter(label__in=labels).prefetch_related("tag_rows")
    records = list(records.order_by("-timestamp", "-id"))
    context = {"project": found, "records": records, "missing": len(labels) - len(records)}
    return render(request, "web/records/tag_records.html", context)


def apply_tags(request, project, project_url):
    form = TagForm(request.POST)
    labels = list(dict.fromkeys(request.POST.getlist("label")))
    if not labels:
        messages.error(request, "Tick the records to tag first.")
        return redirect(project_url)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(f"{reverse('web:tag_records', args=[project.name])}?{query(request)}")
    data = form.cleaned_data
    try:
        changed = operations.do_tag_records(
            request.user, project, labels, add=data["add"], remove=data["remove"]
        )
    except BadRequest as refusal:
        messages.error(request, refusal.message)
        return redirect(f"{reverse('web:tag_records', args=[project.name])}?{query(request)}")
    records = "record" if changed == 1 else "records"
    messages.success(request, f"Changed the tags of {changed} {records}.")
    return redirect(project_url)


def query(request) -> str:
    """The ticked labels again, to show the form once more after a mistake."""
    return urlencode([("label", label) for label in request.POST.getlist("label")])
