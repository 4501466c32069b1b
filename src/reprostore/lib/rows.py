"""Rows read and written without the ORM's per-query work, where that work costs more than the
database's: the lookups every record PUT makes, and rows inserted by the thousand."""

import functools

from django.db import connections, transaction


def first_instance(model, *, for_update: bool = False, **equal):
    """The `model` row whose fields equal `equal` (foreign keys by id, `pk` for the primary
    key), or None; locked for the transaction with `for_update` where the database can.

    The SELECT is built once per shape (`select_sql`) and its row made into an instance by
    `first_row`. Building the same query with the ORM each time cost 0.30-0.40 ms, and `raw()`
    0.15 ms, against 0.05 ms for this; a record PUT makes three such lookups (the remembered
    user, the project with the caller's grant, the record).
    """
    sql = select_sql(model, tuple(equal), for_update, model._default_manager.db)
    return first_row(model, sql, list(equal.values()))


def first_row(model, sql: str, params, extra: tuple[str, ...] = ()):
    """The first row of `sql` as a `model` instance, or None: what `raw()` makes of it, for
    a SELECT of the model's concrete fields in their order (`select_sql`), then the columns
    named by `extra`, which become attributes. Each value is converted as the ORM converts it
    (SQLite's datetimes are text, say), by the converters found once per model."""
    connection = connections[model._default_manager.db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    names, converters = row_converters(model, connection.alias)
    values = list(row[: len(names)])
    for index, expression, functions in converters:
        for convert in functions:
            if isinstance(convert, str):  # the backend's: this connection's own method
                convert = getattr(connection.ops, convert)
            values[index] = convert(values[index], expression, connection)
    instance = model.from_db(connection.alias, names, values)
    for name, value in zip(extra, row[len(names) :], strict=True):
        setattr(instance, name, value)
    return instance


@functools.lru_cache(maxsize=64)
def row_converters(model, alias: str):
    """The attribute names of `model`'s concrete fields, and for each field that has any, its
    database converters (the backend's, then the field's), as the ORM's compiler finds them.
    A converter that is a method of the backend is kept by name: each request has its own
    connection (and operations object), so it is looked up on the one in use."""
    connection = connections[alias]
    ops = connection.ops
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        expression = field.get_col(model._meta.db_table)
        functions = ops.get_db_converters(expression) + expression.get_db_converters(connection)
        functions = [
            function.__name__ if getattr(function, "__self__", None) is ops else function
            for function in functions
        ]
        if functions:
            converters.append((index, expression, tuple(functions)))
    return [field.attname for field in fields], tuple(converters)


@functools.lru_cache(maxsize=64)
def select_sql(model, fields: tuple[str, ...], for_update: bool, alias: str) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    where = " AND ".join(
        f"{quote((meta.pk if name == 'pk' else meta.get_field(name)).column)} = %s"
        for name in fields
    )
    lock = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where} LIMIT 1{lock}"


def insert_rows(model, fields, rows, placeholders=None):
    """INSERT rows of column values, a few hundred per statement.

    Django's `bulk_create` builds a model instance per row and prepares each value through its
    field, which cost more than the database's own work: a third of a packet reindex, and 0.5 ms
    per call in a record PUT (tags, parameters, data digests) against 0.05 ms for this. The
    values must be what the database driver takes as they are (text, numbers, booleans, None,
    ids, `db_datetime`); `placeholders` may wrap a column's `%s` (a cast, say).
    """
    insert_many((model, fields, rows, placeholders))


def insert_many(*inserts):
    """Several `insert_rows`, each a (model, fields, rows[, placeholders]) tuple, in order.

    On PostgreSQL they go in one round trip: Django's cursor there binds parameters on the
    client, so statements joined by ";" are sent as one query. A record PUT writes four kinds
    of rows (tags, parameters, data digests, its revision); as four statements they were four
    waits for the server. SQLite runs in the process and takes them one by one.
    """
    connection = transaction.get_connection()
    statements = [
        statement for insert in inserts for statement in insert_statements(connection, *insert)
    ]
    options = connection.settings_dict.get("OPTIONS") or {}
    joined = connection.vendor == "postgresql" and not options.get("server_side_binding")
    with connection.cursor() as cursor:
        if joined and len(statements) > 1:
            cursor.execute(
                "; ".join(sql for sql, _ in statements),
                [value for _, values in statements for value in values],
            )
            return
        for sql, values in statements:
            cursor.execute(sql, values)


def insert_statements(connection, model, fields, rows, placeholders=None):
    """The (sql, values) of INSERTs of `rows`, a few hundred rows per statement."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    row_sql = "(" + ", ".join(placeholders or ["%s"] * len(fields)) + ")"
    most = connection.features.max_query_params or 65535  # None: PostgreSQL's own limit
    per_statement = max(1, min(500, most // len(fields)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values = ", ".join([row_sql] * len(chunk))
        yield (
            f"INSERT INTO {table} ({columns}) VALUES {values}",
            [value for row in chunk for value in row],
        )


def db_datetime(value):
    """A datetime as `insert_rows` must pass it: as the ORM would store it (SQLite keeps text
    in UTC; psycopg takes the datetime itself)."""
    return transaction.get_connection().ops.adapt_datetimefield_value(value)


def insert_instance(instance, unless_exists: tuple[str, ...] = ()) -> bool:
    """INSERT a new model instance and set its primary key: what `save()` does for a new row
    (each field's `pre_save` and database value, `auto_now_add` included), with the statement
    built once per model instead of for every row.

    With `unless_exists` (the fields of a unique constraint), a row that already has those
    values is left alone and False returned, in the same statement: a record's first PUT needs
    no look first.
    """
    connection = transaction.get_connection()
    fields = [field for field in instance._meta.concrete_fields if not field.primary_key]
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    returning = connection.features.can_return_columns_from_insert
    with connection.cursor() as cursor:
        cursor.execute(insert_sql(type(instance), unless_exists, connection.alias), values)
        if returning:
            row = cursor.fetchone()
            if row is None:
                return False
            instance.pk = row[0]
        elif cursor.rowcount == 0:
            return False
        else:
            instance.pk = connection.ops.last_insert_id(
                cursor, instance._meta.db_table, instance._meta.pk.column
            )
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


@functools.lru_cache(maxsize=16)
def insert_sql(model, unless_exists: tuple[str, ...], alias: str) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"
    if unless_exists:
        unique = ", ".join(quote(model._meta.get_field(name).column) for name in unless_exists)
        sql += f" ON CONFLICT ({unique}) DO NOTHING"
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql
