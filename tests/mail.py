"""Reading the emails a test caused: from the outbox table, or as received by a real SMTP server."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller
from sqlalchemy import select

from course.core.mail import OutboxMessage
from course.extensions import db

LINK_PATTERN = re.compile(r"https?://\S+")


def queued_emails(to: str | None = None) -> list[OutboxMessage]:
    """Every email in the outbox (sent or not), oldest first; call inside an app context."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.recipient == to)
    return list(db.session.scalars(query))


def link_in(message: OutboxMessage, containing: str) -> str:
    """The first link in the email's text whose address contains ``containing``."""
    for link in LINK_PATTERN.findall(message.text_body):
        if containing in link:
            return link
    raise AssertionError(f"no link with {containing!r} in:\n{message.text_body}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ReceivingHandler:
    received: list[Message] = field(default_factory=list)

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: ANN001, N802
        self.received.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class LocalSmtpServer:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = ReceivingHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port)

    @property
    def received(self) -> list[Message]:
        return self.handler.received

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
