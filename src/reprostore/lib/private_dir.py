"""The store's own directory, `.reprostore/` beside `.outpack/`: the secret key and, with
SQLite, the database. Created by whichever command first needs it."""

import os
import secrets
from pathlib import Path

OWN_DIR = ".reprostore"


def ensure_own_dir(root: Path) -> Path:
    """Create `.reprostore/` with a secret key that every server worker shares."""
    own = root / OWN_DIR
    own.mkdir(parents=True, exist_ok=True)
    key_file = own / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return own
