from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from reprostore.core.openapi import openapi_document
from reprostore.lib import metrics as server_metrics
from reprostore.lib.http import HttpError, response_headers


@never_cache
def health(request):
    """For load balancers: 200 when this worker can reach its database, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return JsonResponse({"status": "unavailable", "database": str(error)}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def openapi(request):
    return JsonResponse(openapi_document())


@never_cache
@require_safe
def metrics(request):
    """Prometheus metrics of the whole server, every worker counted (docs/metrics.md)."""
    try:
        server_metrics.require_scrape_access(getattr(request, "user", None))
    except HttpError as error:
        response = HttpResponse(
            error.message + "\n", status=error.status, content_type="text/plain; charset=utf-8"
        )
        for name, value in response_headers(request, error).items():
            response[name] = value
        return response
    body, content_type = server_metrics.exposition(request.headers.get("Accept"))
    return HttpResponse(body, content_type=content_type)
