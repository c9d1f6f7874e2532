#!/usr/bin/env python
"""Reminder sweep at scale (not part of `make test`).

Builds 1,000,000 synthetic responsibilities in a throwaway PostgreSQL database (generated with
INSERT … SELECT generate_series), then prints:

1. the time of one sweep (tasks_app.reminders.sweep, through the ORM) next to hand-written raw SQL
   `INSERT … SELECT … ON CONFLICT DO NOTHING` statements doing the same selection into a copy of
   the ledger, and the ratio (must be ≤ 2×); both produce the same rows (checked);
2. a second sweep of the same day, which must insert nothing;
3. rendering and sending the day's emails to a local aiosmtpd server (in processes of its own),
   in emails per second (must be ≥ 500): delivery processes call the `reminders_deliver` Celery
   task with batches of REMINDERS_DELIVERY_BATCH digests, as a worker does; then the CPU time
   per email of the delivery processes, their PostgreSQL backends and the SMTP server (on a
   shared machine the rate follows the load, the CPU time much less), and a check that every
   email the server received is recorded as sent, with one attempt.

Usage:  DATABASE_URL=postgres://user@127.0.0.1:5432/anything .venv/bin/python bench/reminder_sweep.py
        [--responsibilities 1000000] [--agencies 10000] [--emails 5000] [--processes 4]
        [--smtp-processes 2] [--rounds 3] [--keep] [--reuse] [--send-only]
The database named by DATABASE_URL is left alone: the bench creates `<name>_bench_reminders`
next to it and drops it at the end (unless --keep). `--reuse` runs against a database kept by an
earlier `--keep` run instead of building a new one; `--send-only` (with --reuse) skips the sweep
comparison and sends the kept sweep's emails again, reset to pending.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAY = dt.date(2025, 3, 12)  # a Wednesday; the sweep's "today"
ACTIONABLE = "('assigned', 'in_progress', 'leader_review')"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responsibilities", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=10_000)
    parser.add_argument("--emails", type=int, default=5000, help="at most this many to send")
    parser.add_argument("--processes", type=int, default=4, help="delivery processes")
    parser.add_argument("--smtp-processes", type=int, default=2, help="SMTP server processes")
    parser.add_argument("--rounds", type=int, default=3, help="raw SQL / sweep repetitions")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument("--reuse", action="store_true", help="use a database kept with --keep")
    parser.add_argument(
        "--send-only", action="store_true", help="with --reuse: only the sending part"
    )
    return parser.parse_args()


def _throwaway_database(url: str, *, reuse: bool = False) -> tuple[str, str]:
    """(admin URL, bench URL): an empty database next to the one DATABASE_URL names: created if
    missing, emptied if left over from an earlier run, another name if that one is unusable (a
    DROP DATABASE interrupted earlier leaves it invalid)."""
    import psycopg

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL 须指向 PostgreSQL（postgres://…）。")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    base = (parts.path.lstrip("/") or "duban") + "_bench_reminders"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        for name in [base, *(f"{base}_{n}" for n in range(2, 10))]:
            row = connection.execute(
                "SELECT datconnlimit FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if row is None:
                connection.execute(f'CREATE DATABASE "{name}"')
            elif row[0] == -2:  # invalid
                continue
            bench_url = urlunsplit(parts._replace(path=f"/{name}"))
            if row is None and reuse:
                sys.exit(f"没有可复用的数据库 {name}：先用 --keep 运行一次。")
            if not reuse:
                _empty(bench_url)
            return admin_url, bench_url
    sys.exit(f"没有可用的基准测试数据库名（{base}…）。")


def _empty(bench_url: str) -> None:
    import psycopg

    with psycopg.connect(bench_url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def _drop(admin_url: str, bench_url: str) -> None:
    """Empty the database, then drop it. DROP DATABASE waits until every session on the server
    acknowledges it (a COPY stalled elsewhere delays it indefinitely); after 20 s the bench gives
    up and leaves the empty database behind."""
    import psycopg

    name = urlsplit(bench_url).path.lstrip("/")
    _empty(bench_url)
    try:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute("SET statement_timeout = '20s'")
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    except psycopg.errors.QueryCanceled:
        print(f"（数据库 {name} 已清空，但服务器忙，未能删除；可稍后手动 DROP DATABASE。）")


def _setup_django(bench_url: str) -> None:
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    logging.getLogger("tasks_app.reminders").setLevel(logging.WARNING)
    # The synthetic database has no holiday calendar on purpose: the sweep and the raw SQL both
    # count plain Monday-Friday days. The sweep's warning about the missing year is expected.
    logging.getLogger("tasks_app.reminders.sweep").setLevel(logging.ERROR)


# --- Synthetic data -----------------------------------------------------------------------------


def _people(agencies: int) -> None:
    """Agencies with a 督办 desk, a staff member and a leader each; plans and their coordinators
    (small tables: through the ORM, so that every column gets its value)."""
    from agencies.models import Agency, ReminderContact, User
    from tasks_app.models import Plan

    Agency.objects.bulk_create(
        Agency(name=f"基准单位{n}", short_name=f"基准{n}", kind="department", level="province")
        for n in range(agencies)
    )
    ids = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    ReminderContact.objects.bulk_create(
        ReminderContact(agency_id=pk, name="督办专员", email=f"desk{pk}@bench.example")
        for pk in ids
    )
    users = [
        User(username=f"{role}{pk}", email=f"{role}{pk}@bench.example", agency_id=pk, role=role)
        for pk in ids
        for role in (User.Role.STAFF, User.Role.LEADER)
    ]
    users += [
        User(
            username=f"coordinator{n}",
            email=f"coordinator{n}@bench.example",
            agency_id=ids[0],
            role=User.Role.COORDINATOR,
            last_name="督",
            first_name=f"办员{n}",
        )
        for n in range(3)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    Plan.objects.bulk_create(
        Plan(
            key=f"基准方案{n}",
            title=f"基准行动方案{n}",
            level="province",
            coordinating_agency_id=ids[0],
        )
        for n in range(20)
    )


def _tasks_and_responsibilities(cursor, responsibilities: int, agencies: int) -> None:
    """Two responsibilities (lead, supporting) per task; dates spread around DAY so that a day's
    sweep finds a realistic few percent of them due."""
    tasks = responsibilities // 2
    cursor.execute(
        """
        INSERT INTO tasks_app_task (plan_id, ref, number, title, text, kind, "order")
        SELECT p.first + g %% 20, 't' || g, g::text, '基准任务' || g, '加快推进基准任务' || g,
               'action', g
        FROM generate_series(1, %(tasks)s) g, (SELECT min(id) AS first FROM tasks_app_plan) p
        """,
        {"tasks": tasks},
    )
    cursor.execute(
        """
        INSERT INTO tasks_app_responsibility (
            task_id, agency_id, role, focus, "order", status, assigned_at, completed_late,
            due_on, original_due_on, progress_percent, behind_schedule_on, next_report_due_on,
            escalated_at, version)
        SELECT t.id, a.first + (t.id * 7 + k * 13) %% %(agencies)s,
               CASE k WHEN 0 THEN 'lead' ELSE 'supporting' END, '', k, s.status,
               (%(day)s::date - (CASE WHEN s.status = 'assigned' THEN (t.id + k) %% 30
                                     ELSE 30 + (t.id * 13 + k) %% 400 END)::int
                ) + time '10:00' - interval '8 hours',
               false, d.due, d.due, (t.id * 3 + k) %% 100,
               CASE WHEN (t.id + k) %% 5 = 0 THEN %(day)s::date + ((t.id * 17 + k) %% 200 - 2)::int END,
               CASE WHEN s.status = 'in_progress'
                    THEN %(day)s::date + ((t.id * 11 + k) %% 150 - 8)::int END,
               CASE WHEN d.due < %(day)s::date - 15 THEN now() - interval '10 days' END,
               1
        FROM tasks_app_task t
        CROSS JOIN generate_series(0, 1) k
        CROSS JOIN (SELECT min(id) AS first FROM agencies_agency) a
        CROSS JOIN LATERAL (SELECT CASE
            WHEN (t.id * 31 + k) %% 100 < 3 THEN 'assigned'
            WHEN (t.id * 31 + k) %% 100 < 75 THEN 'in_progress'
            WHEN (t.id * 31 + k) %% 100 < 80 THEN 'leader_review'
            WHEN (t.id * 31 + k) %% 100 < 85 THEN 'completion_requested'
            WHEN (t.id * 31 + k) %% 100 < 95 THEN 'completed'
            ELSE 'suspended' END AS status) s
        CROSS JOIN LATERAL (SELECT %(day)s::date + ((t.id * 37 + k * 5) %% 900 - 100)::int AS due) d
        """,
        {"agencies": agencies, "day": DAY},
    )
    cursor.execute(
        """
        INSERT INTO tasks_app_responsibility_assignees (responsibility_id, user_id)
        SELECT r.id, u.id FROM tasks_app_responsibility r
        JOIN agencies_user u ON u.agency_id = r.agency_id AND u.role = 'staff'
        WHERE r.id % 3 = 0
        """
    )


def build(responsibilities: int, agencies: int) -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic():
        _people(agencies)
        with connection.cursor() as cursor:
            _tasks_and_responsibilities(cursor, responsibilities, agencies)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# --- The raw SQL baseline -------------------------------------------------------------------


RECIPIENTS = {
    "contact": (
        "JOIN agencies_remindercontact x ON x.agency_id = r.agency_id AND x.active",
        "lower(x.email)",
        "x.name",
    ),
    "assignee": (
        "JOIN tasks_app_responsibility_assignees ra ON ra.responsibility_id = r.id "
        "JOIN agencies_user x ON x.id = ra.user_id AND x.is_active AND x.email > ''",
        "lower(x.email)",
        "coalesce(nullif(x.last_name || x.first_name, ''), x.username)",
    ),
    "leader": (
        "JOIN agencies_user x ON x.agency_id = r.agency_id AND x.role = 'leader' "
        "AND x.is_active AND x.email > ''",
        "lower(x.email)",
        "coalesce(nullif(x.last_name || x.first_name, ''), x.username)",
    ),
    "coordinator": (
        "JOIN tasks_app_task t ON t.id = r.task_id JOIN tasks_app_plan p ON p.id = t.plan_id "
        "JOIN agencies_user x ON x.agency_id = p.coordinating_agency_id "
        "AND x.role = 'coordinator' AND x.is_active AND x.email > ''",
        "lower(x.email)",
        "coalesce(nullif(x.last_name || x.first_name, ''), x.username)",
    ),
}


def _ranges(column: str, windows, sign: str, moment: bool = False) -> tuple[str, str]:
    """(WHERE over the windows, the period expression) for raw SQL."""

    def bound(day: dt.date) -> str:
        return f"'{day} 00:00+08'::timestamptz" if moment else f"'{day}'::date"

    conditions = [f"({column} >= {bound(w.start)} AND {column} < {bound(w.end)})" for w in windows]
    cases = " ".join(
        f"WHEN {c} THEN '/{sign}{w.step}'" for c, w in zip(conditions, windows, strict=True)
    )
    anchor = f"({column} AT TIME ZONE 'Asia/Shanghai')::date" if moment else column
    return "(" + " OR ".join(conditions) + ")", f"{anchor}::text || CASE {cases} END"


def _insert(
    kind: str,
    where: str,
    period: str,
    grade: str,
    roles,
    source: str = "tasks_app_responsibility r",
) -> str:
    parts = [
        f"SELECT 0, %(day)s::date, r.id, '{kind}', {period}, {email}, {name}, '{role}', "
        f"'{grade}', '', now() FROM {source} {join} WHERE {where}"
        for role in roles
        for join, email, name in [RECIPIENTS[role]]
    ]
    return (
        "INSERT INTO bench_raw_ledger (sweep_id, day, responsibility_id, kind, period, recipient, "
        "recipient_name, recipient_role, grade, note, created_at) "
        + " UNION ALL ".join(parts)
        + " ON CONFLICT DO NOTHING"
    )


def raw_statements(cursor, policy) -> list[str]:
    """The day's selection, written by hand; the date windows come from the same Python code as
    the sweep's (that part is calendar arithmetic, not SQL)."""
    from tasks_app.reminders import windows as w
    from tasks_app.reminders.sweep import working_calendar

    clock = w.Clock(calendar=working_calendar(), today=DAY)
    everyday, all_roles = ("contact", "assignee"), ("contact", "assignee", "leader", "coordinator")

    def oldest(sql: str):
        cursor.execute(sql)
        return cursor.fetchone()[0]

    statements = []
    unanswered = (
        f"SELECT e.responsibility_id FROM tasks_app_reminderentry e WHERE e.day < %(day)s::date "
        f"AND e.day >= %(day)s::date - 90 AND e.kind IN ('accept','overdue','report_late','manual') "
        f"AND NOT EXISTS (SELECT 1 FROM tasks_app_event v WHERE v.responsibility_id = "
        f"e.responsibility_id AND v.created_at > e.created_at AND v.action <> 'remind') "
        f"GROUP BY 1 HAVING count(DISTINCT e.day) >= {policy.escalate_after_reminders}"
    )
    # Escalation candidates first, into a small temporary table (the sweep carries them through
    # its events), then fenced (OFFSET 0): joined to the recipients directly, the planner
    # misjudges the coordinators' join and walks every task of their plans.
    statements.append(
        f"CREATE TEMPORARY TABLE bench_candidates ON COMMIT DROP AS "
        f"SELECT r.id FROM tasks_app_responsibility r WHERE r.status IN {ACTIONABLE} "
        f"AND r.escalated_at IS NULL AND r.due_on < %(day)s::date "
        f"AND r.due_on < '{clock.back(policy.escalate_after_overdue)}'::date UNION {unanswered}"
    )
    statements.append(
        _insert(
            "escalation",
            "true",
            "%(day)s::date::text",
            "red",
            all_roles,
            source=(
                "(SELECT * FROM tasks_app_responsibility WHERE id IN (SELECT id FROM "
                f"bench_candidates) AND status IN {ACTIONABLE} AND escalated_at IS NULL "
                "OFFSET 0) r"
            ),
        )
    )
    threshold = clock.back(policy.accept_within)
    first = oldest(
        "SELECT min(assigned_at) FROM tasks_app_responsibility WHERE status = 'assigned' AND "
        f"(assigned_at AT TIME ZONE 'Asia/Shanghai')::date <= '{threshold}'"
    )
    accept = w.after_start(
        clock,
        first=policy.accept_within,
        every=policy.accept_every,
        oldest=(first + dt.timedelta(hours=8)).date() if first else None,
    )
    if accept:
        where, period = _ranges("r.assigned_at", accept, "+", moment=True)
        statements.append(
            _insert(
                "accept",
                f"r.status = 'assigned' AND (r.assigned_at AT TIME ZONE 'Asia/Shanghai')::date <= "
                f"'{threshold}' AND {where}",
                period,
                "yellow",
                everyday,
            )
        )
    soon = w.before_deadline(clock, offsets=policy.due_soon_offsets)
    where, period = _ranges("r.due_on", soon, "-")
    statements.append(
        _insert(
            "due_soon",
            f"r.status IN {ACTIONABLE} AND r.due_on >= %(day)s::date AND {where}",
            period,
            "blue",
            everyday,
        )
    )
    late = w.after_deadline(
        clock,
        first=1,
        every=policy.overdue_every,
        oldest=oldest(
            f"SELECT min(due_on) FROM tasks_app_responsibility WHERE status IN {ACTIONABLE} "
            "AND due_on < %s" % f"'{DAY}'"
        ),
    )
    where, period = _ranges("r.due_on", late, "+")
    statements.append(
        _insert(
            "overdue",
            f"r.status IN {ACTIONABLE} AND r.due_on < %(day)s::date AND {where}",
            period,
            "red",
            everyday,
        )
    )
    report = w.before_deadline(clock, offsets=policy.report_due_offsets)
    where, period = _ranges("r.next_report_due_on", report, "-")
    statements.append(
        _insert(
            "report_due",
            f"r.status = 'in_progress' AND r.next_report_due_on > %(day)s::date AND {where}",
            period,
            "blue",
            everyday,
        )
    )
    missing = w.after_deadline(
        clock,
        first=1,
        every=policy.overdue_every,
        oldest=oldest(
            "SELECT min(next_report_due_on) FROM tasks_app_responsibility WHERE status = "
            f"'in_progress' AND next_report_due_on < '{DAY}'"
        ),
    )
    where, period = _ranges("r.next_report_due_on", missing, "+")
    statements.append(
        _insert(
            "report_late",
            f"r.status = 'in_progress' AND r.next_report_due_on < %(day)s::date AND {where}",
            period,
            "yellow",
            everyday,
        )
    )
    statements.append(
        _insert(
            "behind",
            "r.status = 'in_progress' AND NOT (r.due_on < %(day)s::date AND r.due_on IS NOT NULL) "
            "AND r.behind_schedule_on <= %(day)s::date AND NOT EXISTS (SELECT 1 FROM "
            "tasks_app_reminderentry e WHERE e.responsibility_id = r.id AND e.kind = 'behind' AND "
            "e.period = r.behind_schedule_on::text)",
            "r.behind_schedule_on::text",
            "yellow",
            everyday,
        )
    )
    since = f"'{clock.back(1)} 00:00+08'::timestamptz"
    returns = (
        "FROM tasks_app_event v WHERE v.responsibility_id = r.id AND v.action IN "
        f"('return', 'return_report', 'leader_return') AND v.created_at >= {since}"
    )
    statements.append(
        _insert(
            "returned",
            f"r.status IN {ACTIONABLE} AND EXISTS (SELECT 1 {returns})",
            f"'event/' || (SELECT v.id {returns} ORDER BY v.created_at DESC, v.id DESC LIMIT 1)",
            "yellow",
            everyday,
        )
    )
    return statements


