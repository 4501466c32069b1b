"""reprostore's own settings with their defaults, for apps that may run inside a host project
whose settings module knows nothing of them.

The defaults are written here once: our standalone settings (reprostore.settings) start from
them too.
"""

from django.conf import settings

# What anonymous clients may do on the outpack API, most permissive first.
OUTPACK_ANONYMOUS_LEVELS = ("write", "read", "none")

DEFAULTS = {
    "REPROSTORE_ALLOW_PROJECT_CREATION": True,
    # outpack_server has no authentication and pyorderly's plain http location sends none.
    "REPROSTORE_OUTPACK_ANONYMOUS": "write",
    "REPROSTORE_OUTPACK_SYNC_SECONDS": 1.0,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS.get(name))
