"""System checks: a misconfigured outpack API stops start-up with the setting's name."""

from django.conf import settings
from django.core.checks import Error, register

from .access import ANONYMOUS_LEVELS


@register()
def check_anonymous_access(app_configs, **kwargs):
    value = getattr(settings, "REPROSTORE_OUTPACK_ANONYMOUS", "write")
    if value in ANONYMOUS_LEVELS:
        return []
    return [
        Error(
            f"REPROSTORE_OUTPACK_ANONYMOUS is '{value}'",
            hint=f"use one of {', '.join(ANONYMOUS_LEVELS)}",
            id="packets.E001",
        )
    ]