def run_raw(policy) -> tuple[float, int]:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_ledger")
        cursor.execute("CREATE TABLE bench_raw_ledger (LIKE tasks_app_reminderentry INCLUDING ALL)")
    started = time.perf_counter()
    inserted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in raw_statements(cursor, policy):
            step = time.perf_counter()
            cursor.execute(statement, {"day": DAY})
            if statement.startswith("INSERT"):
                inserted += cursor.rowcount
            if os.environ.get("BENCH_VERBOSE"):
                print(f"  {time.perf_counter() - step:7.3f} s  {statement[:90]}…")
    return time.perf_counter() - started, inserted


def same_rows() -> bool:
    from django.db import connection

    key = "responsibility_id, kind, period, recipient, recipient_role, grade"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ((SELECT {key} FROM tasks_app_reminderentry EXCEPT "
            f"SELECT {key} FROM bench_raw_ledger) UNION ALL (SELECT {key} FROM bench_raw_ledger "
            f"EXCEPT SELECT {key} FROM tasks_app_reminderentry)) differences"
        )
        return cursor.fetchone()[0] == 0


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_app_reminderentry, tasks_app_reminderdigest")


# --- Sending --------------------------------------------------------------------------------


def _cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of process `pid` (a PostgreSQL backend)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _deliver_batches(batches, cpu) -> None:
    """One delivery process: what a Celery worker process does with `reminders_deliver` tasks
    (the task itself is called, in this process), closing the database connection around each
    task as Celery's Django fixup does (CONN_MAX_AGE=0). Puts its CPU time and its database
    backends' on `cpu` (a backend's start-up, before the first query, is not counted)."""
    from django.db import close_old_connections, connection

    from tasks_app.reminders.tasks import reminders_deliver

    close_old_connections()  # never share the parent's database connection
    started, database = _cpu_seconds(), 0.0
    while (batch := batches.get()) is not None:
        close_old_connections()
        connection.ensure_connection()
        backend = connection.connection.info.backend_pid
        before = _cpu_seconds(backend)
        reminders_deliver(batch)
        database += _cpu_seconds(backend) - before
        close_old_connections()
    cpu.put((_cpu_seconds() - started, database))


def _smtp_server(port: int, received, cpu, ready, stop) -> None:
    """One process of a local aiosmtpd server (in the bench's process it would share a GIL
    with it), counting what it accepts. Several such processes share the port (SO_REUSEPORT;
    the kernel spreads connections over them), as a mail server's smtpd processes do: a single
    process, given its 1/N share of a busy machine's CPU, would be what limits the rate."""
    import asyncio

    from aiosmtpd.smtp import SMTP

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            with received.get_lock():
                received.value += 1
            return "250 2.0.0 Message accepted for delivery"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        handler = Counter()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="bench.localhost", loop=loop),
            host="127.0.0.1",
            port=port,
            reuse_port=True,
        )
        before = _cpu_seconds()
        ready.release()
        await loop.run_in_executor(None, stop.wait)
        with cpu.get_lock():
            cpu.value += _cpu_seconds() - before
        server.close()

    asyncio.run(serve())


