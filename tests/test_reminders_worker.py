"""End to end with real services: Redis as the broker, a real Celery worker, a real SMTP server.

The sweep commits, hands the digests to the worker through Redis, the worker sends them to
aiosmtpd. Counts are exact: emails received (per recipient), ledger rows, delivery attempts.
Concurrent sweeps and the kill-the-worker tests need PostgreSQL (the worker process must share the
database).
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tasks_app.errors import PermissionDenied
from tasks_app.models import (
    Action,
    DeliveryAttempt,
    Event,
    ReminderDigest,
    ReminderEntry,
    ReminderKind,
    ReminderSweep,
)
from tasks_app.reminders import selectors
from tasks_app.reminders.manual import reminders_send_now
from tasks_app.reminders.sweep import delivery_enqueue, reminders_sweep_run
from tasks_app.reminders.tasks import reminders_deliver, reminders_deliver_due
from tests.factories import AgencyFactory, ReminderContactFactory
from tests.reminders.fixtures import (
    FinishedTasks,
    broker_use,
    celery_app,
    missing_service,
    require_postgresql,
    start_worker,
    task_postrun,
)
from tests.reminders.smtp import Hold, SMTPServer
from tests.reminders.world import national_day_2024, world

pytest_plugins = ["tests.reminders.fixtures"]
pytestmark = pytest.mark.django_db(transaction=True)
Status = ReminderDigest.Status
Outcome = DeliveryAttempt.Outcome
ROOT = Path(__file__).resolve().parent.parent
DUE = dt.date(2024, 9, 30)
OVERDUE_DAY = dt.date(2024, 10, 8)
TERMINAL = (Status.SENT, Status.FAILED, Status.CANCELLED)


@pytest.fixture
def w():
    national_day_2024()
    return world()


def _settled(digest_ids, timeout: float = 30.0) -> list[ReminderDigest]:
    """Poll (PostgreSQL only: another process writes) until every digest reached a final status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        digests = list(ReminderDigest.objects.filter(pk__in=digest_ids).order_by("pk"))
        if all(digest.status in TERMINAL for digest in digests):
            return digests
        time.sleep(0.05)
    raise AssertionError(f"邮件未在 {timeout} 秒内发送完毕：{digests}")


def _digests(ids) -> list[ReminderDigest]:
    return list(ReminderDigest.objects.filter(pk__in=ids).order_by("pk"))


def test_five_items_for_one_agency_make_one_email(celery_worker, smtp, w):
    for _ in range(5):
        w.item(due_on=DUE)

    result = reminders_sweep_run(day=OVERDUE_DAY)

    assert celery_worker.wait(1) == 1
    [digest] = _digests(result.digest_ids)
    assert digest.status == Status.SENT
    assert smtp.recorder.count() == 1
    assert [r.rcpt_tos for r in smtp.recorder.received] == [(w.desk,)]
    assert digest.entries.count() == 5
    assert "5项事项" in smtp.recorder.received[0].message["Subject"]


def test_an_empty_day_sends_no_email(celery_worker, smtp, w):
    w.item(due_on=dt.date(2025, 6, 30))

    result = reminders_sweep_run(day=OVERDUE_DAY)

    assert celery_worker.wait(1, timeout=0.5) == 0
    assert (result.entries_created, result.digest_ids) == (0, [])
    assert smtp.recorder.count() == 0
    assert ReminderDigest.objects.count() == 0


def test_a_second_sweep_of_the_same_day_sends_nothing_more(celery_worker, smtp, w):
    for _ in range(3):
        w.item(due_on=DUE)

    first = reminders_sweep_run(day=OVERDUE_DAY)
    celery_worker.wait(1)
    second = reminders_sweep_run(day=OVERDUE_DAY)

    assert celery_worker.wait(2, timeout=0.5) == 1
    assert (first.entries_created, second.entries_created, second.digest_ids) == (3, 0, [])
    assert smtp.recorder.count() == 1
    assert ReminderEntry.objects.count() == 3
    assert DeliveryAttempt.objects.count() == 1


def test_escalation_copies_the_leader_and_the_coordinator(celery_worker, smtp, w):
    item = w.item(due_on=DUE)

    reminders_sweep_run(day=dt.date(2024, 10, 21))  # 11th working day overdue

    celery_worker.wait(1)
    assert smtp.recorder.count() == 3
    assert sorted(r.rcpt_tos[0] for r in smtp.recorder.received) == sorted(
        [w.desk, w.leader.email, w.coordinator.email]
    )
    [to_coordinator] = smtp.recorder.to(w.coordinator.email)
    assert "已升级督办" in to_coordinator.message.get_body(("plain",)).get_content()
    item.refresh_from_db()
    assert item.escalated_at is not None
    assert list(selectors.escalated_responsibilities_visible_to(w.coordinator)) == [item]


