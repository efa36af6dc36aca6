"""What every request can reach: settings, database, clock, hashers, limits, caches and
the bus to the other instances."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from server.ballot_publisher import Publisher
from server.bus import Bus, LocalBus
from server.cache import Challenges, Tokens
from server.config import Settings
from server.db import Database
from server.invalidation import Invalidation
from server.live_hub import Hub
from server.mail import Mailer, mailer_for
from server.pages import Pages
from server.pg_bus import PgBus
from server.ratelimit import AuthThrottle, Limiter, SlidingWindow
from server.security import Passwords
from server.shared_limits import TableWindow
from server.tables import utcnow


def bus_for(settings: Settings, db: Database) -> Bus:
    """On PostgreSQL the instances that share the database hear each other; SQLite is
    one host, whose one process needs nobody to tell."""
    return LocalBus() if settings.is_sqlite else PgBus(settings.database_url, db)


@dataclass
class Services:
    settings: Settings
    db: Database
    passwords: Passwords
    clock: Callable[[], datetime] = utcnow
    # How instances tell each other of committed changes (server/bus.py).
    bus: Bus = field(default_factory=LocalBus)
    throttle: AuthThrottle = field(init=False)
    mailer: Mailer | None = field(init=False)
    registration_mails: Limiter = field(init=False)
    challenges: Challenges = field(init=False)
    tokens: Tokens = field(init=False)
    pages: Pages = field(init=False)
    live: Hub = field(init=False)  # this instance's live events (GET /events)
    invalidate: Invalidation = field(init=False)
    publisher: Publisher = field(init=False)  # this instance's ballot log publisher

    def __post_init__(self) -> None:
        s = self.settings
        window = s.auth_window_seconds
        self.throttle = AuthThrottle(
            address=self._limiter("address", s.auth_attempts_per_ip, window),
            account_address=self._limiter("account_address",
                                          s.login_failures_per_account_and_ip, window),
            account=self._limiter("account", s.login_failures_per_account, window))
        self.mailer = mailer_for(s)
        # Registration mails to one address per window: nobody can flood an inbox.
        self.registration_mails = self._limiter("registration_mail", 3, window)
        self.challenges = Challenges(s.cache_seconds)
        self.tokens = Tokens(s.cache_seconds)
        self.pages = Pages(s.page_cache_seconds)
        self.live = Hub(self.db, self.bus, s, self.challenges, self.clock)
        self.invalidate = Invalidation(
            self.bus, self, caching=s.cache_seconds > 0 or s.page_cache_seconds > 0)
        self.publisher = Publisher(self.db, self.clock, s.ballot_publish_seconds)
        if isinstance(self.bus, PgBus):
            self.bus.on_state(self.invalidate.live)

    def _limiter(self, scope: str, limit: int, window: float) -> Limiter:
        """Shared by every instance on PostgreSQL; this process's own on SQLite."""
        if self.settings.is_sqlite:
            return SlidingWindow(limit, window)
        return TableWindow(self.db, scope, limit, window, self.clock)

    def now(self) -> datetime:
        return self.clock()