@dataclass
class Sent:
    """What the sending part measured."""

    received: int  # messages the SMTP server accepted
    elapsed: float
    items: float  # reminders per email, on average
    workers_cpu: float  # seconds, all delivery processes
    database_cpu: float  # seconds, their PostgreSQL backends
    server_cpu: float  # seconds, the SMTP server's processes
    recorded: dict  # digests by status and attempts by outcome, in the database afterwards


def _recorded() -> dict:
    from django.db.models import Count

    from tasks_app.models import DeliveryAttempt, ReminderDigest

    def counts(queryset, field):
        return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by(field))

    return {
        "digests": counts(ReminderDigest.objects.exclude(status="pending"), "status"),
        "attempts": counts(DeliveryAttempt.objects, "outcome"),
    }


def send(limit: int, processes: int, smtp_processes: int) -> Sent:
    """Render and send up to `limit` of the day's digests to a local aiosmtpd server (in
    `smtp_processes` processes), from `processes` delivery processes (as a Celery worker with
    --concurrency=processes would)."""
    import multiprocessing

    from django.conf import settings
    from django.db import connections

    from tasks_app.models import ReminderDigest, ReminderEntry
    from tasks_app.reminders.wording import Labels
    from tests.reminders.smtp import free_port

    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.REMINDERS_SEND_LEASE_SECONDS = 600
    ids = list(ReminderDigest.objects.order_by("pk").values_list("pk", flat=True)[:limit])
    items = ReminderEntry.objects.count() / max(ReminderDigest.objects.count(), 1)
    # A worker process that has handled a task before: the URLconf is imported (once per
    # process, a fraction of a second that would otherwise be charged to the first batch).
    Labels()
    connections.close_all()  # no process may inherit an open database connection
    context = multiprocessing.get_context("fork")
    received, server_cpu = context.Value("i", 0), context.Value("d", 0.0)
    ready, stop = context.Semaphore(0), context.Event()
    servers = [
        context.Process(target=_smtp_server, args=(port, received, server_cpu, ready, stop))
        for _ in range(smtp_processes)
    ]
    for server in servers:
        server.start()
    for _ in servers:
        ready.acquire(timeout=30)
    batches, cpu = context.Queue(), context.Queue()
    size = settings.REMINDERS_DELIVERY_BATCH
    for start in range(0, len(ids), size):
        batches.put(ids[start : start + size])
    for _ in range(processes):
        batches.put(None)
    workers = [
        context.Process(target=_deliver_batches, args=(batches, cpu)) for _ in range(processes)
    ]
    started = time.perf_counter()
    try:
        for worker in workers:
            worker.start()
        used = [cpu.get(timeout=3600) for _ in workers]
        for worker in workers:
            worker.join()
    finally:
        elapsed = time.perf_counter() - started
        stop.set()
        for server in servers:
            server.join(30)
    return Sent(
        received=received.value,
        elapsed=elapsed,
        items=items,
        workers_cpu=sum(own for own, _ in used),
        database_cpu=sum(backend for _, backend in used),
        server_cpu=server_cpu.value,
        recorded=_recorded(),
    )