def test_manual_remind_now_is_sent_and_logged(celery_worker, smtp, w):
    item = w.item(due_on=dt.date(2025, 6, 30))
    item.assignees.add(w.staff)

    result = reminders_send_now(
        responsibility_ids=[item.pk], actor=w.coordinator, note="请于本周五前报送进展"
    )

    celery_worker.wait(1)
    assert len(result.digest_ids) == smtp.recorder.count() == 2
    assert sorted(r.rcpt_tos[0] for r in smtp.recorder.received) == sorted([w.desk, w.staff.email])
    body = smtp.recorder.to(w.desk)[0].message.get_body(("plain",)).get_content()
    assert "督办员留言：请于本周五前报送进展" in body
    assert ReminderEntry.objects.filter(kind=ReminderKind.MANUAL).count() == 2
    event = Event.objects.get(responsibility=item, action=Action.REMIND)
    assert (event.actor, event.reason) == (w.coordinator, "请于本周五前报送进展")


def test_manual_remind_now_is_refused_to_agency_staff(celery_worker, smtp, w):
    item = w.item()

    with pytest.raises(PermissionDenied):
        reminders_send_now(responsibility_ids=[item.pk], actor=w.staff, note="")

    assert ReminderEntry.objects.count() == Event.objects.count() == 0


def test_a_lost_broker_message_is_delivered_by_the_periodic_task(
    celery_worker, smtp, w, broker, monkeypatch
):
    w.item(due_on=DUE)
    result = reminders_sweep_run(day=OVERDUE_DAY, enqueue=False)  # as if Redis lost it
    monkeypatch.setattr(selectors, "PENDING_GRACE", dt.timedelta(0))

    reminders_deliver_due.apply_async(queue=broker)

    celery_worker.wait(1)
    [digest] = _digests(result.digest_ids)
    assert digest.status == Status.SENT
    assert smtp.recorder.count() == 1


def test_the_same_batch_delivered_twice_by_the_worker_sends_once(celery_worker, smtp, w, broker):
    w.item(due_on=DUE)
    result = reminders_sweep_run(day=OVERDUE_DAY, enqueue=False)

    for _ in range(2):  # a retried task / a duplicated message
        reminders_deliver.apply_async(args=[result.digest_ids], queue=broker)

    celery_worker.wait(2)
    assert smtp.recorder.count() == 1
    assert DeliveryAttempt.objects.count() == 1
    assert _digests(result.digest_ids)[0].status == Status.SENT


# --- PostgreSQL: concurrent sweeps, and a worker killed mid-send -----------------------------


