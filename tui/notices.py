"""What a notification says, in a sentence: plain text (names and titles are untrusted:
escape sequences stripped, never markup), for the inbox and the toast that tells it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.text import plain

if TYPE_CHECKING:
    from client.event_models import Notification


def _title(notice: Notification) -> str:
    return f"“{' '.join(plain(notice.submission_title).split())}”"


def describe(notice: Notification) -> str:
    """One line: who did what to which post (a moderator is never named)."""
    who = " ".join(plain(notice.actor.display_name).split()) if notice.actor else "Someone"
    title = _title(notice)
    match notice.kind:
        case "comment":
            return f"{who} commented on your post {title}"
        case "reply":
            return f"{who} replied to your comment on {title}"
        case "approved":
            return f"Your post {title} was approved"
        case "rejected":
            reason = " ".join(plain(notice.reason).split())
            return f"Your post {title} was rejected" + (f": {reason}" if reason else "")
        case "merged":
            return f"Your post {title} was merged into submission {notice.into}"
        case "hidden":
            return f"Your post {title} was hidden by a moderator"
        case "supported_merged":
            return f"{title}, which you support, was merged into submission {notice.into}"
        case "shortlisted":
            return f"{title}, which you support, was shortlisted into the guide"
    return f"News about {title}"  # a kind this version does not know yet