def report_send(limit: int, processes: int, smtp_processes: int) -> None:
    load = os.getloadavg()[0]
    sent = send(limit, processes, smtp_processes)
    rate = sent.received / sent.elapsed
    print(
        f"渲染并发送 {sent.received:,} 封邮件（平均每封 {sent.items:.1f} 条提醒；{processes} 个发送"
        f"进程调用 reminders_deliver 任务，每批 {_batch_size()} 封）到本地 aiosmtpd（另 "
        f"{smtp_processes} 个进程）：{sent.elapsed:.2f} s，{rate:.1f} 封/秒（要求 ≥ 500）"
        f"{'通过' if rate >= 500 else '未通过'}（开始时负载 {load:.1f}，{os.cpu_count()} 核）"
    )
    per = 1000 / max(sent.received, 1)
    total = (sent.workers_cpu + sent.database_cpu + sent.server_cpu) * per
    print(
        f"每封邮件的 CPU 时间：发送进程 {sent.workers_cpu * per:.2f} ms，其数据库连接 "
        f"{sent.database_cpu * per:.2f} ms，SMTP 服务器 {sent.server_cpu * per:.2f} ms，"
        f"合计 {total:.2f} ms（机器无他人占用时约 {os.cpu_count() * 1000 / total:.0f} 封/秒封顶）"
    )
    digests, attempts = sent.recorded["digests"], sent.recorded["attempts"]
    print(f"数据库记录：邮件 {digests}，投递尝试 {attempts}")
    consistent = digests == {"sent": sent.received} and attempts == {"sent": sent.received}
    print(f"每封收到的邮件恰有一条“已发送”记录和一次投递尝试：{'是' if consistent else '否'}")


