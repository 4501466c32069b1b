from django.apps import AppConfig
from django.conf import settings
from django.core import checks

MIDDLEWARE = "reprostore.accounts.middleware.CredentialsMiddleware"


class AccountsConfig(AppConfig):
    name = "reprostore.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reprostore.accounts import throttle  # noqa: F401 - counts failed sign-ins

        checks.register(check_credentials_middleware)


def check_credentials_middleware(app_configs, **kwargs):
    """Without the middleware, clients' Basic and token credentials would be ignored."""
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    present = MIDDLEWARE in middleware and auth in middleware
    if present and middleware.index(MIDDLEWARE) > middleware.index(auth):
        return []
    return [
        checks.Error(
            f"Add '{MIDDLEWARE}' to MIDDLEWARE after '{auth}'",
            hint="reprostore's API clients sign in with HTTP Basic or bearer tokens on each "
            "request; this middleware sets request.user for them.",
            id="reprostore.E001",
        )
    ]
