"""The device login endpoints a pyorderly `packit` location calls (RFC 8628 §3.1-3.5), in
OAuth's JSON: `{"error": code, "error_description": message}` for a refusal. The site's URL
configuration mounts them at `<packit>/api/deviceAuth` and `<packit>/api/deviceAuth/token`;
the verification page is the web app's."""

import json

from django.http import HttpResponse
from django.urls import reverse

from reprostore.lib.http import api_view

from . import device

JSON = "application/json"


def oauth_json(data, status=200) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type=JSON)
    # RFC 6749 §5.1: an answer that may hold a token is never stored.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def oauth_error(error) -> HttpResponse:
    code = error.kind if isinstance(error, device.DeviceError) else oauth_code(error.status)
    return oauth_json({"error": code, "error_description": error.message}, status=error.status)


def oauth_code(status: int) -> str:
    """RFC 6749's code for a failure the plumbing found (method, size, database)."""
    return "server_error" if status >= 500 else "invalid_request"


def oauth_view(endpoint):
    return api_view(("POST",), envelope=oauth_error, endpoint=endpoint)


@oauth_view("/packit/api/deviceAuth")
def device_authorization(request):
    started = device.do_start(request.POST.get("client_id", ""))
    page = request.build_absolute_uri(reverse("packit:device"))
    return oauth_json(
        {
            "device_code": started.device_code,
            "user_code": started.user_code,
            "verification_uri": page,
            "verification_uri_complete": f"{page}?code={started.user_code}",
            "expires_in": started.expires_in,
            "interval": started.interval,
        }
    )


@oauth_view("/packit/api/deviceAuth/token")
def device_token(request):
    token, expires_in = device.do_exchange(
        request.POST.get("client_id", ""),
        request.POST.get("grant_type", ""),
        request.POST.get("device_code", ""),
    )
    return oauth_json({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})