def _batch_size() -> int:
    from django.conf import settings

    return settings.REMINDERS_DELIVERY_BATCH


def reset_digests() -> None:
    """Every email back to pending, as the sweep left it, with no attempts (for --send-only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tasks_app_deliveryattempt")
        cursor.execute(
            "UPDATE tasks_app_reminderdigest SET status = 'pending', attempts = 0, "
            "claim_token = NULL, claimed_at = NULL, lease_until = NULL, next_attempt_at = NULL, "
            "sent_at = NULL, subject = '', body_text = '', body_html = '', last_error = ''"
        )
        cursor.execute("VACUUM ANALYZE tasks_app_reminderdigest")


def reset_reminders(since) -> None:
    """Undo a sweep: empty the ledger, emails and events; un-escalate what it escalated."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tasks_app_deliveryattempt, tasks_app_reminderentry, "
            "tasks_app_reminderdigest, tasks_app_remindersweep, tasks_app_event"
        )
        cursor.execute(
            "UPDATE tasks_app_responsibility SET escalated_at = NULL WHERE escalated_at >= %s",
            [since],
        )


def compare(rounds: int):
    """`rounds` × (raw SQL, then the sweep on the same data); returns the times and the last
    sweep's result (left in place). Best and median are printed: the machine may be shared."""
    from django.utils import timezone

    from tasks_app.models import ReminderSweep
    from tasks_app.reminders.policy import Policy
    from tasks_app.reminders.sweep import reminders_sweep_run

    raw_times, sweep_times = [], []
    run_raw(Policy.default())  # warm-up: every timing below starts with a warm cache
    since = timezone.now()
    for _ in range(rounds):
        reset_reminders(since)
        raw_time, raw_rows = run_raw(Policy.default())
        raw_times.append(raw_time)
        started = time.perf_counter()
        result = reminders_sweep_run(day=DAY, trigger=ReminderSweep.Trigger.COMMAND, enqueue=False)
        sweep_times.append(time.perf_counter() - started)
    return raw_times, sweep_times, raw_rows, result


