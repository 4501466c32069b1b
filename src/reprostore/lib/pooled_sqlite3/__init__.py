"""Django's SQLite backend with a small per-process pool of idle connections (see base.py).

Selected by `reprostore.lib.database.database_config` when a pool size is set, which `serve`
does for gevent workers. The package name ends in "sqlite3", as Django's backend does, because
code that tells SQLite from PostgreSQL by the ENGINE setting (reprostore.core.store) looks for it.
"""
