"""``?``: every key, from the bindings themselves (so remapped keys show as remapped)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = """\
j / k, arrows   move            g / G      first / last
enter / l       open            esc / h    back
← / →, [ / ]    stories / ideas tabs
/               search          t          theme filter
1 2 3 4         sort: top, new, discussed, random
+ / - / 0       support, oppose, withdraw your vote (list or submission)
                + or - before a title: your vote
c               comment; tab to the comments, then c replies, f flags
f               flag            n          new submission
d               drafts          e / w      edit / withdraw your own
s               statistics      r          refresh
o               only my own posts, in every status (pending, rejected...)
ctrl+p          command palette (every action)
ctrl+o          sign out        q          quit (ctrl+q anywhere)
"""

MODERATOR_KEYS = """\
M               moderation queue (from the challenges or a challenge)
a               approve         h          hide
x               reject: 1-5 picks a reason, or type one
m               merge: 1-3 a likely duplicate, or / search
d               dismiss flags   u          undo your last decision
space           select for bulk: a, x, h, d or m then decide for all
enter / tab     the item in full when narrow; esc the list again
J / K           scroll the item f          filters
l               the log (f action, o mine only, u undo)
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-width: 100%; height: auto; max-height: 90%;
                                  border: round $primary; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Content.styled("Keys", "bold"))
            yield Static(Content(KEYS))
            session = getattr(self.app, "session", None)
            if session is not None and session.is_moderator:
                yield Static(Content.styled("Moderators", "bold"))
                yield Static(Content(MODERATOR_KEYS))
            yield Static(Content.styled(
                "Keys can be remapped in the config file's [keys] table.", "dim"))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
