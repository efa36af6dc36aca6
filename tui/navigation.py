"""Where the app opens each screen: one method per destination.

Screens ask the app (``self.challenge_app.open_submission(...)``) instead of importing
one another, so no screen module knows another and a new screen touches two files:
itself and this one. Each import is lazy: a screen's module (and what only it needs,
such as the Markdown renderer or the moderation code) loads the first time it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:
    from client.api import ChallengeClient
    from client.guide_models import GuideEntry
    from client.models import Challenge, QueueItem, Submission
    from tui.drafts import Draft, DraftStore
    from tui.entry_drafts import EntryDraft, EntryDraftStore
    from tui.kept_screen import KeptScreen
    from tui.merging import Merged
    from tui.screens.write import Send
    from tui.triage import Filters

T = TypeVar("T")
K = TypeVar("K", bound="KeptScreen[Any]")
Done = Callable[[T | None], None]  # given the screen's result: None when cancelled
# Screens kept once built (``Navigation._kept``): opening one again costs a frame.
ENTRY, ENTRY_HISTORY = "entry", "entry-history"


class Navigation(App[None]):
    """The destinations; ``tui.app.ChallengeApp`` is one of these."""

    kiosk = False
    """True in kiosk mode (``tui.kiosk``, the ssh gateway): nothing written to disk, no
    export, no screenshots, nothing opened outside the app. Screens that save or open
    anything ask this first."""

    # --- where drafts are kept --------------------------------------------------------

    def draft_store(self) -> DraftStore:
        """Submission drafts and queued posts: files here, memory in kiosk mode."""
        from tui.drafts import DraftStore

        return DraftStore()

    def entry_draft_store(self) -> EntryDraftStore:
        """Edits of guide entries in progress: files here, memory in kiosk mode."""
        from tui.entry_drafts import EntryDraftStore

        return EntryDraftStore()

    # --- browsing -------------------------------------------------------------------

    def open_challenges(self, *, instead: bool = False) -> None:
        """The list of challenges; ``instead``: in place of the current screen."""
        from tui.screens.challenges import ChallengesScreen

        if instead:
            self.switch_screen(ChallengesScreen())
        else:
            self.push_screen(ChallengesScreen())

    def open_challenge(self, slug: str) -> None:
        from tui.screens.challenge import ChallengeScreen

        self.push_screen(ChallengeScreen(slug))

    def open_submission(self, item: Submission, challenge: Challenge | None,
                        done: Done[Submission]) -> None:
        """``done`` gets the submission as it was left (voted, edited, withdrawn)."""
        from tui.screens.submission import SubmissionScreen

        self.push_screen(SubmissionScreen(item, challenge), done)

    def open_stats(self, slug: str) -> None:
        from tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen(slug))

    def open_pairs(self, slug: str, kind: str) -> None:
        """Two submissions of ``kind`` at a time: which should be tested first."""
        from tui.screens.pairs import PairsScreen

        self.push_screen(PairsScreen(slug, kind))

    def open_receipt(self, slug: str) -> None:
        """Check your ballot is in ``slug``'s published log (it downloads the log)."""
        from tui.screens.receipt import ReceiptScreen

        self.push_screen(ReceiptScreen(slug))

    # --- you ------------------------------------------------------------------------

    def open_profile(self) -> None:
        """Your staff group: declare, change or clear it."""
        from tui.screens.profile import ProfileScreen

        if not isinstance(self.screen, ProfileScreen):
            self.push_screen(ProfileScreen())

    # --- the guide (develop stage) ------------------------------------------------------

    def open_guide(self, challenge: Challenge) -> None:
        """The challenge's guide: chapters by theme; facilitators' suggestions."""
        from tui.screens.guide import GuideScreen

        self.push_screen(GuideScreen(challenge))

    def open_entry(self, entry_id: int, challenge: Challenge | None,
                   done: Done[GuideEntry] | None = None, *,
                   known: GuideEntry | None = None) -> None:
        """One guide entry; ``done`` gets the entry as it was left (None: removed).
        ``known``: the entry as the caller has it, shown at once (then asked again)."""
        from tui.screens.entry import EntryScreen

        kept = self._kept(ENTRY, EntryScreen)
        if kept is not None:
            kept.reopen(entry_id, challenge, known)
            self.push_screen(kept, done)
        else:
            self._keep(ENTRY, EntryScreen(entry_id, challenge, known), done)

    def open_entry_settings(self, entry: GuideEntry, done: Done[GuideEntry]) -> None:
        """Facilitators: status, review date, lead, contributors; ``done`` gets it saved."""
        from tui.screens.entry_settings import EntrySettingsScreen

        self.push_screen(EntrySettingsScreen(entry), done)

    def open_entry_editor(self, entry: GuideEntry, done: Done[GuideEntry]) -> None:
        """Edit the entry's text (resuming a saved draft); ``done`` gets it saved."""
        from tui.screens.entry_editor import EntryEditorScreen

        self.push_screen(EntryEditorScreen(entry), done)

    def open_entry_history(self, entry: GuideEntry, done: Done[GuideEntry]) -> None:
        """Versions with diffs; ``done`` gets the entry after a restore."""
        from tui.screens.entry_history import EntryHistoryScreen

        kept = self._kept(ENTRY_HISTORY, EntryHistoryScreen)
        if kept is not None:
            kept.reopen(entry)
            self.push_screen(kept, done)
        else:
            self._keep(ENTRY_HISTORY, EntryHistoryScreen(entry), done)

    # --- screens kept, shown again ------------------------------------------------------

    def _kept(self, name: str, kind: type[K]) -> K | None:
        """The screen kept under ``name``, if it may be shown again now (it was left,
        and the same sign-in asks: ``KeptScreen.reusable``); else none, and one kept for
        someone else is let go."""
        try:
            screen = self.get_screen(name)
        except KeyError:
            return None
        if isinstance(screen, kind) and screen.reusable():
            return screen
        if screen not in self.screen_stack:
            self.uninstall_screen(name)
            screen.remove()  # its requests cancelled, its lines gone
        return None

    def _keep(self, name: str, screen: Screen[T], done: Done[T] | None) -> None:
        """``screen`` pushed, and kept under ``name`` unless another is kept there."""
        if name not in self._installed_screens:
            self.install_screen(screen, name)
        self.push_screen(screen, done)

    # --- writing --------------------------------------------------------------------

    def open_composer(self, challenge: Challenge, kind: str, *, draft: Draft | None = None,
                      editing: Submission | None = None, store: DraftStore | None = None,
                      done: Done[Submission] | None = None) -> None:
        """A new submission, a draft resumed, or an edit; ``done`` gets what was posted."""
        from tui.screens.compose import ComposeScreen

        self.push_screen(ComposeScreen(challenge, kind, draft=draft, editing=editing,
                                       store=store or self.draft_store()), done)

    def open_drafts(self, challenge: Challenge) -> None:
        from tui.screens.drafts import DraftsScreen

        self.push_screen(DraftsScreen(challenge, self.draft_store()))

    def write(self, title: str, send: Send, done: Done[str]) -> None:
        """A short text (a comment, a flag note), closed once ``send`` succeeded."""
        from tui.screens.write import WriteScreen

        self.push_screen(WriteScreen(title, send), done)

    def ask_line(self, title: str, send: Send, done: Done[str], *,
                 placeholder: str = "") -> None:
        """One line (a number, a name): enter sends it; closed once ``send`` succeeded."""
        from tui.screens.write import LineScreen

        self.push_screen(LineScreen(title, send, placeholder=placeholder), done)

    def pick(self, title: str, options: list[tuple[str, str]], done: Done[str]) -> None:
        """One of ``options`` (value, label); ``done`` gets the value."""
        from tui.screens.pick import PickScreen

        self.push_screen(PickScreen(title, options), done)

    # --- administration -------------------------------------------------------------

    def open_challenge_setup(self, challenge: Challenge | None,
                             done: Done[Challenge]) -> None:
        """Set a new challenge up (None), or change ``challenge``; ``done`` gets it saved."""
        from tui.screens.challenge_setup import ChallengeSetupScreen

        self.push_screen(ChallengeSetupScreen(challenge), done)

    # --- moderation -----------------------------------------------------------------

    def open_moderation(self, challenge: str | None = None) -> None:
        """The queue, of one challenge or of all."""
        from tui.screens.moderation import ModerationScreen
        from tui.triage import Filters

        self.push_screen(ModerationScreen(Filters(challenge=challenge)))

    def open_moderation_log(self, challenge: str | None, done: Done[bool]) -> None:
        """``done`` hears whether an action was undone there."""
        from tui.screens.moderation_log import ModerationLogScreen

        self.push_screen(ModerationLogScreen(challenge), done)

    def open_reveal(self, challenge: str | None) -> None:
        """Moderators: a challenge's hidden counts, with a reason, into the audit log."""
        from tui.screens.reveal import RevealScreen

        self.push_screen(RevealScreen(challenge))

    def open_reject(self, count: int, draft: str, done: Done[str]) -> None:
        from tui.screens.moderation_forms import RejectScreen

        self.push_screen(RejectScreen(count, draft), done)

    def open_merge(self, client: ChallengeClient, item: QueueItem, excluded: set[int],
                   count: int, done: Done[tuple[int, str]]) -> None:
        from tui.screens.moderation_forms import MergeScreen

        self.push_screen(MergeScreen(client, item, excluded, count), done)

    def open_filters(self, client: ChallengeClient, filters: Filters,
                     done: Done[Filters]) -> None:
        from tui.screens.moderation_forms import FilterScreen

        self.push_screen(FilterScreen(client, filters), done)

    # --- entry-editing: a stale edit merged -----------------------------------------------

    def open_entry_merge(self, draft: EntryDraft, current: GuideEntry, done: Done[Merged], *,
                         store: EntryDraftStore | None = None) -> None:
        """Put ``draft`` (an edit begun from an older version) together with ``current``;
        ``done`` gets the result as a draft begun from ``current`` (None: cancelled)."""
        from tui.screens.entry_merge import EntryMergeScreen

        self.push_screen(EntryMergeScreen(draft, current, store=store), done)

    # --- live updates: your notifications ---------------------------------------------------

    def open_inbox(self) -> None:
        """Replies and comments on your posts, decisions on them, news of what you support."""
        from tui.screens.inbox import InboxScreen

        if not isinstance(self.screen, InboxScreen):
            self.push_screen(InboxScreen())
