from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from reprostore.core.openapi import openapi_document


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
