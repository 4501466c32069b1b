"""Errors of the Sumatra record API. Each carries its HTTP status; `render` writes them all."""

import json

from django.http import HttpResponse

BASIC_CHALLENGE = 'Basic realm="reprostore"'


class ApiError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405


class NotAcceptable(ApiError):
    status = 406


class TooLarge(ApiError):
    status = 413


class Unavailable(ApiError):
    status = 503


def render(error: ApiError) -> HttpResponse:
    """The one error shape of this API: `{"error": message}` with the status."""
    response = HttpResponse(
        json.dumps({"error": error.message}),
        status=error.status,
        content_type="application/json; charset=utf-8",
    )
    if error.status == 401:
        # httplib2 only sends credentials after a challenge with this header.
        response["WWW-Authenticate"] = BASIC_CHALLENGE
    if error.status == 503:
        response["Retry-After"] = "5"
    return response
