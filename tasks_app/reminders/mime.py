"""The digest on the wire: MIME bytes built directly, and the SMTP session that sends them.

Django's EmailMessage spends about a millisecond per message folding headers in the email
package; a worker sending hundreds of digests a second builds the same multipart/alternative
message here in a few dozen microseconds: RFC 2047-encoded headers, UTF-8 text and HTML parts
(8bit, or base64 for a part with a line longer than SMTP allows). Backends that are not SMTP
(console, locmem in tests) get Django's EmailMessage instead, with the same headers.
"""

from __future__ import annotations

import base64
import datetime as dt
import smtplib
import uuid
from email.utils import format_datetime, formataddr, parseaddr

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import sanitize_address
from django.utils import timezone

from tasks_app.models import ReminderDigest

from .rendering import Rendered, email_message

MAX_LINE = 998  # bytes per line in SMTP (RFC 5321), CRLF excluded


# Characters per encoded word: 11 × at most 4 UTF-8 bytes → 60 base64 characters, 72 in all
# with "=?utf-8?b?…?=", within RFC 2047's 75.
WORD_CHARS = 11


def _header(value: str) -> str:
    """An unstructured header value, RFC 2047-encoded (base64 "B" words of whole characters,
    folded) when it is not plain ASCII."""
    if value.isascii():
        return value
    words = (
        "=?utf-8?b?"
        + base64.b64encode(value[start : start + WORD_CHARS].encode("utf-8")).decode("ascii")
        + "?="
        for start in range(0, len(value), WORD_CHARS)
    )
    return "\r\n ".join(words)


def _recipient(address: str) -> str:
    """The address as SMTP takes it. Plain ASCII is passed as is (the server refuses a bad
    one: a permanent failure); others go through Django's sanitize_address (IDNA domains;
    ValueError for what is not an address)."""
    return address if address.isascii() else sanitize_address(address, "utf-8")


def address_header(value: str) -> str:
    """A From header value: "名称 <addr>" with the display name RFC 2047-encoded."""
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


def _part(content_type: str, body: str) -> bytes:
    encoded = body.replace("\r\n", "\n").encode("utf-8").replace(b"\n", b"\r\n")
    if max(map(len, encoded.split(b"\r\n"))) <= MAX_LINE:
        encoding, payload = "8bit", encoded
    else:
        encoding, payload = "base64", base64.encodebytes(encoded).replace(b"\n", b"\r\n")
    head = (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        f"MIME-Version: 1.0\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return head.encode("ascii") + payload


def message_bytes(
    *,
    sender: str,
    recipient: str,
    rendered: Rendered,
    message_id: str,
    date: dt.datetime,
) -> bytes:
    """A multipart/alternative message (plain text first, then HTML); `sender` is a From header
    value, already encoded (see `address_header`)."""
    boundary = f"===============duban{uuid.uuid4().hex}=="
    headers = (
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'
        "MIME-Version: 1.0\r\n"
        f"Subject: {_header(rendered.subject)}\r\n"
        f"From: {sender}\r\n"
        f"To: {recipient}\r\n"
        f"Date: {format_datetime(date)}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "X-Auto-Response-Suppress: All\r\n\r\n"
    ).encode("ascii")
    separator = f"\r\n--{boundary}\r\n".encode("ascii")
    return b"".join(
        [
            headers,
            separator[2:],
            _part("text/plain", rendered.text),
            separator,
            _part("text/html", rendered.html),
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )


class Session:
    """One connection to the mail server for a batch of digests (Django's configured backend)."""

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.sender = address_header(settings.DEFAULT_FROM_EMAIL)
        self.envelope_from = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]

    def send(self, digest: ReminderDigest, rendered: Rendered) -> None:
        """Hand one digest to the server; raises what the server or the address raised."""
        recipient = _recipient(digest.recipient)
        self.backend.open()
        smtp = getattr(self.backend, "connection", None)
        if not isinstance(smtp, smtplib.SMTP):
            self.backend.send_messages([email_message(digest=digest, rendered=rendered)])
            return
        data = message_bytes(
            sender=self.sender,
            recipient=recipient,
            rendered=rendered,
            message_id=digest.message_id,
            date=timezone.localtime(),
        )
        smtp.sendmail(self.envelope_from, [recipient], data)

    def reset(self) -> None:
        """Drop a session that failed; the next send opens a new one."""
        self.backend.close()

    def close(self) -> None:
        self.backend.close()
