"""What a real screen and its first look (``tui.screens.first_look``) both show: their
keys, the width from which the challenge's detail pane shows, the list of challenges.

Here, not in either screen, so that no screen module imports another.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui import clock
from tui.text import one_line, plural, time_left
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import PhaseShown, StatusBar

WIDE = 120  # columns; from here the challenge screen shows the detail pane

CHALLENGE_KEYS: list[BindingType] = [
    # q quits from browsing screens only: in forms it is a letter (ctrl+q always quits).
    Binding("q", "app.quit", "Quit", id="challenge.quit"),
    Binding("escape,h", "back", "Back", id="challenge.back"),
    # On the highlighted row; shown only when it is yours (see offers).
    Binding("e", "edit", "Edit", id="challenge.edit"),
    Binding("w", "withdraw", "Withdraw", id="challenge.withdraw"),
    Binding("1", "sort('top')", "Top", tooltip="Sort by top", id="challenge.sort_top"),
    Binding("2", "sort('new')", "New", tooltip="Sort by new", id="challenge.sort_new"),
    Binding("3", "sort('discussed')", "Discussed", tooltip="Sort by most discussed",
            id="challenge.sort_discussed"),
    Binding("4", "sort('random')", "Random", tooltip="Sort in random order",
            id="challenge.sort_random"),
    # Issue 15's rankings; refused, saying why, while the phase hides counts (as Top).
    Binding("5", "sort('pairwise')", "Pairwise", id="challenge.sort_pairwise",
            tooltip="Sort by pairwise comparisons won (wins–losses shown)"),
    Binding("6", "sort('bridging')", "Bridging", id="challenge.sort_bridging",
            tooltip="Sort by support across staff groups"),
    Binding("slash", "search", "Search", id="challenge.search"),
    Binding("t", "theme", "Theme", tooltip="Filter by theme", id="challenge.theme"),
    Binding("o", "mine", "Mine", show=False, id="challenge.mine",
            tooltip="Only my own posts, in every status (pending, rejected...)"),
    Binding("n", "compose", "Write", tooltip="New submission", id="challenge.new"),
    Binding("plus", "vote(1)", "Support", show=False, id="challenge.support"),
    Binding("minus", "vote(-1)", "Oppose", show=False, id="challenge.oppose"),
    Binding("0", "vote(0)", "Withdraw vote", show=False, id="challenge.unvote"),
    Binding("right,right_square_bracket", "tab(1)", "Next tab", show=False,
            id="challenge.next_tab"),
    Binding("left,left_square_bracket", "tab(-1)", "Previous tab", show=False,
            id="challenge.previous_tab"),
    Binding("r", "refresh", "Refresh", id="challenge.refresh"),
    # Shown when the challenge has a develop stage (see offers); refused with a reason
    # before the guide opens to everyone.
    Binding("D", "guide", "Guide", tooltip="The guide: the top solutions being developed",
            id="challenge.guide"),
    Binding("j", "down", "Down", show=False, id="challenge.down"),
    Binding("k", "up", "Up", show=False, id="challenge.up"),
    Binding("g", "first", "First", show=False, id="challenge.first"),
    Binding("G", "last", "Last", show=False, id="challenge.last"),
    Binding("enter,l", "open", "Open", show=False, id="challenge.open"),
    Binding("s", "stats", "Stats", show=False, id="challenge.stats"),
    Binding("i", "inbox", "Inbox", show=False, id="challenge.inbox",
            tooltip="Notifications: replies, decisions on your posts"),
    Binding("d", "drafts", "Drafts", show=False, id="challenge.drafts"),
    # Moderators and admins only (check_action hides it from everyone else).
    Binding("M", "moderate", "Moderate", show=False, tooltip="Moderation queue",
            id="challenge.moderate"),
    # Admins only (check_action hides it from everyone else).
    Binding("E", "edit_challenge", "Edit challenge", show=False,
            tooltip="Change this challenge: words, questions, phases",
            id="challenge.edit_challenge"),
]

CHALLENGES_KEYS: list[BindingType] = [
    # q quits from browsing screens only: in forms it is a letter (ctrl+q always quits).
    Binding("q", "app.quit", "Quit", id="challenges.quit"),
    Binding("r", "refresh", "Refresh", id="challenges.refresh"),
    Binding("j", "cursor_down", "Down", show=False, id="challenges.down"),
    Binding("k", "cursor_up", "Up", show=False, id="challenges.up"),
    Binding("g", "first", "First", show=False, id="challenges.first"),
    Binding("G", "last", "Last", show=False, id="challenges.last"),
    Binding("i", "inbox", "Inbox", show=False, id="challenges.inbox",
            tooltip="Notifications: replies, decisions on your posts"),
    Binding("p", "profile", "Profile", show=False, id="challenges.profile",
            tooltip="Your profile: your staff group"),
    # A priority binding opens as the key is read, ahead of the list's own enter (which
    # posts a message): a key typed right after enter then reaches the opened screen.
    Binding("enter,l", "open", "Open", show=False, id="challenges.open", priority=True),
    # Moderators and admins only (check_action hides it from everyone else).
    Binding("M", "moderate", "Moderate", tooltip="Moderation queue",
            id="challenges.moderate"),
    # Admins only (check_action hides them from everyone else).
    Binding("N", "new_challenge", "New challenge", tooltip="Set a new challenge up",
            id="challenges.new_challenge"),
    Binding("E", "edit_challenge", "Edit challenge", show=False,
            tooltip="Change the highlighted challenge", id="challenges.edit_challenge"),
]

# What only an admin is offered (AppScreen.check_action).
ADMIN_ACTIONS = frozenset({"new_challenge", "edit_challenge"})


class ChallengeShown(Protocol):
    """What a line shows of a challenge: a ``ChallengeSummary``, or the first look's."""

    @property
    def title(self) -> str: ...
    @property
    def current_phase(self) -> PhaseShown | None: ...
    @property
    def submissions(self) -> int: ...
    @property
    def participants(self) -> int: ...


def challenge_line(challenge: ChallengeShown, now: datetime) -> Content:
    phase = challenge.current_phase
    when = (f"{phase.name}: {time_left(phase.ends_at, now)}" if phase
            else "no phase open")
    return Content.assemble(
        one_line(challenge.title, "bold"), "\n",
        Content.styled(f"  {one_line(when).plain} · {plural(challenge.submissions, 'submission')}"
                       f" · {challenge.participants} "
                       f"{'person' if challenge.participants == 1 else 'people'}", "dim"))


def layout() -> ComposeResult:
    """The challenges screen's widgets (the app's first look draws the same)."""
    yield Static("Challenges", classes="title", markup=False)
    yield OptionList(id="challenges")
    yield StatusBar()
    yield KeyBar()


def show_lines(options: OptionList, challenges: Sequence[ChallengeShown],
               highlighted: int = 0) -> None:
    now = clock.now()
    options.clear_options()
    options.add_options([Option(challenge_line(c, now)) for c in challenges])
    if challenges:
        options.highlighted = min(highlighted, len(challenges) - 1)
    else:
        options.add_option(Option("No challenges yet.", disabled=True))
    options.focus()
