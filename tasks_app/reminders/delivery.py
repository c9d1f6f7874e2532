"""Sending digests exactly once.

A worker claims digests with one compare-and-set UPDATE (pending / retry due / lease expired →
sending, with its own claim token and a lease). Only the holder of the token sends, over one SMTP
connection per batch. Each email's outcome and its DeliveryAttempt row are written once the SMTP
server has answered, together with those of the emails sent just before it (one transaction per
50 emails or second, and at the end of the batch). A worker killed mid-send leaves the digests
it had not yet recorded "sending" until its lease runs out; the next claim records the
interrupted attempt and sends again (with the same Message-ID). Transient SMTP errors are retried
with exponential back-off up to REMINDERS_SMTP_MAX_ATTEMPTS; permanent ones (recipient refused
with 5xx, malformed address) fail at once and are shown in the admin.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import smtplib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from tasks_app.models import DeliveryAttempt, ReminderDigest

from .mime import Session
from .rendering import Labels, Rendered, digest_render, rows_by_digest
from .selectors import claimable

logger = logging.getLogger(__name__)
Status = ReminderDigest.Status
Outcome = DeliveryAttempt.Outcome


@dataclass(frozen=True)
class Failure:
    permanent: bool
    error: str
    code: int | None = None


@dataclass
class DeliveryStats:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    cancelled: int = 0


# Outcomes are written together, at most this many emails or seconds after the first of them.
OUTCOMES_EVERY = 50
OUTCOMES_SECONDS = 1.0


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDERS_SEND_LEASE_SECONDS)


def backoff(attempt: int) -> dt.timedelta:
    """Seconds to wait after the `attempt`-th failure: base × 2^(attempt-1), capped."""
    seconds = settings.REMINDERS_SMTP_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.REMINDERS_SMTP_BACKOFF_MAX_SECONDS))


def failure_classify(exc: BaseException) -> Failure:
    """Permanent: the server refused the recipient or the message with 5xx, or the address is
    malformed. Everything else (4xx, connection refused or dropped, timeouts) is transient."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(
            f"{address}: {code} {message.decode(errors='replace') if isinstance(message, bytes) else message}"
            for address, (code, message) in exc.recipients.items()
        )
        return Failure(permanent=all(code >= 500 for code in codes), error=detail, code=max(codes))
    if isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPSenderRefused):
        message = exc.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return Failure(permanent=exc.smtp_code >= 500, error=text, code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPResponseException):
        return Failure(permanent=False, error=str(exc), code=exc.smtp_code)
    if isinstance(exc, ValueError | UnicodeError | smtplib.SMTPNotSupportedError):
        # sanitize_address: not an address; or an address the server cannot take (SMTPUTF8)
        return Failure(permanent=True, error=f"收件地址无效：{exc}")
    return Failure(permanent=False, error=f"{type(exc).__name__}: {exc}")


def digests_claim(*, digest_ids: Sequence[int], token: uuid.UUID) -> list[ReminderDigest]:
    """Claim whichever of `digest_ids` are claimable, with one compare-and-set UPDATE. A claim
    taken over from an expired lease records the interrupted attempt."""
    now = timezone.now()
    with transaction.atomic():
        expired = dict(
            ReminderDigest.objects.filter(
                pk__in=digest_ids, status=Status.SENDING, lease_until__lt=now
            ).values_list("pk", "claimed_at")
        )
        ReminderDigest.objects.filter(claimable(now), pk__in=digest_ids).update(
            status=Status.SENDING,
            claim_token=token,
            claimed_at=now,
            lease_until=now + _lease(),
            next_attempt_at=None,
            attempts=F("attempts") + 1,
        )
        claimed = list(ReminderDigest.objects.filter(claim_token=token).order_by("pk"))
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                digest=digest,
                number=digest.attempts - 1,
                started_at=expired[digest.pk] or now,
                finished_at=now,
                outcome=Outcome.INTERRUPTED,
                error="发送过程中进程终止，租约到期后重新领取并重试。",
            )
            for digest in claimed
            if digest.pk in expired
        )
    return claimed


@dataclass
class _Outcome:
    """One email's outcome, until it is written."""

    digest: ReminderDigest
    status: str
    fields: dict
    attempt: DeliveryAttempt


