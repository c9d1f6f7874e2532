"""pytest fixtures for the reminder tests (import them into a test module to use them).

Real services only: an aiosmtpd server on 127.0.0.1, Redis (settings.REDIS_URL or
redis://127.0.0.1:6379/15), a Celery worker consuming a queue of its own. With CI set, a missing
Redis or PostgreSQL fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.db import connection

from config.celery_app import app as celery_app

from .smtp import SMTPServer
from .world import national_day_2024

TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def missing_service(message: str) -> None:
    """Fail in CI (the service must be there), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        missing_service("此测试需要 PostgreSQL（设置 DATABASE_URL=postgres://…）")


def smtp_settings(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def calendar_2024(db):
    """The official calendar around National Day 2024 (holidays and 调休 days)."""
    national_day_2024()


@pytest.fixture
def smtp(settings):
    """A real SMTP server for this test; Django's mail settings point at it."""
    server = SMTPServer().start()
    smtp_settings(settings, server.port)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = django_settings.REDIS_URL or TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        missing_service(f"Redis 不可用（{url}）：{exc}")
    return url


def broker_use(url: str, options: dict | None = None) -> None:
    """Point the Celery app at `url`, dropping connection pools made for another broker."""
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options or {}
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def broker(redis_url, settings):
    """Redis as the broker, and a queue of this test's own (other test runs share the server)."""
    previous = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    queue = f"reminders-test-{uuid.uuid4().hex[:12]}"
    settings.REMINDERS_CELERY_QUEUE = queue
    broker_use(redis_url)
    yield queue
    broker_use(*previous)


class FinishedTasks:
    """Counts tasks the worker finished, so a test can wait for the worker to be idle before it
    reads the database (SQLite's shared in-memory test database locks whole tables)."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()

    def finished(self, **kwargs) -> None:
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait(self, count: int, timeout: float = 20.0) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.count >= count, timeout=timeout)
            return self.count


@pytest.fixture
def celery_worker(broker):
    """A real Celery worker (in a thread of this process) consuming the test's queue; yields a
    FinishedTasks counter."""
    finished = FinishedTasks()
    task_postrun.connect(finished.finished, weak=False)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            queues=[broker],
            loglevel="WARNING",
            shutdown_timeout=15,
        ):
            yield finished
    finally:
        task_postrun.disconnect(finished.finished)
