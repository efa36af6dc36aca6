"""``?``: every key, from the bindings themselves (so remapped keys show as remapped)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

# Two columns of keys, no line over 66 cells: the box fits 80 columns without wrapping.
KEYS = """\
j / k, arrows   move            g / G      first / last
enter / l       open            esc / h    back
← / →, [ / ]    stories / ideas tabs
/               search          t          theme filter
1 2 3 4 5 6     sort: top, new, discussed, random, pairwise
                (comparisons won), bridging (across staff groups)
P               compare two (when the phase allows): ← / → the
                one to test first, j can't decide, J can't decide
                and say why (enter sends it, esc sends no reason)
+ / - / 0       support, oppose, withdraw your vote (on the list
                or a submission); + or - before a title: yours
c               comment; tab to the comments, then c replies,
                f flags
f               flag            n          new submission
d               drafts          e / w      edit / withdraw yours
s               statistics      r          refresh
i               inbox: replies to you, decisions on your posts
o               only my own posts, in every status (pending,
                rejected...)
D               the guide (develop stage): enter opens an entry,
                x exports it (Markdown or HTML)
In an entry:    e edit, p pledge, c comment, f flag, H history,
                enter opens a source or a cited #123
Editing:        ctrl+s save; if someone saved first: m mine,
                t theirs, b both, n / p next / previous conflict
History:        enter what a version changed, R restore it
p               your profile: your staff group (on the challenges;
                anywhere from the palette)
V               is my ballot counted? check it is in the published
                ballot log (on a challenge, once voting ended)
ctrl+p          command palette (every action)
ctrl+o          sign out        q          quit (ctrl+q anywhere)
"""

MODERATOR_KEYS = """\
M               moderation queue (from the challenges or one)
a               approve         h          hide
x               reject: 1-5 picks a reason, or type one
m               merge: 1-3 a likely duplicate, or / search
d               dismiss flags   u          undo your last decision
space           select for bulk: a, x, h, d or m then for all
enter / tab     the item in full when narrow; esc the list
J / K           scroll item     f          filters
l               the log (f action, o mine only, u undo)
C               reveal a challenge's hidden counts: with a reason,
                written to the log, cannot be undone
In the guide:   s suggestions, a shortlist one (or add any
                submission by number), J / K move an entry
In an entry:    s settings: status, review date, lead, people
"""

ADMIN_KEYS = """\
N               new challenge (on the challenges list)
E               edit a challenge (highlighted, or the one open)
P               publish the guide, or take it back (in the guide)
In the set-up form: tab moves, times are local (or add +01:00)
ctrl+s          save            esc        close
ctrl+n          add a phase     ctrl+r     remove this phase
ctrl+t          sort by date    ctrl+↓ / ↑ next / previous phase
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
        # Longer than the screen at 80x24 (a moderator's keys): it scrolls as lists move.
        Binding("j,down", "scroll('scroll_down')", show=False, id="help.down"),
        Binding("k,up", "scroll('scroll_up')", show=False, id="help.up"),
        Binding("g,home", "scroll('scroll_home')", show=False, id="help.first"),
        Binding("G,end", "scroll('scroll_end')", show=False, id="help.last"),
        Binding("pagedown,space", "scroll('page_down')", show=False, id="help.page_down"),
        Binding("pageup", "scroll('page_up')", show=False, id="help.page_up"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-width: 100%; height: auto; max-height: 90%;
                                  border: round $primary; padding: 0 1;
                                  scrollbar-size-vertical: 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Content.styled("Keys", "bold"))
            yield Static(Content(KEYS))
            session = getattr(self.app, "session", None)
            if session is not None and session.is_moderator:
                yield Static(Content.styled("Moderators", "bold"))
                yield Static(Content(MODERATOR_KEYS))
            if session is not None and session.role == "admin":
                yield Static(Content.styled("Admins", "bold"))
                yield Static(Content(ADMIN_KEYS))
            yield Static(Content.styled(
                "Keys can be remapped in the config file's [keys] table.", "dim"))

    def action_scroll(self, how: str) -> None:
        """``how``: one of the scroll container's own actions (scroll_down, page_up...)."""
        getattr(self.query_one(VerticalScroll), f"action_{how}")()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
