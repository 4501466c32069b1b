import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from reprostore.lib.conf import setting

# Tokens start with this, so that a leaked one is recognisable (secret scanners, logs) and never
# looks like the GitHub tokens pyorderly's packit location refuses (`gh?_...`).
TOKEN_PREFIX = "rps_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for scripts and packit locations; only its digest is kept, and it expires."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=200, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.name or 'token'} of {self.user}"

    @classmethod
    def issue(cls, user, name: str = "", days: int | None = None) -> str:
        """Create a token for `user` and return its secret, which is shown only once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        lifetime = timedelta(days=days or setting("REPROSTORE_TOKEN_DAYS"))
        cls.objects.create(
            user=user, name=name, digest=token_digest(token), expires=timezone.now() + lifetime
        )
        return token

    @property
    def expired(self) -> bool:
        return self.expires <= timezone.now()


class DeviceAuthorization(models.Model):
    """A sign-in started by a device (pyorderly's `packit` location, RFC 8628), waiting for a
    signed-in user to enter its user code and approve it. Both codes are kept as digests only."""

    class State(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        DENIED = "denied"

    device_digest = models.CharField(max_length=64, unique=True)
    user_digest = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )

    def __str__(self):
        return f"device login by {self.client_id}, {self.state}"

    @property
    def expired(self) -> bool:
        return self.expires <= timezone.now()


class LoginFailure(models.Model):
    """One failed sign-in (a wrong password or token), counted by accounts/throttle.py; rows older
    than the throttle's window are removed as new ones come. Deleting rows lifts a lock."""

    address = models.GenericIPAddressField(help_text="the client's address")
    username = models.CharField(max_length=150, blank=True, help_text="empty for a token")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address", "at"], name="login_failure_address"),
            models.Index(fields=["username", "at"], name="login_failure_username"),
            models.Index(fields=["at"], name="login_failure_at"),
        ]

    def __str__(self):
        return f"failed sign-in as '{self.username}' from {self.address} at {self.at}"
