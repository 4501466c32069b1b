"""Authentication backends for credentials sent with each request: passwords and API tokens.

`CredentialsMiddleware` (middleware.py) hands them what a client sends in `Authorization`;
the login page uses the password backend too.
"""

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.cache import cache

from reprostore.accounts import throttle
from reprostore.accounts.tokens import user_of_token
from reprostore.lib.rows import first_instance

# Django hashes passwords with ~1,000,000 PBKDF2 rounds (about 0.3 s of CPU). httplib2 and
# requests send Basic credentials with every request, and one `smt run` makes five PUTs, so a
# burst of a hundred jobs would spend minutes hashing. Credentials that verified recently are
# remembered in Django's cache for a short time, keyed by an HMAC (the password itself is never
# kept). The entry holds the user's id, name and password hash as they were: a changed password,
# a rename or a deactivation invalidates it at once.
CREDENTIALS_TTL = 300
CACHE_PREFIX = "reprostore:credentials:"


def credentials_key(username: str, password: str) -> str:
    message = f"{username}\0{password}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return CACHE_PREFIX + digest


class CachedPasswordBackend(ModelBackend):
    """Django's username and password check, remembering credentials that passed it, and
    throttled after too many failures (throttle.py explains the order of the checks)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        throttle.check_address(request)
        key = credentials_key(username, password)
        if (user := remembered_user(key, username)) is not None:
            return user
        throttle.check_username(request, username)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            cache.set(key, (user.pk, user.get_username(), user.password), CREDENTIALS_TTL)
        return user


def remembered_user(key: str, username: str):
    entry = cache.get(key)
    if entry is None:
        return None
    pk, remembered_name, password_hash = entry
    user = first_instance(get_user_model(), pk=pk, is_active=True)
    if (
        user is None
        or user.password != password_hash
        or user.get_username() != remembered_name
        or remembered_name != username
    ):
        cache.delete(key)
        return None
    return user


class TokenBackend(BaseBackend):
    """A bearer token (`reprostore token`, the token page, device login) that has not expired;
    only its digest is stored."""

    def authenticate(self, request, token=None, **kwargs):
        if not token:
            return None
        throttle.check_address(request)
        return user_of_token(token)

    def get_user(self, user_id):
        return get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
