"""Mail over SMTP, against a small SMTP server on a loopback socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from server.config import Settings
from server.mail import MailError, SmtpMailer, compose


@dataclass
class FakeSmtp:
    """Enough of RFC 5321 for smtplib: no STARTTLS offered, anything accepted."""

    port: int = 0
    commands: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    data: list[bytes] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake ESMTP\r\n")
        while line := await reader.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            self.commands.append(verb)
            if verb == "EHLO":
                writer.write(b"250-fake\r\n250 AUTH PLAIN\r\n")
            elif verb == "RCPT":
                self.recipients.append(line.decode().strip().split(":", 1)[1])
                writer.write(b"250 ok\r\n")
            elif verb == "DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                self.data.append(await reader.readuntil(b"\r\n.\r\n"))
                writer.write(b"250 queued\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    fake = FakeSmtp()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    async with server:
        yield fake


async def test_a_mail_goes_to_its_one_addressee(smtp: FakeSmtp) -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    await mailer.send(compose(Settings(), "ada@example.org", "Hello", "Code 1234 5678."))
    assert smtp.recipients == ["<ada@example.org>"]
    assert b"Code 1234 5678." in smtp.data[0]
    assert "AUTH" not in smtp.commands


async def test_no_password_in_clear(smtp: FakeSmtp) -> None:
    mailer = SmtpMailer(f"smtp://me:s%40cret@127.0.0.1:{smtp.port}")
    assert mailer.password == "s@cret" and "cret" not in repr(mailer)
    with pytest.raises(MailError, match="does not offer STARTTLS"):
        await mailer.send(compose(Settings(), "ada@example.org", "Hello", "text"))
    assert "AUTH" not in smtp.commands and smtp.data == []


async def test_an_unreachable_server_is_a_mail_error() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(MailError, match="failed"):
        await SmtpMailer(f"smtps://127.0.0.1:{port}").send(
            compose(Settings(), "ada@example.org", "Hello", "text"))
