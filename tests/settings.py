"""Settings for the test process: our real settings, on the database the run is for.

REPROSTORE_TEST_DATABASE=sqlite (default) or postgres chooses it; scripts/test runs both.
"""

import os
import tempfile

from tests.support.databases import test_database_url

os.environ["REPROSTORE_ROOT"] = tempfile.mkdtemp(prefix="reprostore-test-root-")
os.environ["REPROSTORE_DATABASE_URL"] = test_database_url()
os.environ.setdefault("REPROSTORE_SECRET_KEY", "test-secret-key-not-for-production")

from reprostore.settings import *  # noqa: E402,F403

# In-process tests create many users; the live-server tests keep the real (slow) hasher.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # the demo fixture's hashes
]

if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    # Several test runs may share one PostgreSQL server; each gets its own test database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_reprostore_{os.getpid()}"}  # noqa: F405
