"""Delivery to a real SMTP server (aiosmtpd on 127.0.0.1): the raw message, exactly-once claims,
retries with back-off, permanent failures, interrupted sends. Exact counts throughout."""

import datetime as dt
import uuid
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks_app.models import DeliveryAttempt, ReminderDigest, Responsibility
from tasks_app.reminders import delivery
from tasks_app.reminders.delivery import (
    backoff,
    digests_claim,
    digests_deliver,
    digests_deliver_due,
)
from tasks_app.reminders.mime import Session
from tasks_app.reminders.selectors import failed_digests_visible_to
from tests.factories import AgencyFactory, ReminderContactFactory
from tests.reminders.driving import sweep
from tests.reminders.fixtures import smtp_settings
from tests.reminders.smtp import REFUSED_DOMAIN, SMTPServer, free_port
from tests.reminders.world import S, world

pytest_plugins = ["tests.reminders.fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_2024")]
Status = ReminderDigest.Status
Outcome = DeliveryAttempt.Outcome
OVERDUE_DAY = dt.date(2024, 10, 8)


@pytest.fixture
def w():
    return world()


def _overdue(w, count: int = 1) -> list[int]:
    """`count` overdue items of agency A; today's sweep; the digest ids."""
    for _ in range(count):
        w.item(due_on=dt.date(2024, 9, 30))
    return sweep(OVERDUE_DAY).digest_ids


def _overdue_in_agencies(w, count: int) -> list[int]:
    """One overdue item in each of `count` agencies with a 督办 desk each; today's sweep (one
    email per desk); the digest ids."""
    for n in range(count):
        agency = AgencyFactory()
        ReminderContactFactory(agency=agency, email=f"desk{n}@example.org")
        w.item(agency=agency, due_on=dt.date(2024, 9, 30))
    return sweep(OVERDUE_DAY).digest_ids


def _outcomes(digest_id: int) -> list[str]:
    return list(
        DeliveryAttempt.objects.filter(digest_id=digest_id)
        .order_by("number")
        .values_list("outcome", flat=True)
    )


def test_the_raw_message_is_utf8_with_an_encoded_chinese_subject(smtp, w):
    [digest_id] = _overdue(w, 2)

    digests_deliver(digest_ids=[digest_id])

    [received] = smtp.recorder.received
    headers = received.raw.split(b"\r\n\r\n", 1)[0]
    headers.decode("ascii")  # every header line is 7-bit: the Chinese is RFC 2047-encoded
    raw_subject = message_from_bytes(received.raw, policy=policy.compat32)["Subject"]
    assert "=?utf-8?b?" in raw_subject
    digest = ReminderDigest.objects.get(pk=digest_id)
    assert str(make_header(decode_header(raw_subject))) == digest.subject
    assert digest.subject == "【红色督办】督查督办：2项事项需要您办理（10月8日）"
    message = message_from_bytes(received.raw, policy=policy.default)
    assert message["From"] == "督查督办系统 <duban@localhost>"
    assert message["To"] == w.desk
    assert message["Message-ID"] == digest.message_id
    text, html = (part for part in message.walk() if not part.is_multipart())
    assert (text.get_content_type(), text.get_content_charset()) == ("text/plain", "utf-8")
    assert (html.get_content_type(), html.get_content_charset()) == ("text/html", "utf-8")
    assert "已超过完成时限（2024-09-30），逾期第1个工作日" in text.get_content()
    assert "http://127.0.0.1:8000/admin/" in html.get_content()
    assert received.rcpt_tos == (w.desk,)


