"""A throwaway PostgreSQL database next to the one DATABASE_URL names, for the benches."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


def bench_urls(url: str, suffix: str) -> tuple[str, str]:
    """(maintenance URL, bench URL): the bench database is `<name>_<suffix>` on the same server."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL 须指向 PostgreSQL（postgres://…）。")
    name = f"{parts.path.lstrip('/') or 'duban'}_{suffix}"
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{name}"))


def database_drop(admin_url: str, bench_url: str, *, create: bool = False) -> None:
    """Drop the bench database (and create it empty again with `create`)."""
    import psycopg

    name = urlsplit(bench_url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def throwaway_database(suffix: str, *, reuse: bool, keep: bool) -> Iterator[str]:
    """The bench database `<name>_<suffix>`'s URL: created empty (unless `reuse`), dropped at
    the end (unless `keep` or `reuse`), after Django's connections to it are closed."""
    admin_url, bench_url = bench_urls(os.environ.get("DATABASE_URL", ""), suffix)
    if not reuse:
        database_drop(admin_url, bench_url, create=True)
    try:
        yield bench_url
    finally:
        from django.db import connections

        connections.close_all()
        if not keep and not reuse:
            database_drop(admin_url, bench_url)
