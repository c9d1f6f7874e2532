"""Writing many rows fast: COPY on PostgreSQL, executemany in chunks on SQLite.

Rows are tuples of Python values for the columns a `Table` names; columns the generator does not
know about (added by later migrations) get their model default, or generation stops with a clear
message when they have none. Ids are allocated by the caller (`next_ids`), then the sequences are
moved past them (`sequences_reset`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection, models

from tasks_app.errors import InvalidInput


class Table:
    """Where rows of one model go, and the constant values of the columns rows do not carry."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        known = set(columns)
        extra_columns, self.extra_values = [], ()
        for model_field in model._meta.local_concrete_fields:
            if model_field.column in known:
                continue
            default = model_field.get_default()
            if default is None and not model_field.null:
                raise InvalidInput(
                    f"合成数据生成器不认识 {self.name}.{model_field.column}，且该列没有默认值。"
                )
            extra_columns.append(model_field.column)
            self.extra_values += (model_field.get_db_prep_save(default, connection),)
        self.columns = (*columns, *extra_columns)

    def write(self, rows: Iterable[tuple]) -> int:
        """Insert `rows`; returns how many."""
        if connection.vendor == "postgresql":
            return self._copy(rows)
        return self._insert(rows)

    def _copy(self, rows: Iterable[tuple]) -> int:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        sql = f"COPY {quote(self.name)} ({columns}) FROM STDIN (FORMAT BINARY)"
        extra, count = self.extra_values, 0
        # The raw psycopg cursor: Django's wrapper has no COPY. Same connection, same transaction.
        # Binary COPY: three times faster than text, which spends its time formatting dates.
        with connection.connection.cursor() as cursor:
            types = self._column_types(cursor)
            with cursor.copy(sql) as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row + extra)
                    count += 1
        return count

    def _column_types(self, cursor) -> list[int]:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [self.name],
        )
        types = dict(cursor.fetchall())
        return [types[column] for column in self.columns]

    def _insert(self, rows: Iterable[tuple], chunk: int = 2000) -> int:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {quote(self.name)} ({columns}) VALUES ({marks})"
        extra, batch, count = self.extra_values, [], 0
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(tuple(_sqlite_value(value) for value in row + extra))
                if len(batch) >= chunk:
                    cursor.executemany(sql, batch)
                    count, batch = count + len(batch), []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def _sqlite_value(value):
    """What Django's SQLite backend stores: ISO dates, naive UTC datetimes, 0/1 booleans."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def next_ids(*tables: Table) -> list[int]:
    """The first free id of each table (callers hold a lock, see `lock`)."""
    ids = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}")
            ids.append(cursor.fetchone()[0])
    return ids


def lock(*tables: Table) -> None:
    """Keep other writers out of the tables whose ids we allocate (PostgreSQL; SQLite's write
    transaction already excludes them)."""
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(table.name) for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")


def sequences_reset(*tables: Table) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def analyze(*tables: type[models.Model]) -> None:
    """Fresh planner statistics after a bulk load. Autovacuum would lag behind, and never
    analyzes a table that gained fewer than 50 rows (the plans): without statistics the planner
    misjudges every join through it. Outside a transaction also VACUUM, as autovacuum would
    after a load: it sets the visibility map, without which every index-only scan (an agency's
    tasks, the tasks it leads) reads the table anyway."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


@contextmanager
def bulk_load(*tables: Table) -> Iterator[None]:
    """PostgreSQL: drop the tables' secondary indexes, unique and foreign-key constraints, and
    re-create them (same names, same definitions) once the rows are in. Building an index once
    and validating a foreign key with one join is many times faster than maintaining them row by
    row ("Populating a Database" in the PostgreSQL manual). Primary keys stay: other tables'
    foreign keys depend on them. Run inside the loading transaction: a failure rolls the schema
    back with the rows."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses tables with deferred foreign-key checks pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
        definitions = [_secondary_definitions(cursor, table.name) for table in tables]
        for table, (constraints, indexes) in zip(tables, definitions, strict=True):
            for name, _ in constraints:
                cursor.execute(f"ALTER TABLE {_quote(table.name)} DROP CONSTRAINT {_quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, indexes in definitions:
            for _, definition in indexes:
                cursor.execute(definition)
        # Unique constraints before foreign keys, whatever order they came in.
        for table, (constraints, _) in zip(tables, definitions, strict=True):
            for name, definition in sorted(constraints, key=lambda c: c[1].startswith("FOREIGN")):
                cursor.execute(
                    f"ALTER TABLE {_quote(table.name)} ADD CONSTRAINT {_quote(name)} {definition}"
                )


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _secondary_definitions(cursor, table: str) -> tuple[list, list]:
    """([(constraint, definition)], [(index, CREATE INDEX …)]) of `table`, except its primary key
    and unique constraints that other tables' foreign keys rely on."""
    cursor.execute(
        """
        SELECT c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u')
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint f
              WHERE f.contype = 'f' AND f.conindid = c.conindid AND c.contype = 'u')
        ORDER BY c.conname
        """,
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [table],
    )
    return constraints, cursor.fetchall()
