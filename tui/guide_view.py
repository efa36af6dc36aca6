"""The guide screen's model, without widgets: chapters by theme, entries in the
facilitators' order, moving an entry within its chapter, the facilitators' suggestions,
who may open the guide and when, each row's words, and where an export is saved.

Everything a person or the server wrote reaches the screen as ``Content`` made by
``tui.text`` (never markup, escape sequences removed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual.content import Content

from tui.phases import current, when
from tui.text import author_name, one_line, plain, plural

if TYPE_CHECKING:  # annotations only: the challenge screen imports this module early
    from client.guide_models import GuideEntry, Suggestions
    from client.models import Challenge, Submission

Mode = Literal["guide", "suggestions"]
ExportFormat = Literal["markdown", "html"]

STATUS_WORDS = {"proposed": "proposed", "testing": "testing", "adopted": "adopted",
                "not_adopted": "not adopted"}
SUFFIXES: dict[ExportFormat, str] = {"markdown": "md", "html": "html"}
NO_THEME = "Other solutions"  # the chapter of entries without a theme


# --- who may open the guide, and when --------------------------------------------


def has_develop(challenge: Challenge | None) -> bool:
    """Whether the challenge has a develop stage (a phase that allows it)."""
    return challenge is not None and any(p.develop for p in challenge.phases)


def guide_refusal(challenge: Challenge, facilitator: bool, now: datetime) -> str | None:
    """None when the guide may be opened now; else why not, and when it opens.

    Facilitators open it in any phase. Others read its published entries once its
    develop phase has begun (and a published guide after it ends): the server decides
    what they see then."""
    if facilitator:
        return None
    develops = sorted((p for p in challenge.phases if p.develop), key=lambda p: p.starts_at)
    if not develops:
        return "This challenge has no develop stage, so it has no guide."
    phase = current(challenge, now)
    if (phase is not None and phase.develop) or develops[0].starts_at <= now:
        return None
    first = develops[0]
    return (f"The guide is not open yet: everyone can read it in the {plain(first.name)!r} "
            f"phase, from {when(first.starts_at, now)}.")


# --- the guide --------------------------------------------------------------------


def chapter_order(themes: list[str], entries: list[GuideEntry]) -> list[str | None]:
    """The challenge's themes in its order, then any other theme an entry has (one
    taken off the challenge since), then no theme."""
    order: list[str | None] = list(themes)
    order += [t for t in dict.fromkeys(e.theme for e in entries)
              if t is not None and t not in order]
    return [*order, None]


@dataclass(frozen=True)
class Heading:
    """A chapter's (or a suggestions theme's) line: not a row the cursor stops on."""

    theme: str | None
    count: int
    noun: str = "entry"


@dataclass
class GuideModel:
    """The entries this viewer may read, in guide order, and whether it is published
    (None: not known)."""

    themes: list[str]
    entries: list[GuideEntry] = field(default_factory=list)
    published: bool | None = None
    published_at: datetime | None = None
    loaded: bool = False

    def adopt(self, entries: list[GuideEntry]) -> None:
        """The server's entries, in its order."""
        self.entries = list(entries)
        self.loaded = True

    def chapters(self) -> list[tuple[str | None, list[GuideEntry]]]:
        found = [(theme, [e for e in self.entries if e.theme == theme])
                 for theme in chapter_order(self.themes, self.entries)]
        return [(theme, entries) for theme, entries in found if entries]

    def lines(self) -> list[Heading | GuideEntry]:
        lines: list[Heading | GuideEntry] = []
        for theme, entries in self.chapters():
            lines.append(Heading(theme, len(entries)))
            lines.extend(entries)
        return lines

    def find(self, entry_id: int) -> GuideEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def replace(self, entry: GuideEntry) -> None:
        """The entry as it is now (its theme may have changed: another chapter), in its
        place; a new entry goes last, where the server puts it."""
        for i, old in enumerate(self.entries):
            if old.id == entry.id:
                self.entries[i] = entry
                return
        self.entries.append(entry)

    def remove(self, entry_id: int) -> None:
        self.entries = [e for e in self.entries if e.id != entry_id]

    def order(self) -> list[int]:
        return [e.id for e in self.entries]

    def move(self, entry_id: int, step: int) -> bool:
        """Swap the entry with the next (``step`` 1) or previous (-1) entry of its
        chapter; False when it is the last (first) there, or not in the guide."""
        entry = self.find(entry_id)
        if entry is None:
            return False
        chapter = [i for i, e in enumerate(self.entries) if e.theme == entry.theme]
        at = next(n for n, i in enumerate(chapter) if self.entries[i].id == entry_id)
        if not 0 <= at + step < len(chapter):
            return False
        a, b = chapter[at], chapter[at + step]
        self.entries[a], self.entries[b] = self.entries[b], self.entries[a]
        return True


