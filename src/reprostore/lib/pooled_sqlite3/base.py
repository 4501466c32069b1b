"""Django's SQLite backend, keeping a few idle connections per process for the next request.

Why: `reprostore serve` runs gevent workers, where each greenlet counts as a thread for Django,
so every request opens its own SQLite connection and closes it at the end (CONN_MAX_AGE cannot
help: the greenlet, and its connection, is gone after the request). py-spy on a worker under
record PUTs put ~7% of its CPU in opening connections (sqlite3.connect, registering Django's SQL
functions, the PRAGMAs) and ~3% in closing them. Here a connection Django closes goes back to a
pool of its process instead, and the next request takes it, with its prepared-statement cache:
the two fell to 0.4% each in the same profile.

Rules, each for a reason:

- Only connections that are in no transaction are kept: one closed inside an atomic block, or
  that Django found unusable, is really closed, and an open transaction is rolled back first
  (a connection that can't roll back is closed). An idle pooled connection holds no read
  snapshot, so it never stops the write-ahead log being checkpointed.
- At most `pool_size` idle connections per database per process; beyond that they are closed.
  A SQLite statement blocks its whole gevent worker while it runs, so only requests that wait
  between statements (slow readers of a streamed listing) hold a connection side by side, and
  keeping as many as PostgreSQL's pool (`serve` gives 6) is plenty. The pool never makes a
  request wait: when it is empty a connection is opened, as before.
- A connection belongs to the process that opened it. SQLite must not carry a connection across
  fork(), and even closing an inherited one in the child is unsafe (closing a file descriptor
  drops all of the process's POSIX locks on that file, which SQLite's locking relies on), so a
  child neither uses nor closes what it inherited: those connections stay referenced, untouched,
  for the life of the process (at most a pool's worth). gunicorn forks its workers from a master
  that may have loaded the application.
- Django code can change per-connection state that `connect()` does not set again:
  `disable_constraint_checking` turns foreign keys off, and our query deadline (query/limits.py)
  installs a progress handler. Both are reset when a connection is taken from the pool; the
  autocommit mode is re-applied by Django's `connect()` itself.
- In-memory databases are never pooled (each connection is its own database).

Limits: idle connections stay open for the life of the worker (there is no maximum age), and a
pooled connection keeps the database file it opened: replacing the file under a running server
would leave workers on the old one (a running server's database is never replaced).
"""

import os
import threading

from django.db.backends.sqlite3 import base as sqlite3_base
from django.utils.asyncio import async_unsafe

Database = sqlite3_base.Database
POOL_SIZE = "pool_size"  # the key in OPTIONS; never passed on to sqlite3.connect

# Idle connections of this process, one pool per set of connection parameters.
_pools: dict[tuple, "IdleConnections"] = {}
# Connections inherited from a parent process: kept referenced so that they are never closed
# (or used) here.
_inherited: list = []


class IdleConnections:
    """The idle connections of one database in one process, at most `size` of them."""

    def __init__(self, size: int):
        self.size = size
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.idle: list = []

    def take(self):
        """An idle connection, or None."""
        with self.lock:
            return self.idle.pop() if self.idle else None

    def give(self, connection) -> bool:
        """Keep `connection` for the next taker; False if the pool is full."""
        with self.lock:
            if len(self.idle) >= self.size:
                return False
            self.idle.append(connection)
            return True


def pool_for(key: tuple, size: int) -> IdleConnections:
    """This process's pool for `key`. A pool made before a fork is left to the parent: its lock
    may have been held by a thread that does not exist here, and its connections are not ours."""
    pool = _pools.get(key)
    if pool is None or pool.pid != os.getpid():
        if pool is not None:
            _inherited.extend(pool.idle)
        pool = _pools[key] = IdleConnections(size)
    return pool


def reset(connection) -> bool:
    """Undo what requests may have changed on a pooled connection; False (and the connection
    closed) if it no longer works."""
    try:
        connection.set_progress_handler(None, 0)
        connection.execute("PRAGMA foreign_keys = ON")
    except Database.Error:
        connection.close()
        return False
    return True


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    pool_size = 0  # from OPTIONS, read by get_connection_params
    pool = None  # this wrapper's pool, once connected with a pool size
    connection_pid = None  # the process that opened or took the current connection

    def get_connection_params(self):
        self.pool_size = self.settings_dict["OPTIONS"].get(POOL_SIZE, 0)
        params = super().get_connection_params()
        params.pop(POOL_SIZE, None)
        return params

    @async_unsafe
    def get_new_connection(self, conn_params):
        self.pool = None
        if self.pool_size > 0 and not self.is_in_memory_db():
            key = (repr(sorted(conn_params.items())), tuple(self.init_commands))
            self.pool = pool_for(key, self.pool_size)
        self.connection_pid = os.getpid()
        connection = self.pool.take() if self.pool else None
        if connection is not None and reset(connection):
            return connection
        return super().get_new_connection(conn_params)

    def is_usable(self):
        # Django's SQLite backend always answers True; a pooled connection is kept only if it
        # still answers.
        try:
            self.connection.execute("SELECT 1")
        except Database.Error:
            return False
        return True

    def _close(self):
        if self.connection is None:
            return None
        if self.connection_pid != os.getpid():
            _inherited.append(self.connection)  # a parent's: neither closed nor used here
            return None
        if self.pool is not None and self.reusable() and self.pool.give(self.connection):
            return None
        return super()._close()

    def reusable(self) -> bool:
        """Whether the current connection may serve another request: in no transaction (an
        open one is rolled back), and not broken."""
        if self.in_atomic_block:
            return False  # Django keeps using this wrapper's connection until the block ends
        if self.errors_occurred and not self.is_usable():
            return False
        if self.connection.in_transaction:
            try:
                self.connection.rollback()
            except Database.Error:
                return False
        return True