def _outcome(
    *,
    digest: ReminderDigest,
    started: dt.datetime,
    rendered: Rendered,
    failure: Failure | None,
) -> _Outcome:
    """The digest's new state and the attempt's row, after the SMTP server answered."""
    now = timezone.now()
    fields = {
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "lease_until": None,
        "sent_at": None,
        "next_attempt_at": None,
        "last_error": failure.error if failure else "",
    }
    if failure is None:
        status, outcome = Status.SENT, Outcome.SENT
        fields["sent_at"] = now
    elif failure.permanent or digest.attempts >= settings.REMINDERS_SMTP_MAX_ATTEMPTS:
        status = Status.FAILED
        outcome = Outcome.PERMANENT if failure.permanent else Outcome.TRANSIENT
    else:
        status, outcome = Status.RETRY, Outcome.TRANSIENT
        fields["next_attempt_at"] = now + backoff(digest.attempts)
    fields["status"] = status
    attempt = DeliveryAttempt(
        digest_id=digest.pk,
        number=digest.attempts,
        started_at=started,
        finished_at=now,
        outcome=outcome,
        smtp_code=failure.code if failure else None,
        error=failure.error if failure else "",
    )
    return _Outcome(digest=digest, status=status, fields=fields, attempt=attempt)


OUTCOME_FIELDS = (
    "status",
    "subject",
    "body_text",
    "body_html",
    "lease_until",
    "sent_at",
    "next_attempt_at",
    "last_error",
)


@functools.cache
def _outcome_sql() -> str:
    """One digest's new state, by id (the ORM's bulk_update builds a CASE per field and row,
    costing more than rendering the emails)."""
    meta = ReminderDigest._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in OUTCOME_FIELDS)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"


def _executemany(statement: str, rows: list[list]) -> None:
    """On PostgreSQL with server-side binding: psycopg prepares the statement once and sends
    every row in one pipeline, and the rendered bodies travel as parameters rather than escaped
    into the SQL (Django's cursor binds on the client). Elsewhere, Django's cursor."""
    if not rows:
        return
    if connection.vendor != "postgresql":  # psycopg is only imported for PostgreSQL
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)
        return
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.executemany(statement, rows)


def outcomes_write(*, outcomes: Sequence[_Outcome], token: uuid.UUID) -> int:
    """The new state of the digests still claimed with `token` (a digest whose lease was taken
    over keeps the new holder's state) and every attempt, in one transaction; returns how many
    digests were updated."""
    if not outcomes:
        return 0
    with transaction.atomic():
        ours = set(
            ReminderDigest.objects.select_for_update()
            .filter(pk__in=[outcome.digest.pk for outcome in outcomes], claim_token=token)
            .values_list("pk", flat=True)
        )
        rows = []
        for outcome in outcomes:
            if outcome.digest.pk not in ours:
                logger.warning(
                    "催办邮件 %s 的租约已被他人接管，结果仅记录为一次尝试", outcome.digest.pk
                )
                continue
            for name, value in outcome.fields.items():
                setattr(outcome.digest, name, value)
            rows.append([*(outcome.fields[name] for name in OUTCOME_FIELDS), outcome.digest.pk])
        _executemany(_outcome_sql(), rows)
        DeliveryAttempt.objects.bulk_create([outcome.attempt for outcome in outcomes])
    return len(rows)


class _Outcomes:
    """Outcomes waiting to be written: written together every OUTCOMES_EVERY emails or
    OUTCOMES_SECONDS, whichever comes first, and at the end of the batch. One transaction per
    email would cost more than sending it (a WAL flush each); the price is that a worker killed
    in between sends those few emails again, once their lease runs out (same Message-ID, the
    interrupted attempt recorded)."""

    def __init__(self, token: uuid.UUID, stats: DeliveryStats) -> None:
        self.token = token
        self.stats = stats
        self.waiting: list[_Outcome] = []
        self.since = time.monotonic()

    def add(self, outcome: _Outcome) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append(outcome)
        if len(self.waiting) >= OUTCOMES_EVERY or time.monotonic() - self.since >= OUTCOMES_SECONDS:
            self.write()

    def write(self) -> None:
        waiting, self.waiting = self.waiting, []
        outcomes_write(outcomes=waiting, token=self.token)
        for outcome in waiting:
            setattr(self.stats, outcome.status, getattr(self.stats, outcome.status) + 1)


