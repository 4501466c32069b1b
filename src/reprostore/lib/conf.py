"""reprostore's own settings with their defaults, for apps that may run inside a host project
whose settings module knows nothing of them.

The defaults are written here once: our standalone settings (reprostore.settings) start from
them too.
"""

from django.conf import settings

# What anonymous clients may do on the outpack API, most permissive first.
OUTPACK_ANONYMOUS_LEVELS = ("write", "read", "none")
# Who may read the metrics: anyone, any signed-in user, superusers only.
METRICS_AUTH_LEVELS = ("none", "user", "superuser")

DEFAULTS = {
    "REPROSTORE_ALLOW_PROJECT_CREATION": True,
    # Secure by default: anonymous callers get only what grants give them. "read" or "write"
    # opens the location to everyone, for a trusted network (docs/packets-access.md).
    "REPROSTORE_OUTPACK_ANONYMOUS": "none",
    "REPROSTORE_METRICS_AUTH": "none",
    # A pushed packet whose id's time is further ahead of the server's clock than this would be
    # `latest()` until then: refused. Ten minutes is far above the skew of any clock kept by NTP
    # (milliseconds) or left to drift for months, and bounds how long a mistaken push could be
    # the newest packet.
    "REPROSTORE_OUTPACK_MAX_CLOCK_SKEW": 600,
    # The largest file one push may upload, in bytes (413 above it); files are streamed to disk,
    # so this bounds disk use, not memory. Orderly artefacts of gigabytes are common.
    "REPROSTORE_OUTPACK_MAX_FILE": 10 * 1024**3,
    # Bearer tokens (`reprostore token`, the token page, device login) expire after this.
    "REPROSTORE_TOKEN_DAYS": 30,
    # The device login (RFC 8628): how long a code may wait for approval, how often to poll.
    "REPROSTORE_DEVICE_CODE_SECONDS": 600,
    "REPROSTORE_DEVICE_POLL_SECONDS": 5,
    "REPROSTORE_OUTPACK_SYNC_SECONDS": 1.0,
    # Seconds the statements of one query-language search may run (query/limits.py); real
    # queries take milliseconds, and a search past this is refused with a 400.
    "REPROSTORE_QUERY_TIMEOUT": 10.0,
    # Failed sign-ins (Basic, tokens, the login page) allowed in a window before further attempts
    # get 429 without a password check: per user name and per client address (accounts/throttle).
    "REPROSTORE_LOGIN_FAILURES_PER_USER": 10,
    "REPROSTORE_LOGIN_FAILURES_PER_ADDRESS": 30,
    "REPROSTORE_LOGIN_FAILURE_WINDOW": 900,
    # Behind a reverse proxy: trust its X-Forwarded-* headers (settings.py) and take the client's
    # address from the last entry of X-Forwarded-For.
    "REPROSTORE_BEHIND_PROXY": False,
    # `serve` refuses a SQLite database, or a root, on a network file system (several hosts
    # could share it; docs/scaling.md); true says this host alone will ever serve the store.
    "REPROSTORE_SQLITE_ON_NETWORK_FS": False,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS.get(name))
