"""Settings for a standalone reprostore server, all taken from the environment.

`reprostore --root DIR --database URL ...` turns its flags into the REPROSTORE_* variables below
before Django reads this module. A host project that only adds our apps does not use this file.
"""

import os
import secrets
from pathlib import Path

from reprostore.lib.database import database_config, default_sqlite_url


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key(root: Path) -> str:
    if key := os.environ.get("REPROSTORE_SECRET_KEY"):
        return key
    key_file = root / ".reprostore" / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    # Only commands that never serve (e.g. `query` on someone else's root) get here: `init` and
    # `serve` write the key file first so that every gunicorn worker signs sessions alike.
    return secrets.token_urlsafe(50)


REPROSTORE_ROOT = Path(os.environ.get("REPROSTORE_ROOT") or os.getcwd()).resolve()
REPROSTORE_DATABASE_URL = os.environ.get("REPROSTORE_DATABASE_URL") or default_sqlite_url(
    REPROSTORE_ROOT
)
REPROSTORE_OUTPACK_ANONYMOUS = os.environ.get("REPROSTORE_OUTPACK_ANONYMOUS", "write")
REPROSTORE_OUTPACK_SYNC_SECONDS = float(os.environ.get("REPROSTORE_OUTPACK_SYNC_SECONDS", "1"))
REPROSTORE_ALLOW_PROJECT_CREATION = os.environ.get("REPROSTORE_ALLOW_PROJECT_CREATION", "1") == "1"

SECRET_KEY = _secret_key(REPROSTORE_ROOT)
DEBUG = os.environ.get("REPROSTORE_DEBUG", "0") == "1"
ALLOWED_HOSTS = _env_list("REPROSTORE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("REPROSTORE_CSRF_TRUSTED_ORIGINS", "")
if os.environ.get("REPROSTORE_BEHIND_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

DATABASES = {
    "default": database_config(
        REPROSTORE_DATABASE_URL,
        conn_max_age=int(os.environ.get("REPROSTORE_CONN_MAX_AGE", "60")),
        lock_timeout=float(os.environ.get("REPROSTORE_DB_TIMEOUT", "60")),
    )
}
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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Sumatra records carry whole diffs and captured output; 64 MB is far above any real record and
# still bounds what one request may make the server hold in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("REPROSTORE_MAX_BODY", str(64 * 1024 * 1024)))

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
    "root": {"handlers": ["console"], "level": os.environ.get("REPROSTORE_LOG_LEVEL", "WARNING")},
}