def _cancel(digest: ReminderDigest, token: uuid.UUID) -> None:
    ReminderDigest.objects.filter(pk=digest.pk, claim_token=token).update(
        status=Status.CANCELLED, lease_until=None, last_error="所列事项均已办结或中止，无需发送。"
    )


def _send(session: Session, digest: ReminderDigest, rendered: Rendered) -> Failure | None:
    try:
        session.send(digest, rendered)
    except Exception as exc:
        session.reset()  # a broken session must not be reused for the next email
        return failure_classify(exc)
    return None


def _rendered(digest: ReminderDigest, rows, labels: Labels) -> Rendered | None:
    """A retry sends exactly what was rendered before; a first attempt renders now."""
    if digest.subject:
        return Rendered(digest.subject, digest.body_text, digest.body_html)
    return digest_render(
        recipient_name=digest.recipient_name, day=digest.day, rows=rows, labels=labels
    )


class _LeaseKeeper:
    """Extends the batch's lease while it is being worked through."""

    def __init__(self, token: uuid.UUID) -> None:
        self.token = token
        self.renewed = time.monotonic()

    def tick(self) -> None:
        if time.monotonic() - self.renewed < settings.REMINDERS_SEND_LEASE_SECONDS / 3:
            return
        ReminderDigest.objects.filter(claim_token=self.token, status=Status.SENDING).update(
            lease_until=timezone.now() + _lease()
        )
        self.renewed = time.monotonic()


def digests_deliver(*, digest_ids: Sequence[int]) -> DeliveryStats:
    """Claim and send these digests over one SMTP connection; safe to call twice or from several
    workers at once (only one claim succeeds per digest)."""
    token = uuid.uuid4()
    claimed = digests_claim(digest_ids=digest_ids, token=token)
    stats = DeliveryStats(claimed=len(claimed))
    if not claimed:
        return stats
    rows = rows_by_digest(claimed)
    keeper = _LeaseKeeper(token)
    labels = Labels()
    session = Session()
    outcomes = _Outcomes(token, stats)
    try:
        for digest in claimed:
            keeper.tick()
            rendered = _rendered(digest, rows.get(digest.pk, []), labels)
            if rendered is None:
                _cancel(digest, token)
                stats.cancelled += 1
                continue
            started = timezone.now()
            failure = _send(session, digest, rendered)
            outcomes.add(
                _outcome(digest=digest, started=started, rendered=rendered, failure=failure)
            )
    finally:
        session.close()
        outcomes.write()  # what was sent is recorded even if a later digest raised
    return stats


def digests_requeue(*, digest_ids: Sequence[int]) -> int:
    """Failed emails back to pending (after the mail server or an address was fixed), for one
    more attempt each; earlier attempts stay recorded."""
    from .sweep import delivery_enqueue

    with transaction.atomic():
        ids = list(
            ReminderDigest.objects.filter(pk__in=digest_ids, status=Status.FAILED).values_list(
                "pk", flat=True
            )
        )
        ReminderDigest.objects.filter(pk__in=ids).update(
            status=Status.PENDING, next_attempt_at=None, last_error=""
        )
        transaction.on_commit(lambda: delivery_enqueue(ids))
    return len(ids)


def digests_deliver_due(
    *, limit: int = 10_000, pending_grace: dt.timedelta | None = None
) -> DeliveryStats:
    """Deliver what is waiting in the database: retries that are due, leases that expired, and
    pending digests whose broker message may have been lost (older than `pending_grace`)."""
    from .selectors import due_digest_ids

    total = DeliveryStats()
    ids = due_digest_ids(limit=limit, pending_grace=pending_grace)
    size = settings.REMINDERS_DELIVERY_BATCH
    for start in range(0, len(ids), size):
        stats = digests_deliver(digest_ids=ids[start : start + size])
        for name in ("claimed", "sent", "retry", "failed", "cancelled"):
            setattr(total, name, getattr(total, name) + getattr(stats, name))
    return total
