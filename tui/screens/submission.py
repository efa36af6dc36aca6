"""One submission: its body, votes (shown at once, then confirmed), comments, flags."""

from __future__ import annotations

from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Spacing
from textual.visual import Padding, Visual
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from client.errors import ChallengeError
from client.models import Challenge, Comment, Page, Submission
from tui import budget, clock, live_list, own
from tui.flagging import flag
from tui.live import LiveUpdate
from tui.phases import Activity, allows
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import ago, author_name, one_line, plain, safe
from tui.votes import voted
from tui.widgets.body import Body
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar
from tui.widgets.submission_detail import header

ACTIVITIES: dict[str, Activity] = {"comment": "comments", "vote": "votes"}
REPLY_INDENT = 4
COMMENTS_PAGE = 100  # comments shown: asked for with the submission, or on their own
ANONYMOUS_AUTHOR = "the anonymous author"


def commenter(comment: Comment) -> str:
    """Who wrote a comment, in a sentence."""
    return plain(comment.author.display_name) if comment.author else ANONYMOUS_AUTHOR


def comment_line(comment: Comment, now: datetime, anonymous_author: int | None = None) -> Visual:
    """A comment's option: a reply indented, every line of it (a literal indent would
    reach only its first line). ``anonymous_author``: the anonymous submission's author,
    known to moderators only, whose comments are marked as theirs."""
    # Only its author is sent a comment that is not published: say what happened.
    held: list[Content | str] = []
    if comment.status != "published":
        held = [Content.styled(f" · {comment.status}", "bold")]
        if comment.status_reason:
            held += ["\n", one_line(comment.status_reason, "italic")]
    if comment.author is None:  # by the anonymous author: no name is sent
        shown = one_line(ANONYMOUS_AUTHOR, "bold italic")
    else:
        shown = one_line(author_name(
            comment.author.display_name,
            comment.anonymous or comment.author.id == anonymous_author,
            "the post's anonymous author"), "bold")
    text = Content.assemble(
        shown,
        Content.styled(f" · {ago(comment.created_at, now)}", "dim"), *held, "\n",
        safe(comment.body))
    return Padding(text, Spacing(0, 0, 0, REPLY_INDENT)) if comment.parent_id else text


