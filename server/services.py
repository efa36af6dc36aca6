"""What every request can reach: settings, database, clock, hashers and limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from server.bus import Bus, LocalBus
from server.cache import Challenges, Tokens
from server.config import Settings
from server.db import Database
from server.live_hub import Hub
from server.mail import Mailer, mailer_for
from server.pages import Pages
from server.ratelimit import AuthThrottle, SlidingWindow
from server.security import Passwords
from server.tables import utcnow


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
    registration_mails: SlidingWindow = field(init=False)
    challenges: Challenges = field(init=False)
    tokens: Tokens = field(init=False)
    pages: Pages = field(init=False)
    live: Hub = field(init=False)  # this instance's live events (GET /events)

    def __post_init__(self) -> None:
        s = self.settings
        window = s.auth_window_seconds
        self.throttle = AuthThrottle(
            address=SlidingWindow(s.auth_attempts_per_ip, window),
            account_address=SlidingWindow(s.login_failures_per_account_and_ip, window),
            account=SlidingWindow(s.login_failures_per_account, window))
        self.mailer = mailer_for(s)
        # Registration mails to one address per window: nobody can flood an inbox.
        self.registration_mails = SlidingWindow(3, window)
        self.challenges = Challenges(s.cache_seconds)
        self.tokens = Tokens(s.cache_seconds)
        self.pages = Pages(s.page_cache_seconds)
        self.live = Hub(self.db, self.bus, s, self.challenges, self.clock)

    def now(self) -> datetime:
        return self.clock()
