import hashlib
import secrets

from django.conf import settings
from django.db import models


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for scripts and packit-style locations; only its digest is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=200, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.name or 'token'} of {self.user}"

    @classmethod
    def issue(cls, user, name: str = "") -> str:
        """Create a token for `user` and return its secret, which is shown only once."""
        token = secrets.token_urlsafe(32)
        cls.objects.create(user=user, name=name, digest=token_digest(token))
        return token