def _times(times: list[float]) -> str:
    return f"最好 {min(times):.3f} s，中位 {statistics.median(times):.3f} s（{len(times)} 次）"


def report_sweep(rounds: int) -> None:
    from tasks_app.models import ReminderEntry, ReminderSweep
    from tasks_app.reminders.sweep import reminders_sweep_run

    raw_times, sweep_times, raw_rows, first = compare(rounds)
    ratio = min(sweep_times) / min(raw_times)
    print(
        f"原生 SQL INSERT … SELECT … ON CONFLICT DO NOTHING：{_times(raw_times)}，{raw_rows:,} 行"
    )
    print(
        f"催办扫描（ORM，含分组成邮件、督办升级）：{_times(sweep_times)}，"
        f"{first.entries_created:,} 行，{len(first.digest_ids):,} 封邮件，"
        f"升级督办 {first.escalated:,} 项"
    )
    print(f"比值（最好对最好）：{ratio:.2f}×（要求 ≤ 2×）{'通过' if ratio <= 2 else '未通过'}")
    same = same_rows() and raw_rows == first.entries_created
    print(f"两者结果相同：{'是' if same else '否'}")
    started = time.perf_counter()
    second = reminders_sweep_run(day=DAY, trigger=ReminderSweep.Trigger.COMMAND, enqueue=False)
    print(
        f"同日第二次扫描：新增 {second.entries_created} 行，{len(second.digest_ids)} 封邮件，"
        f"{time.perf_counter() - started:.3f} s（要求 0 行）"
    )
    assert ReminderEntry.objects.count() == first.entries_created
    analyze()  # what autovacuum does after a day's sweep; the tables were empty before


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    options = _arguments()
    if options.send_only and not options.reuse:
        sys.exit("--send-only 须与 --reuse 一起使用。")
    url = os.environ.get("DATABASE_URL", "")
    admin_url, bench_url = _throwaway_database(url, reuse=options.reuse)
    try:
        _setup_django(bench_url)
        if not options.reuse:
            built = build(options.responsibilities, options.agencies)
            print(
                f"生成 {options.responsibilities:,} 条责任分工（{options.agencies:,} 个单位）："
                f"{built:.1f} s"
            )
        if options.send_only:
            reset_digests()
        else:
            report_sweep(options.rounds)
        report_send(options.emails, options.processes, options.smtp_processes)
    finally:
        from django.db import connections

        connections.close_all()
        if not (options.keep or options.reuse):
            _drop(admin_url, bench_url)


if __name__ == "__main__":
    main()