# --- suggestions ------------------------------------------------------------------


def suggestion_lines(suggestions: Suggestions | None) -> list[Heading | Submission]:
    lines: list[Heading | Submission] = []
    for group in suggestions.items if suggestions else []:
        if group.submissions:
            lines.append(Heading(group.theme, len(group.submissions), "suggestion"))
            lines.extend(group.submissions)
    return lines


def without(suggestions: Suggestions, submission_id: int) -> Suggestions:
    """The suggestions without that submission (in every theme it was listed under)."""
    return suggestions.model_copy(update={"items": [
        group.model_copy(update={"submissions": [
            s for s in group.submissions if s.id != submission_id]})
        for group in suggestions.items]})


_NUMBER = re.compile(r"\s*#?\s*(\d{1,10})\s*")


def submission_number(text: str) -> int | None:
    """The submission number typed ('123', '#123'), or None if that is not one."""
    found = _NUMBER.fullmatch(text)
    number = int(found.group(1)) if found else 0
    return number if 1 <= number < 2**31 else None


# --- the words on screen ----------------------------------------------------------


def day(when_: date, now: datetime) -> str:
    """'5 Mar'; with the year when it is more than half a year away ('5 Mar 2028')."""
    year = f" {when_.year}" if abs((when_ - now.date()).days) > 182 else ""
    return f"{when_.day} {when_:%b}{year}"


def count(n: int, noun: str) -> str:
    return f"{n} entries" if noun == "entry" and n != 1 else plural(n, noun)


def heading_line(heading: Heading) -> Content:
    return Content.assemble(one_line(heading.theme or NO_THEME, "bold"),
                            Content.styled(f" · {count(heading.count, heading.noun)}", "dim"))


def entry_line(entry: GuideEntry, number: int, now: datetime) -> Content:
    """Two lines: the title, then status, review date, lead, pledges and sources."""
    review = f"review {day(entry.review_on, now)}" if entry.review_on else "no review date"
    lead = (Content("lead ") + one_line(entry.lead.display_name) if entry.lead
            else Content("no lead"))
    meta = Content.assemble(
        f"    {STATUS_WORDS.get(entry.status, entry.status)} · {review} · ", lead,
        f" · {plural(len(entry.pledges), 'pledge')} · {plural(len(entry.sources), 'source')}")
    if entry.moderation_status != "published":
        meta = meta + Content.styled(f" · {entry.moderation_status}", "bold")
    return Content.assemble(Content.styled(f"{number:>2}. ", "dim"),
                            one_line(entry.title, "bold"), "\n", meta.stylize("dim"))


def suggestion_line(item: Submission) -> Content:
    """Two lines: number and title, then kind, votes, author and comments."""
    votes = (f"{plural(item.up, 'support')}, {plural(item.down or 0, 'oppose')}"
             if item.up is not None else "votes hidden")
    who = author_name(item.author.display_name if item.author else None, item.anonymous)
    meta = Content.assemble(f"    {item.kind} · {votes} · ", one_line(who),
                            f" · {plural(item.comments, 'comment')}")
    return Content.assemble(Content.styled(f"#{item.id} ", "dim"), one_line(item.title, "bold"),
                            "\n", meta.stylize("dim"))


