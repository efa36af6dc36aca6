"""Registration confirmed by mail (CHALLENGE_REGISTRATION=email).

``start`` answers the same whether or not the address has an account, after the same
work (a password hash, a lookup, a row written, one mail): a new address is mailed a
code, an address with an account is told someone tried to register it. The code
completes only the registration that asked for it (its ticket, given to the
requester), so a stranger registering the same address later cannot make the owner's
code create an account with the stranger's password.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from client.models import FieldError, RegistrationPending
from server.mail import MailError, compose, recipient
from server.problems import CODE_INVALID, ProblemError
from server.security import hash_token, new_token
from server.services import Services
from server.tables import PendingRegistrationRow, UserRow

log = logging.getLogger("server.registration")

CODE_DIGITS = 8
CODE_ATTEMPTS = 5  # tries per registration, right or wrong; then it is gone
SUBJECT = "Your Change Challenge registration"


def _new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def _code_hash(ticket: str, code: str) -> str:
    return hashlib.sha256(f"{ticket}:{code}".encode()).hexdigest()


def _code_text(settings_minutes: int, code: str) -> str:
    shown = f"{code[:4]} {code[4:]}"
    return (f"Your Change Challenge confirmation code is\n\n    {shown}\n\n"
            f"Type it where you registered, within {settings_minutes} minutes.\n\n"
            "If you did not ask to register, ignore this mail: no account is made "
            "without the code.\n")


KNOWN_TEXT = (
    "Someone, perhaps you, asked to register a Change Challenge account with this "
    "address, which already has one. No new account was made.\n\n"
    "If it was you, sign in with your password instead (an administrator can help if "
    "you have lost it). If it was not you, you can ignore this mail.\n")


async def start(services: Services, email: str, display_name: str,
                password_hash: str) -> RegistrationPending:
    """Record the registration and mail the address; the answer tells nothing more."""
    settings = services.settings
    assert services.mailer is not None  # Settings: registration=email needs mail
    now = services.now()
    minutes = settings.registration_code_minutes
    ticket = new_token()
    pending = RegistrationPending(status="confirmation_sent", email=email, registration=ticket,
                                  expires_at=now + timedelta(minutes=minutes))
    try:
        recipient(email)
    except ValueError:
        raise ProblemError(422, "Mail cannot be sent to this address.", errors=[
            FieldError(field="email", message="is not an address mail can be sent to")]
            ) from None
    if await services.registration_mails.acquire(email) is not None:
        return pending  # this address had its share of mails for now: same answer, no mail
    async with services.db.read() as session:
        known = (await session.execute(
            select(UserRow.id).where(UserRow.email == email))).first() is not None
    code = _new_code()
    row = PendingRegistrationRow(
        ticket_hash=hash_token(ticket),
        # For a known address, a code nobody is sent: the row is the same work, and
        # can never complete.
        code_hash=_code_hash(ticket, _new_code() if known else code),
        email=email, display_name=display_name, password_hash=password_hash, attempts=0,
        created_at=now, expires_at=pending.expires_at)
    async with services.db.write() as session:
        await session.execute(delete(PendingRegistrationRow)
                              .where(PendingRegistrationRow.expires_at <= now))
        session.add(row)
        await session.commit()
    # Only our words go in the mail; the address is the one field from the request.
    mail = compose(settings, email, SUBJECT, KNOWN_TEXT if known else _code_text(minutes, code))
    try:
        await services.mailer.send(mail)
    except MailError as exc:
        log.error("registration mail not sent: %s", exc)
        raise ProblemError(503, "The confirmation mail could not be sent; try again later."
                           ) from None
    return pending


def _invalid() -> ProblemError:
    return ProblemError(400, "The code is wrong or has expired; register again for a new one.",
                        type=CODE_INVALID,
                        errors=[FieldError(field="code", message="wrong or expired")])


async def confirm(services: Services, ticket: str, code: str) -> UserRow:
    """The account the code completes; one answer for every way a code can fail."""
    now = services.now()
    table = PendingRegistrationRow
    async with services.db.write() as session:
        # Each try uses one of the registration's attempts, atomically: concurrent
        # guesses cannot get more than CODE_ATTEMPTS between them.
        found = (await session.execute(
            update(table)
            .where(table.ticket_hash == hash_token(ticket), table.expires_at > now,
                   table.attempts < CODE_ATTEMPTS)
            .values(attempts=table.attempts + 1)
            .returning(table.id, table.code_hash)
            .execution_options(synchronize_session=False))).first()
        await session.commit()
    if found is None or not hmac.compare_digest(found.code_hash, _code_hash(ticket, code)):
        raise _invalid()
    async with services.db.write() as session:
        # Deleting claims it: of two tries with the right code, one makes the account.
        claimed = (await session.execute(
            delete(table).where(table.id == found.id)
            .returning(table.email, table.display_name, table.password_hash))).first()
        if claimed is None:
            raise _invalid()
        user = UserRow(email=claimed.email, display_name=claimed.display_name,
                       password_hash=claimed.password_hash, role="participant",
                       created_at=now)
        session.add(user)
        try:
            await session.commit()
        except IntegrityError:
            # Only the mailbox's owner gets here (an account was made meanwhile).
            raise ProblemError(409, "This address has an account already; sign in.",
                               errors=[FieldError(field="email", message="has an account")]
                               ) from None
    return user
