"""System checks: a misconfigured outpack API stops start-up with the setting's name."""

from django.core.checks import Error, register

from reprostore.lib.conf import OUTPACK_ANONYMOUS_LEVELS, setting


@register()
def check_anonymous_access(app_configs, **kwargs):
    # Our own settings already refuse a bad value; a host project's settings may not.
    value = setting("REPROSTORE_OUTPACK_ANONYMOUS")
    if value in OUTPACK_ANONYMOUS_LEVELS:
        return []
    return [
        Error(
            f"REPROSTORE_OUTPACK_ANONYMOUS is '{value}'",
            hint=f"use one of {', '.join(OUTPACK_ANONYMOUS_LEVELS)}",
            id="packets.E001",
        )
    ]
