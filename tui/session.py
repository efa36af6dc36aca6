"""Who is signed in where, and where the token is kept: the app's model, no widgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from client.config import ClientConfig
from client.credentials import StoreChoice, choose_store
from client.errors import (
    ApiError,
    CertificateError,
    ChallengeError,
    ConnectionFailed,
    RateLimited,
    ServerError,
    Unauthorized,
)
from tui.entry_versions import VersionCache

if TYPE_CHECKING:
    import httpx

    from client.api import ChallengeClient
    from client.models import AuthResponse, RegistrationPending, User


@dataclass
class Session:
    server: str
    client: ChallengeClient
    store: StoreChoice
    user: User | None = None
    notices: list[str] = field(default_factory=list)
    # Entry histories fetched in this sign-in (versions never change once saved):
    # emptied at each sign-in and sign-out, so the next person starts with none.
    versions: VersionCache = field(default_factory=VersionCache)
    # What this person has reported this session, as ("submission", 12): a second
    # report is refused by the server, so the app says so before asking for a note.
    reported: set[tuple[str, int]] = field(default_factory=set)

    @classmethod
    def open(cls, config: ClientConfig, server: str,
             transport: httpx.AsyncBaseTransport | None = None,
             store: StoreChoice | None = None) -> Session:
        """Blocking (it may probe the keyring, and imports httpx): run it in a thread.

        ``store``: the token store, when it has been chosen already."""
        from client.api import ChallengeClient

        store = store or choose_store(config)
        client = ChallengeClient.from_config(config.replace(server=server),
                                             transport=transport)
        session = cls(server=server, client=client, store=store)
        if store.notice:
            session.notices.append(store.notice)
        return session

    def use_kept_token(self) -> bool:
        """Put the token kept for this server on the client; False when there is none.

        Requests sent after this carry it, so the app can ask for what it shows first
        while ``resume`` checks who the token belongs to.
        """
        self.client.token = self.store.store.get(self.server) or None
        return self.client.token is not None

    async def resume(self) -> User | None:
        """Sign in with the kept token, if there is one that still works."""
        if self.client.token is None and not self.use_kept_token():
            return None
        try:
            self.user = await self.client.me()
        except Unauthorized:
            self.store.store.delete(self.server)
            self.client.token = None
            return None
        return self.user

    async def sign_in(self, email: str, password: str) -> User:
        return self._signed_in(await self.client.login(email, password))

    async def register(self, email: str, display_name: str,
                       password: str) -> User | RegistrationPending:
        """Signed in at once where registration is open; where the server confirms
        addresses by mail, what ``confirm_registration`` needs with the mailed code."""
        from client.models import RegistrationPending

        auth = await self.client.register(email, display_name, password)
        if isinstance(auth, RegistrationPending):
            return auth
        return self._signed_in(auth)

    async def confirm_registration(self, pending: RegistrationPending, code: str) -> User:
        return self._signed_in(await self.client.confirm_registration(pending, code))

    def _signed_in(self, auth: AuthResponse) -> User:
        self.store.store.set(self.server, auth.token)
        if self.user is None or self.user.id != auth.user.id:
            self.forget_person()  # another person's reports are not theirs
        self.versions = VersionCache()  # histories are fetched again at each sign-in
        self.user = auth.user
        return auth.user

    async def sign_out(self) -> None:
        try:
            await self.client.logout()
        except ChallengeError:
            pass  # signing out locally still counts; the token expires on its own
        finally:
            self.store.store.delete(self.server)
            self.user = None
            self.forget_person()

    def forget_person(self) -> None:
        """What was kept of the person signed in (a shared desk, the gateway)."""
        self.reported.clear()
        self.versions = VersionCache()

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    @property
    def is_moderator(self) -> bool:
        return self.role in MODERATORS


MODERATORS = frozenset({"moderator", "admin"})


def counts_hidden(show_counts: bool | None) -> bool:
    """Whether the current phase hides vote counts (``show_counts`` None: no phase
    open). The server hides them from everyone, moderators and admins included (they
    reveal them, audited, from the moderation desk), so there is no 'top', 'pairwise'
    or 'bridging' to sort by and a challenge's lists start in random order."""
    return show_counts is False


def describe(error: BaseException) -> str:
    """A message a person can act on, for any error the client raises."""
    if isinstance(error, ServerError):
        # The request id is what its operators look the failure up by.
        request_id = getattr(error, "request_id", None)
        reason = (error.detail or error.title).rstrip(".")  # the message, without the id
        said = f"The server is having trouble ({error.status}: {reason})."
        return f"{said} Request id: {request_id}." if request_id else said
    if isinstance(error, ApiError):
        if error.errors:
            fields = "; ".join(f"{e.field}: {e.message}" for e in error.errors[:3])
            return f"{error.message} ({fields})" if error.detail is None else error.message
        return error.message
    if isinstance(error, ChallengeError):
        return str(error)
    return f"Something went wrong: {type(error).__name__}: {error}"


def passing(error: BaseException) -> bool:
    """Whether ``error`` may go away by itself (the server failing or busy, the network
    down), so a kept sign-in is kept and the request tried again. Only a 401 means
    signed out."""
    return (isinstance(error, ServerError | RateLimited)
            or (isinstance(error, ConnectionFailed) and not isinstance(error, CertificateError)))