def line_keys(lines: Sequence[Heading | GuideEntry | Submission]) -> list[str]:
    """Each line's key, unique among them, the same for the same row when drawn again
    (the cursor is kept on it): a submission is suggested under each of its themes."""
    from client.guide_models import GuideEntry

    keys, theme = [], ""
    for line in lines:
        if isinstance(line, Heading):
            theme = f"{line.theme}" if line.theme is not None else ""
            keys.append(f"heading-{line.noun}-{theme}")
        elif isinstance(line, GuideEntry):
            keys.append(f"entry-{line.id}")
        else:
            keys.append(f"submission-{line.id}-{theme}")
    return keys


def cursor_at(lines: Sequence[Heading | GuideEntry | Submission], keys: list[str],
              keep: str | None, index: int) -> int | None:
    """Where the cursor goes when the lines are drawn again: on the row ``keep`` if it
    is still there, else the first row from ``index`` on (a heading is no row), else
    the last row; None when there is none."""
    if keep in keys:
        index = keys.index(keep)
    rows = [i for i, line in enumerate(lines) if not isinstance(line, Heading)]
    return next((i for i in rows if i >= index), rows[-1] if rows else None)


def contents(lines: Sequence[Heading | GuideEntry | Submission],
             now: datetime) -> list[Content]:
    """Each line's words; entries numbered within their chapter."""
    from client.guide_models import GuideEntry

    shown, number = [], 0
    for line in lines:
        if isinstance(line, Heading):
            number = 0
            shown.append(heading_line(line))
        elif isinstance(line, GuideEntry):
            number += 1
            shown.append(entry_line(line, number, now))
        else:
            shown.append(suggestion_line(line))
    return shown


def publication_words(model: GuideModel, now: datetime) -> str:
    if model.published and model.published_at is not None:
        return f"published {day(model.published_at.astimezone().date(), now)}"
    if model.published:
        return "published"
    return "not published" if model.published is not None else "publication not known"


def guide_heading(title: str, model: GuideModel, mode: Mode, now: datetime) -> Content:
    if mode == "suggestions":
        return Content.assemble(Content.styled("Suggestions", "bold"), Content.styled(
            " · top-rated, not yet in the guide · a shortlists · esc the guide", "dim"))
    if not model.loaded:
        state = Content.styled(" · loading…", "dim")
    else:
        words = publication_words(model, now)
        state = Content.assemble(
            " · ", Content.styled(words[:1].upper() + words[1:],
                                  "bold" if model.published else "dim"),
            Content.styled(f" · {count(len(model.entries), 'entry')}", "dim"))
    return Content.assemble(Content.styled("Guide: ", "bold"), one_line(title, "bold"), state)


def empty_words(mode: Mode, facilitator: bool, published: bool | None) -> str:
    if mode == "suggestions":
        return "Nothing to suggest: every top-rated submission is in the guide."
    if facilitator:
        return "No entries yet: s shows suggestions to shortlist, a adds a submission."
    if published is False:
        return "The guide is not published yet, and no entry is open to you."
    return "No entries yet."


# --- exports ----------------------------------------------------------------------


def export_directory() -> Path:
    """The user's downloads folder when there is one, else the app's data folder."""
    import platformdirs

    downloads = Path(platformdirs.user_downloads_dir())
    if downloads.is_dir():
        return downloads
    return Path(platformdirs.user_data_dir("change-challenge", appauthor=False)) / "exports"


def export_path(directory: Path, slug: str, fmt: ExportFormat) -> Path:
    """A new file for the export: ``slug-guide.md``, then ``slug-guide-2.md``..."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", slug).strip("-") or "challenge"
    suffix = SUFFIXES[fmt]
    path, n = directory / f"{stem}-guide.{suffix}", 1
    while path.exists():
        n += 1
        path = directory / f"{stem}-guide-{n}.{suffix}"
    return path


def save_export(slug: str, fmt: ExportFormat, text: str,
                directory: Path | None = None) -> Path:
    """Write the export to a new file (blocking: run it in a thread); its path."""
    where = directory or export_directory()
    where.mkdir(parents=True, exist_ok=True)
    while True:
        path = export_path(where, slug, fmt)
        try:
            with path.open("x", encoding="utf-8", newline="") as out:  # never over a file
                out.write(text)
        except FileExistsError:
            continue  # made meanwhile (another export): the next name
        return path
