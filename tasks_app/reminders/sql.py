"""Set-based writes the ORM has no method for: INSERT … SELECT … ON CONFLICT DO NOTHING.

The SELECT is an ordinary queryset (so rules reuse the selectors' Q objects and the access
helpers); only the INSERT around it is written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression


def selection(queryset: QuerySet, columns: Mapping[str, BaseExpression]) -> QuerySet:
    """`queryset` reduced to the given expressions, in the given order (aliases c0, c1, …), so that
    its SELECT lines up with an INSERT's column list. Ordering is dropped (it is meaningless in an
    INSERT and forbidden inside UNION on SQLite)."""
    aliases = {f"c{index}": expression for index, expression in enumerate(columns.values())}
    return queryset.order_by().annotate(**aliases).values(*aliases)


def insert_select(*, model: type[models.Model], columns: Sequence[str], queryset: QuerySet) -> int:
    """Insert the rows `queryset` selects into `model`'s table, skipping every row whose unique
    key already exists; return how many rows were inserted. One statement, whatever the size."""
    select_sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(column).column) for column in columns)
    if connection.vendor == "sqlite":
        # SQLite needs a WHERE before ON CONFLICT to parse an INSERT … SELECT upsert.
        statement = (
            f"INSERT INTO {table} ({names}) SELECT * FROM ({select_sql}) WHERE true "
            "ON CONFLICT DO NOTHING"
        )
    else:
        statement = f"INSERT INTO {table} ({names}) {select_sql} ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def union_all(querysets: Sequence[QuerySet]) -> QuerySet | None:
    """One SELECT … UNION ALL SELECT … of the querysets (None when there are none)."""
    if not querysets:
        return None
    first, *rest = querysets
    return first.union(*rest, all=True) if rest else first
