"""``change-challenge admin challenge create | update | show | list``.

A challenge is set up from a TOML file in the shape of the API's ``ChallengeCreate``
(``docs/challenge.example.toml`` explains every field), checked by the same models and
written by the same code as ``POST`` / ``PATCH /challenges`` (``server.challenge_setup``),
in one transaction. ``show`` prints the file ``update`` takes back: an update from an
unchanged file changes nothing.

This runs in its own process. On PostgreSQL its transaction tells every server instance
to drop the challenge from its caches (``server.invalidation.notify_in``) when it
commits, so the change applies at their next request. On SQLite it cannot reach a
running server's per-process cache of challenges and phases (``server.cache.Challenges``):
the server reads a challenge afresh for ``GET /challenges/{slug}``, so it shows a change
at once; posting, voting and the pages of submissions go by the cached phases for up to
``CHALLENGE_CACHE_SECONDS`` (2 by default) more.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import ChallengeCreate, ChallengeUpdate, PhaseIn, PromptIn
from server import challenge_setup
from server.admin_users import aligned, database, for_terminal
from server.challenge_toml import FileMistakes, Mistake, dumps, mistakes, parse
from server.config import Settings
from server.invalidation import notify_in
from server.phases import current_phase
from server.problems import ProblemError
from server.queries import phases_of
from server.tables import ChallengeRow, PhaseRow, utcnow

M = TypeVar("M", bound=BaseModel)
COLUMNS = ("SLUG", "TITLE", "PHASE NOW", "UNTIL", "OPENS", "CLOSES")
TITLE_WIDTH = 40
_MINUTES = "%Y-%m-%d %H:%MZ"  # Z: UTC, as in the set-up file


def _fail(message: str, code: int) -> int:
    print(f"change-challenge: {message}", file=sys.stderr)
    return code


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _report(problem: FileMistakes, source: str) -> int:
    for mistake in problem.mistakes:
        _fail(mistake.render(source), 2)
    return 2


def _read(file: str) -> tuple[str, str]:
    """(the name to report mistakes under, the text): ``-`` is standard input."""
    if file == "-":
        return "stdin", sys.stdin.read()
    try:
        return file, Path(file).read_bytes().decode("utf-8")
    except OSError as exc:
        raise FileMistakes([Mistake(None, "", f"cannot read the file: {exc.strerror}")]
                           ) from None
    except UnicodeDecodeError as exc:
        raise FileMistakes([Mistake(None, "", f"not UTF-8 text (byte {exc.start})")]) from None


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    text = str(error["msg"]).removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


def _checked(model: type[M], data: dict[str, Any], text: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise mistakes(text, [(e["loc"], _message(e)) for e in exc.errors()]) from None


def _refused(problem: ProblemError, text: str) -> FileMistakes:
    """A refusal of the shared set-up code (a duplicate theme) as mistakes in the file."""
    errors = problem.problem.errors
    return mistakes(text, [(tuple(int(p) if p.isdigit() else p for p in e.field.split(".")),
                            e.message) for e in errors]
                    or [((), problem.problem.detail or problem.problem.title)])


async def create(settings: Settings, file: str) -> int:
    source = file
    try:
        source, text = _read(file)
        body = _checked(ChallengeCreate, parse(text), text)
        async with database(settings) as db, db.write() as session:
            try:
                challenge = await challenge_setup.create(session, body, utcnow())
            except ProblemError as exc:
                if exc.problem.status != 409:
                    raise _refused(exc, text) from None
                raise mistakes(text, [(("slug",), (
                    f"a challenge with the slug {body.slug!r} exists; to change it: "
                    f"change-challenge admin challenge update {body.slug} --file {file}"))]
                ) from None
            await notify_in(session, {"challenge": challenge.id})
            await session.commit()
    except FileMistakes as problem:
        return _report(problem, source)
    print(f"Created challenge {challenge.slug} ({_count(len(body.phases), 'phase')}, "
          f"{_count(len(body.prompts), 'prompt')}).")
    return 0


async def update(settings: Settings, slug: str, file: str) -> int:
    source = file
    try:
        source, text = _read(file)
        data = parse(text)
        named = data.pop("slug", slug)
        if named != slug:
            raise mistakes(text, [(("slug",), f"the file is for {named!r}, not {slug!r}; "
                                              "a challenge's slug cannot be changed")])
        body = _checked(ChallengeUpdate, data, text)
        async with database(settings) as db, db.write() as session:
            challenge = await _find(session, slug)
            if challenge is None:
                return _no_challenge(slug)
            try:
                changed = await challenge_setup.update(session, challenge, body, utcnow())
            except ProblemError as exc:
                raise _refused(exc, text) from None
            await notify_in(session, {"challenge": challenge.id})
            await session.commit()
    except FileMistakes as problem:
        return _report(problem, source)
    print(f"Updated challenge {slug}: {', '.join(changed)}." if changed
          else f"No change: challenge {slug} is as the file says.")
    return 0


async def _find(session: AsyncSession, slug: str) -> ChallengeRow | None:
    return (await session.execute(select(ChallengeRow).where(ChallengeRow.slug == slug)
                                  .with_for_update())).scalar_one_or_none()


def _no_challenge(slug: str) -> int:
    return _fail(f"no challenge has the slug {for_terminal(slug)}", 1)


def document(challenge: ChallengeRow, phases: Sequence[PhaseRow],
             prompts: Sequence[Any]) -> dict[str, Any]:
    """The stored challenge as ``ChallengeCreate``'s fields, in its order: every field
    of the model, so one added to it (and to its table) is shown and read back."""
    lists = {"phases": challenge_setup.row_values(phases, PhaseIn),
             "prompts": challenge_setup.row_values(prompts, PromptIn)}
    return {name: lists[name] if name in lists else getattr(challenge, name)
            for name in ChallengeCreate.model_fields}


def _comment(slug: str) -> str:
    return (f"The challenge {slug}, as stored. Edit, then:\n"
            f"  change-challenge admin challenge update {slug} --file THIS_FILE\n"
            "A key left out keeps its value; [[phases]] and [[prompts]], when given,\n"
            "replace them all. Times are shown in UTC; any offset may be written.\n"
            "docs/challenge.example.toml explains every field.\n")


async def show(settings: Settings, slug: str) -> int:
    async with database(settings) as db, db.read() as session:
        challenge = (await session.execute(
            select(ChallengeRow).where(ChallengeRow.slug == slug))).scalar_one_or_none()
        if challenge is None:
            return _no_challenge(slug)
        phases = await phases_of(session, challenge.id)
        prompts = await challenge_setup.prompts_of(session, challenge.id)
    sys.stdout.write(dumps(document(challenge, phases, prompts), _comment(slug)))
    return 0


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime(_MINUTES)


def _phase_now(phases: Sequence[PhaseRow], now: datetime) -> tuple[str, str]:
    """The current phase and when it ends; otherwise where the challenge stands."""
    current = current_phase(phases, now)
    if current is not None:
        return for_terminal(current.name), _when(current.ends_at)
    if not phases:
        return "(no phases)", "-"
    if now < phases[0].starts_at:
        return "(not started)", "-"
    if now >= phases[-1].ends_at:
        return "(ended)", "-"
    return "(between phases)", "-"


def _short(title: str) -> str:
    title = for_terminal(title)
    return title if len(title) <= TITLE_WIDTH else title[:TITLE_WIDTH - 1] + "…"


async def list_challenges(settings: Settings) -> int:
    async with database(settings) as db, db.read() as session:
        challenges = list((await session.execute(
            select(ChallengeRow).order_by(ChallengeRow.id))).scalars())
        phases: dict[int, list[PhaseRow]] = {c.id: [] for c in challenges}
        for phase in (await session.execute(
                select(PhaseRow).order_by(PhaseRow.challenge_id, PhaseRow.position))).scalars():
            phases[phase.challenge_id].append(phase)
    now = utcnow()
    rows = [COLUMNS]
    for challenge in challenges:
        mine = phases[challenge.id]
        rows.append((challenge.slug, _short(challenge.title), *_phase_now(mine, now),
                     _when(mine[0].starts_at if mine else None),
                     _when(mine[-1].ends_at if mine else None)))
    print(aligned(rows))
    return 0