class SubmissionScreen(AppScreen[Submission | None]):
    BINDINGS = [
        # q quits from browsing screens only: in forms it is a letter (ctrl+q always quits).
        Binding("q", "app.quit", "Quit", id="submission.quit"),
        Binding("escape,h", "back", "Back", id="submission.back"),
        # Shown only on your own (see offers), before the rest: 80 columns hold them.
        Binding("e", "edit", "Edit", id="submission.edit"),
        Binding("w", "withdraw", "Withdraw", id="submission.withdraw"),
        Binding("plus", "vote(1)", "Support", id="submission.support"),
        Binding("minus", "vote(-1)", "Oppose", id="submission.oppose"),
        Binding("0", "vote(0)", "Withdraw vote", id="submission.unvote"),
        Binding("c", "comment", "Comment", id="submission.comment"),
        Binding("f", "flag", "Flag", id="submission.flag"),
        Binding("r", "refresh", "Refresh", id="submission.refresh"),
        Binding("i", "inbox", "Inbox", show=False, id="submission.inbox"),
        Binding("j", "scroll_down", show=False, id="submission.down"),
        Binding("k", "scroll_up", show=False, id="submission.up"),
    ]
    DEFAULT_CSS = """
    SubmissionScreen #comments { height: auto; max-height: 20; }
    """

    def __init__(self, item: Submission, challenge: Challenge | None = None) -> None:
        super().__init__()
        self.item = item
        self.challenge = challenge
        self.comments: list[Comment] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="body"):
            yield Static(id="header")
            yield Body(id="markdown")
            yield Static(Content.styled("Comments", "bold") + Content.styled(
                "  (tab to them; c on one replies, f flags it)", "dim"), id="comments-title")
            yield OptionList(id="comments")
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.render_item()
        self.query_one(Body).update(self.item.body)
        self.query_one("#body").focus()
        self.action_refresh()  # list rows carry no body; this fetches it, and the comments

    def render_item(self) -> None:
        shown = header(self.item)
        if left := budget.supports_left(self.challenge, clock.now()):
            shown = Content("\n").join([shown, Content(left)])
        self.query_one("#header", Static).update(shown)

    @work(exclusive=True, group="comments")
    async def load_comments(self) -> None:
        page = await self.challenge_app.api(
            lambda: self.client.list_comments(self.item.id, limit=COMMENTS_PAGE))
        if page is not None:
            self.show_page(page)

    def show_page(self, page: Page[Comment]) -> None:
        # Replies follow their parent, whatever order they arrived in.
        tops = [c for c in page.items if c.parent_id is None]
        replies = [c for c in page.items if c.parent_id is not None]
        ordered: list[Comment] = []
        for top in tops:
            ordered.append(top)
            ordered.extend(r for r in replies if r.parent_id == top.id)
        self.show_comments(ordered)

    def show_comments(self, ordered: list[Comment]) -> None:
        """The comments, the one highlighted still highlighted, the list where it was."""
        options = self.query_one("#comments", OptionList)
        was = options.highlighted_option.id if options.highlighted_option else None
        scrolled = options.scroll_y
        self.comments = ordered
        now = clock.now()
        options.clear_options()
        anonymous = self.item.author.id if self.item.anonymous and self.item.author else None
        options.add_options([Option(comment_line(c, now, anonymous), id=str(c.id))
                             for c in ordered])
        if not ordered:
            options.add_option(Option(Content.styled("No comments yet: press c.", "dim"),
                                      disabled=True))
        elif was is not None:
            options.highlighted = options.get_option_index(was)
            options.scroll_to(y=scrolled, animate=False, immediate=True)

    @on(LiveUpdate)
    def heard(self, message: LiveUpdate) -> None:
        """What others did to this submission: comments, counts, edits, decisions."""
        from client.event_models import CommentEvent, CountsEvent, SubmissionEvent

        data = message.event.data
        if message.event.name == "reset":
            self.action_refresh()
        elif isinstance(data, CommentEvent) and data.submission_id == self.item.id:
            ordered = list(self.comments)
            if live_list.thread_add(ordered, data.comment):
                self.show_comments(ordered)
        elif isinstance(data, CountsEvent):
            for counts in data.items:
                if counts.id == self.item.id:
                    self.item = self.item.model_copy(update={"comments": counts.comments} | (
                        {"up": counts.up, "down": counts.down, "score": counts.score}
                        if counts.up is not None else {}))
                    self.render_item()
        elif isinstance(data, SubmissionEvent) and data.id == self.item.id:
            if data.submission is None:
                self.notify(f"This submission is no longer public ({data.status}).",
                            severity="warning", markup=False, timeout=8)
                return
            body = self.item.body
            self.item = data.submission.model_copy(update={"my_vote": self.item.my_vote})
            self.render_item()
            if data.submission.body != body:
                self.query_one(Body).update(data.submission.body)
            self.refresh_bindings()

    def selected_comment(self) -> Comment | None:
        options = self.query_one("#comments", OptionList)
        if not options.has_focus or options.highlighted is None:
            return None
        if options.highlighted >= len(self.comments):
            return None
        return self.comments[options.highlighted]

    @work(group="vote")
    async def action_vote(self, value: int) -> None:
        before = self.item
        wanted = None if value == 0 else value
        if before.my_vote == wanted or self.refused(self.challenge, "votes"):
            return
        self.item = voted(before, wanted)  # shown at once …
        left = budget.spend(self.challenge, before.my_vote, wanted)
        self.render_item()
        try:
            result = await (self.client.unvote(before.id) if wanted is None
                            else self.client.vote(before.id, 1 if wanted == 1 else -1))
        except ChallengeError as error:
            self.item = before  # … and rolled back, visibly, if the server says no
            budget.settle(self.challenge, before=left)
            self.render_item()
            self.notify(describe(error), title="Vote not counted", severity="error",
                        markup=False)
            return
        self.item = self.item.model_copy(update={
            "my_vote": result.my_vote, "up": result.up, "down": result.down,
            "score": result.score})
        budget.settle(self.challenge, result)
        self.render_item()

    def action_comment(self) -> None:
        if self.refused(self.challenge, "comments"):
            return
        parent = self.selected_comment()
        parent_id = (parent.parent_id or parent.id) if parent else None
        title = (f"Reply to {commenter(parent)}" if parent
                 else "Comment")

        posted: list[Comment] = []

        async def send(text: str) -> object:
            comment = await self.client.add_comment(self.item.id, text, parent_id=parent_id)
            posted.append(comment)
            return comment

        def done(text: str | None) -> None:
            if text is None or not posted:
                return
            if posted[-1].status != "published":
                self.notify(plain(posted[-1].status_reason or "Waiting for a moderator."),
                            title="Posted, not yet public", severity="warning", timeout=12,
                            markup=False)
                self.load_comments()  # it is listed for its author, marked as held
                return
            self.item = self.item.model_copy(update={"comments": self.item.comments + 1})
            self.render_item()
            self.load_comments()
            self.notify("Comment posted.")

        self.challenge_app.write(title, send, done)

    def action_flag(self) -> None:
        comment = self.selected_comment()
        if comment is not None:
            flag(self, f"comment by {commenter(comment)}",
                 lambda reason, note: self.client.flag_comment(comment.id, reason, note),
                 target=("comment", comment.id))
        else:
            flag(self, "submission",
                 lambda reason, note: self.client.flag_submission(self.item.id, reason, note),
                 target=("submission", self.item.id))

    def action_edit(self) -> None:
        def edited(item: Submission) -> None:
            self.item = item
            self.render_item()
            self.query_one(Body).update(item.body)

        own.edit(self, self.challenge, self.item, edited)

    def action_withdraw(self) -> None:
        own.withdraw(self, self.item, self.dismiss)

    @work(exclusive=True)
    async def action_refresh(self) -> None:
        """The submission and its comments, in one request (two from an older server)."""
        opened = await self.challenge_app.api(
            lambda: self.client.get_submission(self.item.id, comments=COMMENTS_PAGE))
        page = None
        if opened is not None:
            page = opened.comment_page
            item = opened.model_copy(update={"comment_page": None})  # shown below: not kept
            self.item = item
            self.render_item()
            self.query_one(Body).update(item.body)
            self.refresh_bindings()  # e and w show on your own
        if page is not None:
            self.show_page(page)
        else:
            self.load_comments()

    def action_scroll_down(self) -> None:
        comments = self.query_one("#comments", OptionList)
        if comments.has_focus:
            comments.action_cursor_down()
        else:
            self.query_one("#body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        comments = self.query_one("#comments", OptionList)
        if comments.has_focus:
            comments.action_cursor_up()
        else:
            self.query_one("#body", VerticalScroll).scroll_up()

    @on(OptionList.OptionHighlighted, "#comments")
    def comment_highlighted(self) -> None:
        self.query_one("#comments", OptionList).scroll_visible()

    def on_descendant_focus(self) -> None:
        comments = self.query_one("#comments", OptionList)
        if comments.has_focus and comments.highlighted is None and self.comments:
            comments.highlighted = 0  # tab to the comments: one is ready to reply to

    def action_back(self) -> None:
        self.dismiss(self.item)

    def offers(self, action: str) -> bool:
        if action == "edit":
            return own.why_not_edit(self.item, self.challenge) is None
        if action == "withdraw":
            return own.why_not_withdraw(self.item) is None
        activity = ACTIVITIES.get(action)
        return activity is None or allows(self.challenge, activity, clock.now())

    @on(Markdown.LinkClicked)
    def link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.notify(f"Link (not opened): {plain(event.href)}", markup=False, timeout=8)
