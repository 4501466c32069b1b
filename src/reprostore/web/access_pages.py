"""The pages about access rather than content: who may do what with the packets (their
administrators), one's own API tokens, and the device login a pyorderly `packit` location asks
for (RFC 8628). Every change is a POST from one of these pages, with its CSRF token checked.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from reprostore.accounts import access, device, tokens
from reprostore.accounts.access import GrantRefused, Level
from reprostore.lib.conf import setting
from reprostore.lib.http import BadRequest
from reprostore.packets import grants
from reprostore.packets.forms import PacketGrantForm, PacketRevokeForm
from reprostore.web.access import web_page

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# Who may do what with the packets


@GET_POST
@web_page
def packets_permissions(request):
    """The packets' grants, and forms to change them (administrators of the packets)."""
    grants.require(request, Level.ADMIN, csrf_checked=True)
    if request.method == "POST":
        try:
            change_packet_grant(request)
        except GrantRefused as refusal:
            messages.error(request, str(refusal))
        return redirect(reverse("web:packets_permissions"))
    context = {
        "grants": grants.packet_grants(),
        "levels": Level.choices,
        "anonymous_setting": setting("REPROSTORE_OUTPACK_ANONYMOUS"),
        "anonymous_level": access.anonymous_packet_level(),
    }
    return render(request, "web/packets/permissions.html", context)


def change_packet_grant(request) -> None:
    if request.POST.get("action") == "revoke":
        form = PacketRevokeForm(request.POST)
        if not form.is_valid():
            return form_errors(request, form)
        user, name = form.cleaned_data["user"], form.cleaned_data["name"]
        if grants.do_revoke_packets(request.user, user, name):
            messages.success(request, f"Removed the grant of {form.data['user'].strip()}.")
        return None
    form = PacketGrantForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form)
    user, name = form.cleaned_data["user"], form.cleaned_data["name"]
    level = Level(form.cleaned_data["level"])
    grants.do_grant_packets(request.user, user, level, name)
    which = f"the packets named '{name}'" if name else "every packet"
    messages.success(request, f"{form.data['user'].strip()} may now {level} {which}.")
    return None


# API tokens


@login_required
@GET_POST
def token_list(request):
    """The signed-in user's tokens: make one (its secret is shown on this answer only), or
    revoke one."""
    new_token = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if tokens.do_revoke_token(request.user, request.POST.get("token", "")):
                messages.success(request, "The token is revoked.")
            return redirect(reverse("web:tokens"))
        name = request.POST.get("name", "").strip()[: tokens.NAME_LENGTH]
        new_token = tokens.do_issue_token(request.user, name or "web page")
    context = {
        "tokens": tokens.tokens_of(request.user),
        "new_token": new_token,
        "days": setting("REPROSTORE_TOKEN_DAYS"),
    }
    # The secret must not be kept by a cache or be offered again by the browser's history.
    response = render(request, "web/account/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


# Device login (RFC 8628): the verification URI pyorderly prints


@login_required
@GET_POST
def device_login(request):
    """Enter the code a `packit` location printed, then approve or deny its sign-in."""
    code = (request.POST.get("user_code") or request.GET.get("code") or "").strip()
    context = {"code": code, "pending": None, "error": None, "done": None}
    decision = request.POST.get("decision") if request.method == "POST" else None
    try:
        if decision in ("approve", "deny"):
            device.do_decide(request.user, code, approve=decision == "approve")
            context["done"] = decision
        elif code:
            context["pending"] = device.pending(code)
    except BadRequest as refusal:
        context["error"] = refusal.message
    context["days"] = setting("REPROSTORE_TOKEN_DAYS")
    status = 400 if context["error"] else 200
    return render(request, "web/account/device.html", context, status=status)