def test_the_message_id_is_derived_from_the_digest_key_and_survives_a_retry(smtp, settings, w):
    settings.REMINDERS_SMTP_BACKOFF_SECONDS = 60
    [digest_id] = _overdue(w)
    smtp.recorder.temporary_failures = 1  # 451 at DATA, then accepted

    digests_deliver(digest_ids=[digest_id])
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        digests_deliver_due()

    digest = ReminderDigest.objects.get(pk=digest_id)
    first, second = (message_from_bytes(r.raw, policy=policy.default) for r in smtp.recorder.seen)
    assert first["Message-ID"] == second["Message-ID"] == digest.message_id
    assert digest.message_id.startswith("<reminder.20241008.")
    assert first.get_body(("plain",)).get_content() == second.get_body(("plain",)).get_content()
    assert smtp.recorder.count() == 1
    assert _outcomes(digest_id) == [Outcome.TRANSIENT, Outcome.SENT]


def test_smtp_down_then_back_retries_with_back_off_then_sends_once(settings, w):
    settings.REMINDERS_SMTP_BACKOFF_SECONDS = 60
    port = free_port()
    smtp_settings(settings, port)  # nothing listens there yet
    [digest_id] = _overdue(w)

    first = digests_deliver(digest_ids=[digest_id])
    server = SMTPServer(port).start()
    try:
        too_early = digests_deliver_due()
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
            later = digests_deliver_due()
    finally:
        server.stop()

    assert (first.retry, too_early.claimed, later.sent) == (1, 0, 1)
    assert server.recorder.count() == 1
    assert _outcomes(digest_id) == [Outcome.TRANSIENT, Outcome.SENT]
    assert ReminderDigest.objects.get(pk=digest_id).status == Status.SENT


def test_retries_are_bounded(settings, w):
    settings.REMINDERS_SMTP_MAX_ATTEMPTS = 3
    settings.REMINDERS_SMTP_BACKOFF_SECONDS = 60
    smtp_settings(settings, free_port())  # down for good
    [digest_id] = _overdue(w)

    digests_deliver(digest_ids=[digest_id])
    for minutes in (2, 5, 10, 20):
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes)):
            digests_deliver_due()

    digest = ReminderDigest.objects.get(pk=digest_id)
    assert (digest.status, digest.attempts) == (Status.FAILED, 3)
    assert _outcomes(digest_id) == [Outcome.TRANSIENT] * 3
    assert "ConnectionRefusedError" in digest.last_error


def test_a_bad_address_fails_permanently_and_is_not_retried(smtp, w):
    bad = f"nobody@{REFUSED_DOMAIN}"
    ReminderContactFactory(agency=w.agency, email=bad)
    digest_ids = _overdue(w)

    stats = digests_deliver(digest_ids=digest_ids)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        again = digests_deliver_due()

    failed = ReminderDigest.objects.get(recipient=bad)
    assert (stats.sent, stats.failed, again.claimed) == (1, 1, 0)
    assert failed.status == Status.FAILED
    assert "550" in failed.last_error
    assert list(failed.delivery_attempts.values_list("outcome", "smtp_code")) == [
        (Outcome.PERMANENT, 550)
    ]
    assert smtp.recorder.count() == 1
    assert [r.rcpt_tos for r in smtp.recorder.received] == [(w.desk,)]
    assert list(failed_digests_visible_to(w.coordinator)) == [failed]


def test_an_expired_lease_is_claimed_again_and_the_interrupted_attempt_recorded(smtp, settings, w):
    settings.REMINDERS_SEND_LEASE_SECONDS = 300
    [digest_id] = _overdue(w)
    digests_claim(digest_ids=[digest_id], token=uuid.uuid4())  # a worker that then died

    while_leased = digests_deliver(digest_ids=[digest_id])
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301)):
        after_expiry = digests_deliver_due()

    assert (while_leased.claimed, after_expiry.sent) == (0, 1)
    assert smtp.recorder.count() == 1
    assert _outcomes(digest_id) == [Outcome.INTERRUPTED, Outcome.SENT]
    assert list(
        DeliveryAttempt.objects.filter(digest_id=digest_id).values_list("number", flat=True)
    ) == [1, 2]


