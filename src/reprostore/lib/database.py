"""Turn a database URL into a Django DATABASES entry tuned for many concurrent writers."""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url

SQLITE_SCHEMES = ("sqlite:",)
POSTGRES_SCHEMES = ("postgres:", "postgresql:", "pgsql:")
POOL_WAIT = 10
# Django's SQLite backend with a pool of idle connections per process (its module says why).
POOLED_SQLITE_ENGINE = "reprostore.lib.pooled_sqlite3"


def display_url(url: str) -> str:
    """The URL as it may be shown in a message: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def default_sqlite_url(root: Path) -> str:
    return f"sqlite:///{root / '.reprostore' / 'db.sqlite3'}"


def database_config(
    url: str, conn_max_age: int = 60, lock_timeout: float = 60, pool_size: int = 0
) -> dict:
    """A DATABASES["default"] entry for a sqlite:// or postgres:// URL.

    `lock_timeout` bounds how long a request waits for another writer's lock before it fails
    (and is answered with 503) instead of hanging until the client gives up."""
    if not url.startswith(SQLITE_SCHEMES + POSTGRES_SCHEMES):
        raise ValueError(
            f"Unsupported database URL '{url}': use sqlite:///PATH or postgres://USER@HOST/NAME"
        )
    if url.startswith(SQLITE_SCHEMES):
        config = dj_database_url.parse(url)
        config["OPTIONS"] = {
            # WAL lets readers run while one writer commits; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue on the busy timeout instead of one failing with
            # "database is locked" when it upgrades a read lock mid-transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": lock_timeout,
        }
        if pool_size:
            # Each gevent request would open and close its own connection (~10% of a worker's
            # CPU under record PUTs); a process keeps up to `pool_size` idle ones instead.
            config["ENGINE"] = POOLED_SQLITE_ENGINE
            config["OPTIONS"]["pool_size"] = pool_size
        return config
    config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    config.setdefault("OPTIONS", {})
    if pool_size:
        # Each process keeps up to `pool_size` connections and lends one to each request. With
        # gevent workers a connection per greenlet would be opened for every request (and left
        # open until garbage collection if kept): PostgreSQL ran out of connections. A request
        # waits up to POOL_WAIT seconds for a connection, then is answered 503.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"]["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": POOL_WAIT}
    config["OPTIONS"].setdefault("connect_timeout", 10)
    # Listings stream through server-side cursors, which PostgreSQL plans for the first 10% of
    # rows by default; without statistics that chose a plan of minutes for a filtered 100,000-row
    # project (120 ms without a cursor). Plan cursors for all their rows.
    # The JIT compiler takes over once a plan's estimated cost is high, as it is for machine-made
    # queries of many terms: it spent 16 s compiling one that then ran in 1.3 s. Our statements
    # are index lookups and short scans, which it never speeds up, so it is off.
    config["OPTIONS"].setdefault(
        "options",
        f"-c lock_timeout={int(lock_timeout * 1000)} -c cursor_tuple_fraction=1 -c jit=off",
    )
    return config
