"""Settings for a standalone reprostore server, all taken from the environment.

`reprostore --root DIR --database URL ...` turns its flags into the REPROSTORE_* variables below
before Django reads this module. A host project that only adds our apps does not use this file.

Every variable is read strictly (see reprostore.lib.env): a value that cannot be read, such as
`REPROSTORE_DEBUG=maybe` or `REPROSTORE_DB_TIMEOUT=soon`, stops start-up with
ImproperlyConfigured naming it. An empty variable counts as unset.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from reprostore.lib.conf import DEFAULTS, METRICS_AUTH_LEVELS, OUTPACK_ANONYMOUS_LEVELS
from reprostore.lib.database import database_config, default_sqlite_url
from reprostore.lib.env import env_bool, env_choice, env_float, env_int, env_list, env_str

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _secret_key(root: Path) -> str:
    if key := os.environ.get("REPROSTORE_SECRET_KEY"):
        return key
    key_file = root / ".reprostore" / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    # Only commands that never serve (e.g. `query` on someone else's root) get here: `init` and
    # `serve` write the key file first so that every gunicorn worker signs sessions alike.
    return secrets.token_urlsafe(50)


def _database(url: str) -> dict:
    try:
        return database_config(
            url,
            conn_max_age=env_int("REPROSTORE_CONN_MAX_AGE", 60, minimum=0),
            lock_timeout=env_float("REPROSTORE_DB_TIMEOUT", 60, minimum=0),
            pool_size=env_int("REPROSTORE_DB_POOL", 0, minimum=0),
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"REPROSTORE_DATABASE_URL: {error}") from None


REPROSTORE_ROOT = Path(env_str("REPROSTORE_ROOT", os.getcwd())).resolve()
REPROSTORE_DATABASE_URL = env_str("REPROSTORE_DATABASE_URL", default_sqlite_url(REPROSTORE_ROOT))
REPROSTORE_OUTPACK_ANONYMOUS = env_choice(
    "REPROSTORE_OUTPACK_ANONYMOUS",
    DEFAULTS["REPROSTORE_OUTPACK_ANONYMOUS"],
    OUTPACK_ANONYMOUS_LEVELS,
)
REPROSTORE_OUTPACK_MAX_CLOCK_SKEW = env_int(
    "REPROSTORE_OUTPACK_MAX_CLOCK_SKEW", DEFAULTS["REPROSTORE_OUTPACK_MAX_CLOCK_SKEW"], minimum=0
)
REPROSTORE_OUTPACK_MAX_FILE = env_int(
    "REPROSTORE_OUTPACK_MAX_FILE", DEFAULTS["REPROSTORE_OUTPACK_MAX_FILE"], minimum=1
)
REPROSTORE_TOKEN_DAYS = env_int(
    "REPROSTORE_TOKEN_DAYS", DEFAULTS["REPROSTORE_TOKEN_DAYS"], minimum=1
)
REPROSTORE_DEVICE_CODE_SECONDS = env_int(
    "REPROSTORE_DEVICE_CODE_SECONDS", DEFAULTS["REPROSTORE_DEVICE_CODE_SECONDS"], minimum=1
)
REPROSTORE_DEVICE_POLL_SECONDS = env_int(
    "REPROSTORE_DEVICE_POLL_SECONDS", DEFAULTS["REPROSTORE_DEVICE_POLL_SECONDS"], minimum=1
)
REPROSTORE_OUTPACK_SYNC_SECONDS = env_float(
    "REPROSTORE_OUTPACK_SYNC_SECONDS", DEFAULTS["REPROSTORE_OUTPACK_SYNC_SECONDS"], minimum=0
)
REPROSTORE_QUERY_TIMEOUT = env_float(
    "REPROSTORE_QUERY_TIMEOUT", DEFAULTS["REPROSTORE_QUERY_TIMEOUT"], minimum=0
)
REPROSTORE_ALLOW_PROJECT_CREATION = env_bool(
    "REPROSTORE_ALLOW_PROJECT_CREATION", DEFAULTS["REPROSTORE_ALLOW_PROJECT_CREATION"]
)
# Who may read /metrics: anyone (none), any signed-in user (user), or superusers only.
REPROSTORE_METRICS_AUTH = env_choice(
    "REPROSTORE_METRICS_AUTH", DEFAULTS["REPROSTORE_METRICS_AUTH"], METRICS_AUTH_LEVELS
)

SECRET_KEY = _secret_key(REPROSTORE_ROOT)
DEBUG = env_bool("REPROSTORE_DEBUG", False)
ALLOWED_HOSTS = env_list("REPROSTORE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("REPROSTORE_CSRF_TRUSTED_ORIGINS", "")
REPROSTORE_BEHIND_PROXY = env_bool("REPROSTORE_BEHIND_PROXY", DEFAULTS["REPROSTORE_BEHIND_PROXY"])
if REPROSTORE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    # The proxy serves HTTPS: cookies are never sent over plain HTTP, and browsers are told to
    # use HTTPS only (SecurityMiddleware sends HSTS on requests the proxy says were HTTPS).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("REPROSTORE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
REPROSTORE_SQLITE_ON_NETWORK_FS = env_bool(
    "REPROSTORE_SQLITE_ON_NETWORK_FS", DEFAULTS["REPROSTORE_SQLITE_ON_NETWORK_FS"]
)
REPROSTORE_LOGIN_FAILURES_PER_USER = env_int(
    "REPROSTORE_LOGIN_FAILURES_PER_USER", DEFAULTS["REPROSTORE_LOGIN_FAILURES_PER_USER"], minimum=1
)
REPROSTORE_LOGIN_FAILURES_PER_ADDRESS = env_int(
    "REPROSTORE_LOGIN_FAILURES_PER_ADDRESS",
    DEFAULTS["REPROSTORE_LOGIN_FAILURES_PER_ADDRESS"],
    minimum=1,
)
REPROSTORE_LOGIN_FAILURE_WINDOW = env_int(
    "REPROSTORE_LOGIN_FAILURE_WINDOW", DEFAULTS["REPROSTORE_LOGIN_FAILURE_WINDOW"], minimum=1
)

DATABASES = {"default": _database(REPROSTORE_DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "reprostore.core",
    "reprostore.accounts",
    "reprostore.records",
    "reprostore.packets",
    "reprostore.query",
    "reprostore.web",
]

MIDDLEWARE = [
    "reprostore.lib.metrics.RequestMetricsMiddleware",  # first: counts every response
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reprostore.accounts.middleware.CredentialsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# No inline script or style on any page (web/templates, web/static/web/app.js): a value that
# slipped past escaping still could not run. Responses that set their own policy keep it
# (packet file downloads are sandboxed).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The Sumatra client never follows redirects on PUT/DELETE, so never add slashes for it.
APPEND_SLASH = False
ROOT_URLCONF = "reprostore.urls"
WSGI_APPLICATION = "reprostore.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    "reprostore.accounts.backends.CachedPasswordBackend",
    "reprostore.accounts.backends.TokenBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Sumatra records carry whole diffs and captured output; 64 MB is far above any real record and
# still bounds what one request may make the server hold in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REPROSTORE_MAX_BODY", 64 * 1024 * 1024, minimum=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves the apps' static files straight from the package; no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("REPROSTORE_LOG_LEVEL", "WARNING", LOG_LEVELS),
    },
}
