"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, a random port, in this process."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

REFUSED_DOMAIN = "invalid.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class Recorder:
    """aiosmtpd handler: records every message; refuses REFUSED_DOMAIN with 550; can hold a
    session at RCPT (to kill a client mid-send) or answer 451 to the next N messages."""

    received: list[Received] = field(default_factory=list)
    seen: list[Received] = field(default_factory=list)  # also the ones answered with 451
    hold_rcpt: threading.Event | None = None
    rcpt_reached: threading.Event = field(default_factory=threading.Event)
    temporary_failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith("@" + REFUSED_DOMAIN):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if self.hold_rcpt is not None:
            self.rcpt_reached.set()
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.hold_rcpt.wait, 60)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content)
        with self.lock:
            self.seen.append(message)
            if self.temporary_failures:
                self.temporary_failures -= 1
                return "451 4.3.0 Temporary local problem, try again later"
            self.received.append(message)
        return "250 2.0.0 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]


class SMTPServer:
    """Start/stop an aiosmtpd Controller on a fixed port (so it can be "down, then back")."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> SMTPServer:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.recorder.count() < count:
            time.sleep(0.02)
        return self.recorder.count()