def test_delivering_the_same_digest_twice_sends_one_email(smtp, w):
    digest_ids = _overdue(w)

    first = digests_deliver(digest_ids=digest_ids)
    second = digests_deliver(digest_ids=digest_ids)

    assert (first.sent, second.claimed) == (1, 0)
    assert smtp.recorder.count() == 1
    assert DeliveryAttempt.objects.count() == 1


def test_items_completed_since_the_sweep_are_left_out(smtp, w):
    [digest_id] = _overdue(w, 2)
    done = Responsibility.objects.filter(agency=w.agency).first()
    Responsibility.objects.filter(pk=done.pk).update(status=S.COMPLETED)

    digests_deliver(digest_ids=[digest_id])

    assert "1项事项" in smtp.recorder.received[0].message["Subject"]


def test_nothing_is_sent_when_every_item_was_completed_since_the_sweep(smtp, w):
    [digest_id] = _overdue(w, 2)
    Responsibility.objects.filter(agency=w.agency).update(status=S.COMPLETED)

    stats = digests_deliver(digest_ids=[digest_id])

    assert stats.cancelled == 1
    assert smtp.recorder.count() == 0
    assert ReminderDigest.objects.get(pk=digest_id).status == Status.CANCELLED


def test_each_email_of_a_batch_costs_only_the_statements_that_record_it(smtp, w):
    digest_ids = _overdue_in_agencies(w, 22)

    with CaptureQueriesContext(connection) as two:
        digests_deliver(digest_ids=digest_ids[:2])
    with CaptureQueriesContext(connection) as twenty:
        digests_deliver(digest_ids=digest_ids[2:])

    # PostgreSQL: one statement (UPDATE … and INSERT … in one WITH). SQLite: UPDATE and INSERT
    # in a transaction, a savepoint inside the test's (SAVEPOINT, UPDATE, INSERT, RELEASE).
    per_email = 1 if connection.vendor == "postgresql" else 4
    assert len(twenty) == len(two) + 18 * per_email
    assert smtp.recorder.count() == 22
    assert DeliveryAttempt.objects.filter(outcome=Outcome.SENT).count() == 22


def test_each_outcome_is_recorded_before_the_next_email_is_sent(smtp, w, monkeypatch):
    digest_ids = _overdue_in_agencies(w, 3)
    recorded, send = [], Session.send

    def counting_send(session, digest, rendered):
        recorded.append(
            (
                DeliveryAttempt.objects.count(),
                ReminderDigest.objects.filter(status=Status.SENT).count(),
            )
        )
        send(session, digest, rendered)

    monkeypatch.setattr(Session, "send", counting_send)

    stats = digests_deliver(digest_ids=digest_ids)

    assert recorded == [(0, 0), (1, 1), (2, 2)]
    assert stats.sent == DeliveryAttempt.objects.count() == 3


class Killed(BaseException):
    """The worker process dies (SIGKILL): nothing after this point of the batch runs."""


