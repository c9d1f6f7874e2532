"""Sending digests exactly once.

A worker claims digests with one compare-and-set UPDATE (pending / retry due / lease expired →
sending, with its own claim token and a lease). Only the holder of the token sends, over one SMTP
connection per batch, one email at a time: as soon as the server has answered an email, its
outcome (the digest's new status) and its DeliveryAttempt row are committed together (one
statement on PostgreSQL, one short transaction elsewhere), before the next email is sent.

What a worker killed mid-batch can cause, and what it cannot:
- Emails whose outcome was committed stay as recorded: never sent again, never lost.
- The other digests of its batch stay "sending" until the lease runs out; then the next claim
  records each one's interrupted attempt (DeliveryAttempt "interrupted") and sends it.
- Of those, only the one email in flight, accepted by the server with its outcome not yet
  committed, can have reached the recipient already: it is the one email that can arrive twice,
  with the same Message-ID (derived from the digest's key), so that the duplicate is
  recognisable. No SMTP client can close that window: the server's acknowledgement and the
  database commit are two systems.
Not a kill but akin to one: a worker stalled for longer than REMINDERS_SEND_LEASE_SECONDS (the
lease is renewed while it works) can have its digests claimed by another, and both may send; the
stalled one then records its attempt but leaves the digest's state to the new holder.

Transient SMTP errors are retried with exponential back-off up to REMINDERS_SMTP_MAX_ATTEMPTS;
permanent ones (recipient refused with 5xx, malformed address) fail at once and are shown in the
admin.
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
from .rendering import Rendered, digest_render, rows_by_digest
from .selectors import claimable
from .wording import Labels

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
ATTEMPT_FIELDS = ("digest", "number", "started_at", "finished_at", "outcome", "smtp_code", "error")


def _outcome(
    *,
    digest: ReminderDigest,
    started: dt.datetime,
    rendered: Rendered,
    failure: Failure | None,
) -> tuple[dict, DeliveryAttempt]:
    """The digest's new fields and the attempt's row, once the SMTP server has answered."""
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
    return fields, attempt


@functools.cache
def _record_sql() -> str:
    """PostgreSQL: the digest's new state (if still claimed with the token) and the attempt's
    row in one statement, so one round trip and one commit per email."""
    quote = connection.ops.quote_name
    digests, attempts = ReminderDigest._meta, DeliveryAttempt._meta

    def column(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    assignments = ", ".join(f"{column(digests, name)} = %s" for name in OUTCOME_FIELDS)
    names = ", ".join(column(attempts, name) for name in ATTEMPT_FIELDS)
    values = ", ".join(["%s"] * len(ATTEMPT_FIELDS))
    return (
        f"WITH ours AS (UPDATE {quote(digests.db_table)} SET {assignments} "
        f"WHERE {quote(digests.pk.column)} = %s AND {column(digests, 'claim_token')} = %s "
        f"RETURNING 1), "
        f"attempt AS (INSERT INTO {quote(attempts.db_table)} ({names}) VALUES ({values})) "
        "SELECT count(*) FROM ours"
    )


def _record_postgresql(
    *, digest_id: int, token: uuid.UUID, fields: dict, attempt: DeliveryAttempt
) -> bool:
    """With server-side binding (psycopg's own cursor, wrapped like Django's so that the
    statement is logged and counted): the rendered bodies travel as parameters instead of being
    escaped into the SQL."""
    import psycopg  # only imported for PostgreSQL

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    params = [
        *(fields[name] for name in OUTCOME_FIELDS),
        digest_id,
        token,
        *(
            getattr(attempt, DeliveryAttempt._meta.get_field(name).attname)
            for name in ATTEMPT_FIELDS
        ),
    ]
    with wrap(raw) as cursor:
        cursor.execute(_record_sql(), params)
        return cursor.fetchone()[0] == 1


def outcome_record(
    *, digest: ReminderDigest, token: uuid.UUID, fields: dict, attempt: DeliveryAttempt
) -> bool:
    """Commit one email's outcome as soon as the SMTP server has answered, before the next email
    is sent: the digest's new state, if it is still claimed with `token` (a digest whose lease
    was taken over keeps the new holder's state), and the attempt, always. Returns whether the
    digest was ours. Called outside any transaction (autocommit), so a worker killed afterwards
    cannot undo it."""
    if connection.vendor == "postgresql":
        ours = _record_postgresql(digest_id=digest.pk, token=token, fields=fields, attempt=attempt)
    else:
        with transaction.atomic():
            ours = bool(
                ReminderDigest.objects.filter(pk=digest.pk, claim_token=token).update(**fields)
            )
            attempt.save(force_insert=True)
    if ours:
        for name, value in fields.items():
            setattr(digest, name, value)
    else:
        logger.warning("催办邮件 %s 的租约已被他人接管，结果仅记录为一次尝试", digest.pk)
    return ours


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
            fields, attempt = _outcome(
                digest=digest, started=started, rendered=rendered, failure=failure
            )
            outcome_record(digest=digest, token=token, fields=fields, attempt=attempt)
            setattr(stats, fields["status"], getattr(stats, fields["status"]) + 1)
    finally:
        session.close()
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