def test_two_sweeps_at_once_record_and_send_everything_once(celery_worker, smtp, w):
    require_postgresql()
    other = world(name="b")
    for _ in range(5):
        w.item(due_on=DUE).assignees.add(w.staff)
    for _ in range(3):
        other.item(due_on=DUE)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(reminders_sweep_run(day=OVERDUE_DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.entries_created for r in results) == [0, 13]
    assert ReminderSweep.objects.count() == 2
    assert ReminderEntry.objects.count() == 13
    celery_worker.wait(1)
    assert celery_worker.wait(2, timeout=0.5) == 1  # only the sweep that recorded enqueued
    assert sorted(r.rcpt_tos[0] for r in smtp.recorder.received) == sorted(
        [w.desk, w.staff.email, other.desk]
    )


def _test_database_url() -> str:
    """postgres://… of the test database, for a process that must share it."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def _worker(*, queue: str, redis: str, smtp_port: int, log: Path) -> subprocess.Popen:
    """A Celery worker in its own process, on the test database, sending to the test server."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "False",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "REMINDERS_SEND_LEASE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["-Q", queue, "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h", "--loglevel=INFO"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"worker 未能启动：\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    return process


def _overdue_desks(w, count: int) -> tuple[list[int], list[str]]:
    """One overdue item in each of `count` agencies with a 督办 desk each; the day's sweep (not
    handed to a worker); the digest ids and their recipients, in the order a worker sends them."""
    for n in range(count):
        agency = AgencyFactory()
        ReminderContactFactory(agency=agency, email=f"desk{n}@example.org")
        w.item(agency=agency, due_on=DUE)
    ids = reminders_sweep_run(day=OVERDUE_DAY, enqueue=False).digest_ids
    digests = _digests(ids)
    return [d.pk for d in digests], [d.recipient for d in digests]


def _attempts(digest_id: int) -> list[tuple[int, str]]:
    return list(
        DeliveryAttempt.objects.filter(digest_id=digest_id)
        .order_by("number")
        .values_list("number", "outcome")
    )


@pytest.mark.parametrize(
    ("stage", "received_per_digest"),
    [("rcpt", [1, 1, 1, 1, 1]), ("accepted", [1, 1, 2, 1, 1])],
    ids=["before-the-third-is-accepted", "after-the-third-is-accepted"],
)
def test_a_worker_killed_mid_batch_resends_at_most_the_email_in_flight(
    w, broker, redis_url, tmp_path, stage, received_per_digest
):
    require_postgresql()
    digest_ids, desks = _overdue_desks(w, 5)
    server = SMTPServer().start()
    hold = server.recorder.hold = Hold(stage, 3)
    log = tmp_path / "worker.log"
    options = {"queue": broker, "redis": redis_url, "smtp_port": server.port, "log": log}
    first = _worker(**options)
    try:
        reminders_deliver.apply_async(args=[digest_ids], queue=broker)
        assert hold.reached.wait(30), log.read_text(errors="replace")
        # The worker waits for the server's answer about the third email: the first two are
        # committed already (read from this process), the rest of the batch is still claimed.
        assert [d.status for d in _digests(digest_ids)] == [Status.SENT] * 2 + [Status.SENDING] * 3
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        server.recorder.hold = None
        hold.released.set()
        assert server.recorder.count() == (3 if stage == "accepted" else 2)
        assert [_attempts(pk) for pk in digest_ids] == [[(1, Outcome.SENT)]] * 2 + [[]] * 3

        second = _worker(**options)
        try:
            while ReminderDigest.objects.filter(
                pk__in=digest_ids, lease_until__gte=_now()
            ).exists():
                time.sleep(0.1)  # the killed worker's lease runs out (2 s)
            reminders_deliver_due.apply_async(queue=broker)
            digests = _settled(digest_ids, timeout=30)
        finally:
            second.terminate()
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
        server.stop()

    assert [d.status for d in digests] == [Status.SENT] * 5
    assert server.recorder.per_recipient(desks) == received_per_digest
    assert [_attempts(pk) for pk in digest_ids] == [[(1, Outcome.SENT)]] * 2 + [
        [(1, Outcome.INTERRUPTED), (2, Outcome.SENT)]
    ] * 3


def _now():
    from django.utils import timezone

    return timezone.now()


# --- Redis restarted ---------------------------------------------------------------------------


class RedisServer:
    """A redis-server of this test's own (no persistence, as the service runs it), which the
    test can stop and start again on the same port."""

    def __init__(self) -> None:
        import shutil
        import socket

        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing_service("此测试需要 redis-server 可执行文件")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> "RedisServer":
        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def queue_length(self, queue: str) -> int:
        import redis

        return redis.Redis.from_url(self.url).llen(queue)


@pytest.fixture
def own_redis(settings):
    server = RedisServer().start()
    previous = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    settings.REMINDERS_CELERY_QUEUE = f"reminders-restart-{uuid.uuid4().hex[:12]}"
    # Fail fast while the broker is down instead of retrying for the default minutes.
    broker_use(server.url, {"max_retries": 1, "interval_start": 0, "interval_step": 0.1})
    yield server
    server.stop()
    broker_use(*previous)


def test_a_redis_restart_loses_the_queued_emails_and_the_periodic_task_sends_them_once(
    smtp, w, own_redis, settings, monkeypatch
):
    """Redis keeps nothing across a restart (--save "", as deployed): the queued delivery tasks
    are gone. The digests are still pending in the database; the periodic task finds them and each
    is sent exactly once. Enqueueing while Redis is down loses nothing either."""
    queue = settings.REMINDERS_CELERY_QUEUE
    monkeypatch.setattr(selectors, "PENDING_GRACE", dt.timedelta(0))
    w.item(due_on=DUE)
    other = AgencyFactory()
    ReminderContactFactory(agency=other, email="other-desk@example.cn")
    w.item(due_on=DUE, agency=other)
    result = reminders_sweep_run(day=OVERDUE_DAY, enqueue=False)
    assert len(result.digest_ids) == 2

    delivery_enqueue(result.digest_ids[:1])  # queued in Redis ...
    assert own_redis.queue_length(queue) == 1
    own_redis.stop()
    delivery_enqueue(result.digest_ids[1:])  # ... and one handed over while Redis is down
    own_redis.start()  # restarted empty
    assert own_redis.queue_length(queue) == 0
    assert [d.status for d in _digests(result.digest_ids)] == [Status.PENDING] * 2
    assert smtp.recorder.count() == 0

    finished = FinishedTasks()
    task_postrun.connect(finished.finished, weak=False)
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING"
        ):
            for _ in range(2):  # beat fires again the next interval: nothing more is sent
                reminders_deliver_due.apply_async(queue=queue)
            finished.wait(2)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and smtp.recorder.count() < 2:
                time.sleep(0.05)
            finished.wait(3, timeout=2)
    finally:
        task_postrun.disconnect(finished.finished)

    assert [d.status for d in _digests(result.digest_ids)] == [Status.SENT] * 2
    assert smtp.recorder.count() == 2
    for digest in _digests(result.digest_ids):
        assert len(smtp.recorder.to(digest.recipient)) == 1
    assert DeliveryAttempt.objects.count() == 2
