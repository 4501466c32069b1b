"""reprostore's own settings with their defaults, for apps that may run inside a host project
whose settings module knows nothing of them."""

from pathlib import Path

from django.conf import settings

DEFAULTS = {
    "REPROSTORE_ALLOW_PROJECT_CREATION": True,
    "REPROSTORE_OUTPACK_ANONYMOUS": "write",
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS.get(name))


def store_root() -> Path:
    """The outpack root the packets app serves; a host project must set REPROSTORE_ROOT."""
    root = getattr(settings, "REPROSTORE_ROOT", None)
    if root is None:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set REPROSTORE_ROOT to the outpack root to serve packets")
    return Path(root)
