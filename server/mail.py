"""Outgoing mail: SMTP (stdlib smtplib, in a thread) or an outbox directory of .eml files."""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import anyio

from server.config import Settings

log = logging.getLogger("server.mail")

SMTP_TIMEOUT = 15.0


class MailError(Exception):
    """The mail could not be handed over; the message says why (no secrets in it)."""


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` over for delivery, or raise MailError."""


class SmtpMailer:
    """smtp://[user:password@]host[:port]: STARTTLS when the server offers it, and
    required before a password is sent; smtps://: TLS from the first byte."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("use smtp://host[:port] or smtps://host[:port]")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None

    def __repr__(self) -> str:  # never the password
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"SmtpMailer({scheme}://{self.host}:{self.port})"

    async def send(self, message: EmailMessage) -> None:
        await anyio.to_thread.run_sync(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        try:
            smtp: smtplib.SMTP
            if self.implicit_tls:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT,
                                        context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
            with smtp:
                smtp.ehlo()
                if not self.implicit_tls:
                    if smtp.has_extn("starttls"):
                        smtp.starttls(context=context)
                        smtp.ehlo()
                    elif self.user is not None:
                        raise MailError(f"{self.host} does not offer STARTTLS; the password "
                                        "is not sent in clear (use smtps:// or a local relay)")
                if self.user is not None:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)  # To holds one checked address (recipient())
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"mail via {self.host}:{self.port} failed: "
                            f"{type(exc).__name__}: {exc}") from exc


class OutboxMailer:
    """Each mail becomes a file in ``directory`` (written whole, then renamed in)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        await anyio.to_thread.run_sync(self._write, message)

    def _write(self, message: EmailMessage) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns()}-{secrets.token_hex(4)}"
            partial = self.directory / f".{name}.tmp"
            partial.write_bytes(bytes(message))
            os.replace(partial, self.directory / f"{name}.eml")
        except OSError as exc:
            raise MailError(f"writing to the outbox {self.directory} failed: {exc}") from exc


def mailer_for(settings: Settings) -> Mailer | None:
    if settings.mail_outbox is not None:
        return OutboxMailer(settings.mail_outbox)
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return None


def recipient(address: str) -> Address:
    """``address`` as one recipient; ValueError if it is not one (e.g. "a,b@c.d")."""
    return Address(addr_spec=address)


def compose(settings: Settings, to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text mail. Only text of ours goes in: never what a requester typed (a
    display name would let anyone send words of their choosing to any address)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = recipient(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    return message
