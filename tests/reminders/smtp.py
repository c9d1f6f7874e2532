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
class Hold:
    """Stop the session at the `nth` RCPT TO ("rcpt": before the message is sent) or after the
    `nth` message was accepted ("accepted": recorded as received, the 250 not yet answered),
    until released: a client killed meanwhile has, or has not, delivered its email."""

    stage: str
    nth: int
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    async def wait(self) -> None:
        self.reached.set()
        await asyncio.get_running_loop().run_in_executor(None, self.released.wait, 60)


@dataclass
class Recorder:
    """aiosmtpd handler: records every message; refuses REFUSED_DOMAIN with 550; can hold a
    session (see Hold) or answer 451 to the next N messages."""

    received: list[Received] = field(default_factory=list)
    seen: list[Received] = field(default_factory=list)  # also the ones answered with 451
    hold: Hold | None = None
    rcpts: int = 0
    temporary_failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith("@" + REFUSED_DOMAIN):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        with self.lock:
            self.rcpts += 1
            hold = self._hold("rcpt", self.rcpts)
        if hold:
            await hold.wait()
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
            hold = self._hold("accepted", len(self.received))
        if hold:
            await hold.wait()
        return "250 2.0.0 Message accepted for delivery"

    def _hold(self, stage: str, count: int) -> Hold | None:
        hold = self.hold
        return hold if hold and (hold.stage, hold.nth) == (stage, count) else None

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]

    def per_recipient(self, addresses) -> list[int]:
        """How many messages each of `addresses` received, in that order."""
        return [len(self.to(address)) for address in addresses]


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
