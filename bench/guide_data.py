"""A guide entry with a long history, for ``bench.guide_tui``: one challenge in its
develop phase, one entry whose text is about 10,000 characters, edited 199 times after
it was shortlisted (200 versions), each edit rewriting one paragraph somewhere in it.

Seeded straight into the database (as ``bench.moderation.seed_queue`` does): the
bench times the app, not 200 PATCH requests.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from server.db import Database
from server.guide_tables import GuideEntryRow, GuideSourceRow, GuideVersionRow
from server.security import hash_token
from server.tables import (
    ChallengeRow,
    PhaseRow,
    PromptRow,
    SessionRow,
    SubmissionRow,
    SubmissionThemeRow,
    UserRow,
)

SLUG = "guide-bench"
CHALLENGE = "Guide bench"
TITLE = "Bench entry with a long history"
PARAGRAPHS = 40
HEADINGS = {0: "## What it is", 10: "## How to start", 20: "## What to watch out for",
            30: "## Evidence"}
WORDS = ("ward", "handover", "sheet", "nurse", "patient", "shift", "family", "team",
         "minutes", "checklist", "huddle", "bed", "discharge", "pharmacy", "porter")


@dataclass(frozen=True)
class Seeded:
    token: str  # an admin's: a facilitator, who may read the history
    entry_id: int
    versions: int

    @staticmethod
    def marker(version: int) -> str:
        """A phrase only version ``version`` wrote (its changed paragraph starts with it)."""
        return f"Revised in v{version:03d}"


def paragraph(rng: random.Random, lead: str = "") -> str:
    words = [rng.choice(WORDS) for _ in range(34)]
    return (lead + " " if lead else "") + " ".join(words).capitalize() + "."


def bodies(versions: int, seed: int = 7) -> list[str]:
    """The text of each version, oldest first: ~10,000 characters, one paragraph
    rewritten per version; the first paragraph always carries the latest marker, so the
    top of the text shows which version is on screen."""
    rng = random.Random(seed)
    paragraphs = [paragraph(rng) for _ in range(PARAGRAPHS)]
    texts = []
    for v in range(1, versions + 1):
        if v > 1:
            at = rng.randrange(1, PARAGRAPHS)
            paragraphs[at] = paragraph(rng, Seeded.marker(v))
        paragraphs[0] = f"{Seeded.marker(v)}: the latest text of this entry."
        lines: list[str] = []
        for i, p in enumerate(paragraphs):
            if i in HEADINGS:
                lines += [HEADINGS[i], ""]
            lines += [p, ""]
        texts.append("\n".join(lines).rstrip("\n"))
    return texts


async def seed_long_entry(url: str, versions: int = 200) -> Seeded:
    db = Database.connect(url, pool_size=1)
    now = datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    texts = bodies(versions)
    try:
        async with db.write() as session:
            challenge = ChallengeRow(slug=SLUG, title=CHALLENGE, summary="",
                                     themes=["Handover"], moderation="post",
                                     anonymous_default=False, created_at=now, updated_at=now)
            admin = UserRow(email="admin@bench.example.org", display_name="Bench admin",
                            password_hash="!", role="admin", created_at=now)
            session.add_all([challenge, admin])
            await session.flush()
            session.add_all([
                PhaseRow(challenge_id=challenge.id, position=0, name="Share",
                         starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=10),
                         submissions=True, comments=True, votes=True, show_counts=True),
                PhaseRow(challenge_id=challenge.id, position=1, name="Develop",
                         starts_at=now - timedelta(days=10), ends_at=now + timedelta(days=30),
                         submissions=False, comments=True, votes=False, show_counts=True,
                         develop=True),
                PromptRow(challenge_id=challenge.id, position=0, kind="story",
                          question="What works?", description=""),
                SessionRow(token_hash=hash_token(token), user_id=admin.id, created_at=now,
                           expires_at=now + timedelta(days=1))])
            story = SubmissionRow(
                challenge_id=challenge.id, kind="story", title=TITLE,
                body="A one-page sheet at the bedside.",
                author_id=admin.id, anonymous=False, status="published", up=3, down=0,
                comments=0, score=0.5, created_at=now - timedelta(days=15),
                updated_at=now - timedelta(days=15))
            session.add(story)
            await session.flush()
            session.add(SubmissionThemeRow(submission_id=story.id, theme="Handover"))
            start = now - timedelta(days=9)
            entry = GuideEntryRow(challenge_id=challenge.id, submission_id=story.id,
                                  title=TITLE, theme="Handover", status="testing",
                                  lead_id=admin.id, position=0, body=texts[-1],
                                  version=versions, mod_status="published",
                                  created_at=start, updated_at=now - timedelta(minutes=5))
            session.add(entry)
            await session.flush()
            session.add(GuideSourceRow(entry_id=entry.id, submission_id=story.id,
                                       origin="shortlisted", position=0, created_at=start))
            step = (now - start) / versions
            session.add_all([GuideVersionRow(
                entry_id=entry.id, version=v, title=TITLE, theme="Handover",
                status="testing", body=texts[v - 1], author_id=admin.id,
                created_at=start + step * (v - 1)) for v in range(1, versions + 1)])
            await session.commit()
            return Seeded(token=token, entry_id=entry.id, versions=versions)
    finally:
        await db.dispose()