@pytest.mark.parametrize(
    ("acknowledged", "received_per_digest"),
    [(True, [1, 1, 2, 1, 1]), (False, [1, 1, 1, 1, 1])],
    ids=["after-the-smtp-ack", "before-the-smtp-ack"],
)
def test_a_worker_killed_at_the_third_email_resends_at_most_that_one(
    smtp, settings, w, monkeypatch, acknowledged, received_per_digest
):
    settings.REMINDERS_SEND_LEASE_SECONDS = 300
    digest_ids = _overdue_in_agencies(w, 5)
    desks = list(
        ReminderDigest.objects.filter(pk__in=digest_ids)
        .order_by("pk")
        .values_list("recipient", flat=True)
    )
    sends, send = [], Session.send

    def killed_at_the_third(session, digest, rendered):
        sends.append(digest.pk)
        if len(sends) == 3 and not acknowledged:
            raise Killed  # at RCPT TO, say: the server has not accepted it
        send(session, digest, rendered)
        if len(sends) == 3:
            raise Killed  # the server answered 250; its outcome is not recorded yet

    def dead_after_the_third(execute, sql, params, many, context):
        if len(sends) >= 3:
            raise Killed  # a dead process writes nothing more (not even in a `finally`)
        return execute(sql, params, many, context)

    with monkeypatch.context() as patch, connection.execute_wrapper(dead_after_the_third):
        patch.setattr(Session, "send", killed_at_the_third)
        with pytest.raises(Killed):
            digests_deliver(digest_ids=digest_ids)

    statuses = list(
        ReminderDigest.objects.filter(pk__in=digest_ids)
        .order_by("pk")
        .values_list("status", flat=True)
    )
    assert statuses == [Status.SENT] * 2 + [Status.SENDING] * 3
    assert [_outcomes(pk) for pk in digest_ids] == [[Outcome.SENT]] * 2 + [[]] * 3
    assert smtp.recorder.count() == (3 if acknowledged else 2)

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301)):
        recovery = digests_deliver_due()

    assert (recovery.claimed, recovery.sent) == (3, 3)
    assert smtp.recorder.per_recipient(desks) == received_per_digest
    assert [_outcomes(pk) for pk in digest_ids] == [[Outcome.SENT]] * 2 + [
        [Outcome.INTERRUPTED, Outcome.SENT]
    ] * 3
    assert set(
        ReminderDigest.objects.filter(pk__in=digest_ids).values_list("status", flat=True)
    ) == {Status.SENT}
    third = [r.message["Message-ID"] for r in smtp.recorder.to(desks[2])]
    assert third == [ReminderDigest.objects.get(pk=digest_ids[2]).message_id] * len(third)


def test_what_was_sent_is_recorded_when_a_later_email_of_the_batch_raises(smtp, w, monkeypatch):
    first, second = _overdue_in_agencies(w, 2)
    render = delivery._rendered

    def broken_second(digest, rows, labels):
        if digest.pk == second:
            raise RuntimeError("a bug in rendering")
        return render(digest, rows, labels)

    monkeypatch.setattr(delivery, "_rendered", broken_second)

    with pytest.raises(RuntimeError):
        digests_deliver(digest_ids=[first, second])

    assert ReminderDigest.objects.get(pk=first).status == Status.SENT
    assert _outcomes(first) == [Outcome.SENT]
    assert ReminderDigest.objects.get(pk=second).status == Status.SENDING  # until its lease ends
    assert _outcomes(second) == []
    assert smtp.recorder.count() == 1


def test_a_lease_taken_over_during_the_batch_keeps_the_new_claim_and_records_the_attempt(
    smtp, w, monkeypatch
):
    [digest_id] = _overdue(w)
    other, send, taken_over = uuid.uuid4(), Session.send, []

    def send_then_lose_the_lease(session, digest, rendered):
        send(session, digest, rendered)
        # Our lease ran out meanwhile and another worker claimed the digest.
        ReminderDigest.objects.filter(pk=digest.pk).update(claim_token=other)
        taken_over.append(ReminderDigest.objects.filter(pk=digest.pk).values().get())

    monkeypatch.setattr(Session, "send", send_then_lose_the_lease)

    digests_deliver(digest_ids=[digest_id])

    after = ReminderDigest.objects.filter(pk=digest_id).values().get()
    assert after == taken_over[0]  # the new holder's state, untouched
    assert (after["status"], after["claim_token"], after["sent_at"]) == (
        Status.SENDING,
        other,
        None,
    )
    assert _outcomes(digest_id) == [Outcome.SENT]
    assert smtp.recorder.count() == 1


def test_back_off_doubles_and_is_capped(settings):
    settings.REMINDERS_SMTP_BACKOFF_SECONDS = 60
    settings.REMINDERS_SMTP_BACKOFF_MAX_SECONDS = 600

    assert [backoff(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]
