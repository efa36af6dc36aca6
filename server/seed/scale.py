"""``seed scale``: a synthetic challenge at national scale, for benchmarks.

Everything is decided in Python first (ids, who votes for what, counters, scores,
participants), so the stored counters are exact without a single ``UPDATE``; then it
is bulk-loaded in one transaction, rows streaming from generators: ``COPY`` (asyncpg
``copy_records_to_table`` on the raw driver connection) on PostgreSQL, one
``executemany`` per table on SQLite, where the FTS5 triggers keep the search index in
step (on PostgreSQL ``search_vector`` is a generated column). Afterwards PostgreSQL
gets ``VACUUM (ANALYZE)``, which its autovacuum would do by itself shortly; SQLite is
left as the application leaves it (no ``ANALYZE``), so benchmarks see the query plans
a real SQLite deployment gets.

Text is drawn from a word list with a Zipf-like distribution plus a tail of rare
words, so full-text search has realistic selectivity: :data:`COMMON_WORD` is in
roughly a third of the submissions, :data:`RARE_WORD` in well under one percent.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db import Database
from server.migrate import is_current, upgrade
from server.ranking import wilson_lower_bound
from server.tables import Base, ChallengeRow, PhaseRow, PromptRow, UserRow, UTCDateTime

#: The password of every seeded user (they share one precomputed argon2 hash).
PASSWORD = "scale-password"  # synthetic accounts for benchmarks only
THEMES = ["Time and capacity", "Permission to act", "Leadership behaviours",
          "Spreading what works", "Data and evidence", "Patient and public voice",
          "Bureaucracy and sign-off"]
REPLY_SHARE = 0.10
DAY = timedelta(days=1)


def _split(words: str) -> list[str]:
    return words.split()


# Function words: frequent, readable filler (PostgreSQL's english stop list drops them).
_FILLER = ["the", "and", "to", "of", "a", "in", "for", "we", "on", "with", "our", "it", "was",
           "is", "that"]
# Content words, most frequent first (a Zipf-like rank order). None is a stop word.
_CONTENT = _split("""
staff patient team ward time change nurse care shift rota manager handover
service work clinic meeting board doctor process support training feedback
huddle data discharge form system idea appointment bed list waiting approval
email week day night plan practice pharmacy referral theatre colleague trust
group leader question problem trial result audit record check report policy
project review phone letter equipment budget family community hospital unit
department office sign paperwork permission voice story experience improvement
quality safety risk pressure capacity demand flow backlog delay queue weekend
morning evening rounds notes board session consultant registrar porter cleaner
volunteer student apprentice receptionist therapist midwife paramedic surgeon
governance committee template spreadsheet dashboard whiteboard noticeboard poster
leaflet survey interview workshop coaching mentoring buddy induction rotation
escalation incident complaint compliment praise recognition reward thanks break
lunch canteen parking travel rest wellbeing sickness absence agency bank overtime
vacancy recruitment retention morale culture trust kindness respect listening
learning sharing spreading testing measuring piloting scaling simplifying removing
cutting reducing saving freeing speeding clarifying agreeing trusting asking
telling showing helping fixing planning booking ordering stocking labelling
dispensing prescribing triage assessment observation medication dressing infusion
bloods sample specimen xray scan result outpatient inpatient admission transfer
ambulance emergency urgent routine elective bedside corridor lift stairs cupboard
printer computer login password software app pager bleep rota roster timetable
calendar deadline target metric measure standard guideline protocol pathway
checklist huddleboard safetycross handbook charter pledge compact agreement
contract budget invoice purchase supplier catalogue stock delivery waste recycling
energy lighting heating noise privacy dignity language interpreter carer relative
visitor chaplain advocate governor director executive chair commissioner regulator
inspector
""")
# The rare tail: each word is in a fraction of a percent of the texts.
_RARE = _split("""
phlebotomy tracheostomy podiatry orthoptics audiology dietetics prosthetics
orthotics sonography cardiology nephrology haematology oncology dermatology
rheumatology urology gastroenterology endoscopy colposcopy hysteroscopy
bronchoscopy angiography lithotripsy dialysis plasmapheresis chemotherapy
radiotherapy brachytherapy physiotherapy hydrotherapy occupational speech
neonatal paediatric geriatric palliative hospice bereavement safeguarding
deprivation liberty capacityact mentalhealth crisisline outreach homecare
telehealth telemedicine videoconsult smartcard barcode wristband falls pressureulcer
sepsis delirium dementia frailty stroke diabetes asthma copd hypertension
anticoagulation insulin antibiotics stewardship immunisation vaccination screening
mammography colonoscopy spirometry echocardiogram holter telemetry oximetry
capnography ventilation oxygen nebuliser cannula catheter stoma wound cast splint
crutches wheelchair hoist mattress commode bedpan linen laundry sterile
decontamination autoclave formulary controlled drugs cupboardkeys fridge thermometer
sharps clinicalwaste porters pneumatic tube courier pathology histology cytology
microbiology virology serology genomics biobank research consent ethics caldicott
""")
#: In roughly a third of the submissions (title or body).
COMMON_WORD = "discharge"
#: In a fraction of a percent of the submissions.
RARE_WORD = "phlebotomy"

_ORGS = ["Northfield NHS Foundation Trust", "Riverside Community Health", "Eastgate Hospitals",
         "Westmoor Mental Health Trust", "Southbank Primary Care Network",
         "Hillside Ambulance Service", None]
_GROUPS = ["Nursing and midwifery", "Medical and dental", "Allied health professionals",
           "Healthcare scientists", "Administrative and clerical", "Estates and ancillary",
           "Managers", None]


def _vocabulary() -> tuple[list[str], list[float]]:
    """Words and their cumulative weights: filler, then Zipf content, then a rare tail."""
    words: list[str] = []
    weights: list[float] = []
    for rank, word in enumerate(_FILLER):
        words.append(word)
        weights.append(0.30 / len(_FILLER) * (1.6 if rank < 4 else 0.8))
    seen: set[str] = set(words)
    zipf = [w for w in dict.fromkeys(_CONTENT) if w not in seen]
    norm = sum(1 / (rank + 3) for rank in range(len(zipf)))
    for rank, word in enumerate(zipf):
        words.append(word)
        weights.append(0.694 * (1 / (rank + 3)) / norm)
        seen.add(word)
    rare = [w for w in dict.fromkeys(_RARE) if w not in seen]
    for word in rare:
        words.append(word)
        weights.append(0.006 / len(rare))
    cumulative: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return words, cumulative


def content_words() -> list[str]:
    """The vocabulary's words after the filler, most frequent first."""
    return _vocabulary()[0][len(_FILLER):]


class _Text:
    """Sentences of words from the vocabulary, deterministic for a given generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words, self.cumulative = _vocabulary()

    def _sentences(self, lengths: list[int]) -> list[str]:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=sum(lengths))
        out: list[str] = []
        at = 0
        for n in lengths:
            sentence = " ".join(words[at:at + n])
            at += n
            out.append(sentence[:1].upper() + sentence[1:])
        return out

    def title(self) -> str:
        (title,) = self._sentences([4 + int(self.rng.random() * 7)])
        return title if len(title) <= 140 else title[:140].rsplit(" ", 1)[0]

    def paragraph(self, sentences: int) -> str:
        rand = self.rng.random
        return ". ".join(self._sentences([6 + int(rand() * 11) for _ in range(sentences)])) + "."

    def body(self) -> str:
        rand = self.rng.random
        paragraphs = 1 + (rand() > 0.33) + (rand() > 0.66)
        return "\n\n".join(self.paragraph(2 + int(rand() * 3)) for _ in range(paragraphs))

    def comment(self) -> str:
        return self.paragraph(1 + int(self.rng.random() * 3))


def allocate(total: int, weights: Sequence[float], caps: Sequence[int],
             rng: random.Random) -> list[int]:
    """``total`` split over the slots in proportion to ``weights``, none above its cap."""
    if total > sum(caps):
        raise ValueError("more items than the slots can take")
    weight_sum = sum(weights) or 1.0
    counts = [min(cap, int(total * w / weight_sum)) for w, cap in zip(weights, caps, strict=True)]
    remaining = total - sum(counts)
    for _ in range(1_000):  # bounded: each round fills at least one unit
        if remaining <= 0:
            break
        open_slots = [i for i, (c, cap) in enumerate(zip(counts, caps, strict=True)) if c < cap]
        picks = rng.choices(open_slots, weights=[weights[i] + 1e-9 for i in open_slots],
                            k=min(remaining, 100_000))
        for i in picks:
            if remaining == 0:
                break
            if counts[i] < caps[i]:
                counts[i] += 1
                remaining -= 1
    for i in range(len(counts)):  # anything left (pathological weights): fill in order
        if remaining <= 0:
            break
        extra = min(caps[i] - counts[i], remaining)
        counts[i] += extra
        remaining -= extra
    return counts


@dataclass
class _Plan:
    """Everything decided before a row is written (times are seconds after ``start``)."""

    start: datetime
    now: datetime
    user_ids: list[int]
    submission_ids: list[int]
    comment_ids: list[int]
    authors: list[int] = field(default_factory=list)  # index into user_ids
    created: list[int] = field(default_factory=list)
    up: list[int] = field(default_factory=list)
    down: list[int] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    first_at: dict[int, int] = field(default_factory=dict)  # user index -> seconds

    def touch(self, user: int, at: int) -> None:
        known = self.first_at.get(user)
        if known is None or at < known:
            self.first_at[user] = at


class _Stamps:
    """Seconds after the phase start as the values the driver wants, cached."""

    def __init__(self, start: datetime, dialect: Dialect) -> None:
        self.start = start
        # The dialect's own processing (on SQLite: SQLAlchemy's text format, with
        # microseconds), exactly what the ORM would store.
        self.process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        self.cache: dict[int, Any] = {}

    def __call__(self, seconds: int) -> Any:
        value = self.cache.get(seconds)
        if value is None:
            moment = self.start + timedelta(seconds=seconds)
            value = self.process(moment) if self.process is not None else moment
            self.cache[seconds] = value
        return value


class _Loader:
    """Bulk inserts through the raw driver connection, inside the caller's transaction.

    Rows stream from their generator straight into the driver: one ``COPY`` per table
    on PostgreSQL (the server stores rows while Python makes the next ones), one
    ``executemany`` per table on SQLite (run in aiosqlite's thread, pulling rows as it
    goes). Nothing else runs meanwhile: a second Python thread generating rows would
    make the driver wait for the GIL at every row.
    """

    def __init__(self, driver: Any, dialect: str) -> None:
        self.driver = driver
        self.dialect = dialect
        self.report: dict[str, tuple[int, float]] = {}

    async def load(self, name: str, columns: Sequence[str],
                   rows: Iterable[tuple[Any, ...]]) -> int:
        began = time.perf_counter()
        counted = _Counted(rows)
        if self.dialect == "postgresql":
            await self.driver.copy_records_to_table(name, records=counted,
                                                    columns=list(columns))
        else:
            # Written out rather than compiled: SQLAlchemy's insert would also bind every
            # column with a Python-side default, which the rows do not carry.
            table = Base.metadata.tables[name]
            names = ", ".join(table.c[column].name for column in columns)
            marks = ", ".join("?" for _ in columns)
            statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
            await self.driver.executemany(statement, counted)
        self.report[name] = (counted.count, time.perf_counter() - began)
        return counted.count


class _Counted:
    """An iterable that counts what it hands out."""

    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for row in self.rows:
            self.count += 1
            yield row


def _check_arguments(users: int, submissions: int, votes: int, comments: int) -> str | None:
    if min(users, submissions, votes, comments) < 0:
        return "counts cannot be negative"
    if users < 1:
        return "at least one user is needed"
    if votes > submissions * (users - 1):
        return (f"{votes:,} votes cannot be distinct: {submissions:,} submissions x "
                f"{users - 1:,} voters (authors do not vote on their own) is the most")
    if comments and not submissions:
        return "comments need submissions"
    if max(users, submissions, comments, votes) >= 2**31 - 1:
        return "too many rows for 32-bit ids"
    return None


async def _reserve_ids(conn: AsyncConnection, dialect: str, name: str, n: int) -> list[int]:
    """``n`` fresh ids for ``table``: from its sequence on PostgreSQL, after max(id) on
    SQLite (where the transaction holds the database's write lock)."""
    if n == 0:
        return []
    table = Base.metadata.tables[name]
    if dialect == "postgresql":
        rows = await conn.execute(text(
            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n})
        return sorted(int(r[0]) for r in rows)
    top = (await conn.execute(select(func.coalesce(func.max(table.c.id), 0)))).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + n))


def _plan_submissions(plan: _Plan, rng: random.Random, submissions: int, votes: int,
                      comments: int) -> tuple[list[float], list[int]]:
    """Authors, times, vote and comment counts, up/down per submission."""
    users = len(plan.user_ids)
    span = max(1, int((plan.now - plan.start).total_seconds()) - 60)
    plan.created = sorted(rng.randrange(span) for _ in range(submissions))
    plan.authors = [rng.randrange(users) for _ in range(submissions)]
    # Popularity is heavy-tailed: a few submissions draw thousands of votes.
    popularity = [rng.lognormvariate(0.0, 1.2) for _ in range(submissions)]
    vote_counts = allocate(votes, popularity, [users - 1] * submissions, rng)
    plan.comments = allocate(comments, [p ** 0.8 for p in popularity],
                             [comments] * submissions, rng)
    appeal = [rng.betavariate(2, 2) for _ in range(submissions)]
    for k, a in zip(vote_counts, appeal, strict=True):
        support = 0.3 + 0.65 * a
        up = sum(1 for _ in range(k) if rng.random() < support)
        plan.up.append(up)
        plan.down.append(k - up)
    for author, at in zip(plan.authors, plan.created, strict=True):
        plan.touch(author, at)
    return popularity, vote_counts


def _submission_rows(plan: _Plan, rng: random.Random, words: _Text, challenge_id: int,
                     stamp: _Stamps, flag: Callable[[bool], Any],
                     themes_out: list[tuple[int, str]]) -> Iterator[tuple[Any, ...]]:
    for i, sid in enumerate(plan.submission_ids):
        kind = "story" if rng.random() < 0.55 else "idea"
        n_themes = rng.choices((0, 1, 2, 3), weights=(2, 4, 3, 1))[0]
        themes_out.extend((sid, t) for t in rng.sample(THEMES, n_themes))
        up, down = plan.up[i], plan.down[i]
        at = stamp(plan.created[i])
        yield (sid, challenge_id, kind, words.title(), words.body(),
               plan.user_ids[plan.authors[i]], flag(rng.random() < 0.1), "published", None,
               up, down, plan.comments[i], wilson_lower_bound(up, down), at, at)


def _comment_rows(plan: _Plan, rng: random.Random, words: _Text,
                  stamp: _Stamps) -> Iterator[tuple[Any, ...]]:
    """Comments per submission, oldest first; about 10% reply to an earlier top-level one."""
    now = int((plan.now - plan.start).total_seconds())
    eligible = sum(max(0, c - 1) for c in plan.comments)  # a submission's first is top-level
    total = sum(plan.comments)
    replies = min(eligible, round(total * REPLY_SHARE))
    reply_slots = set(rng.sample(range(eligible), replies)) if replies else set()
    users = len(plan.user_ids)
    next_id = iter(plan.comment_ids)
    rand = rng.random
    slot = 0
    for i, count in enumerate(plan.comments):
        if not count:
            continue
        sid = plan.submission_ids[i]
        born = plan.created[i]
        width = max(1, now - born)
        times = sorted(born + int(rand() * width) for _ in range(count))
        top_level: list[int] = []
        for j, at in enumerate(times):
            cid = next(next_id)
            parent = None
            if j > 0:
                if slot in reply_slots:
                    parent = top_level[int(rand() * len(top_level))]
                slot += 1
            if parent is None:
                top_level.append(cid)
            author = int(rand() * users)
            plan.touch(author, at)
            when = stamp(at)
            yield (cid, sid, parent, plan.user_ids[author], words.comment(), "published",
                   None, when, when)


def _vote_rows(plan: _Plan, rng: random.Random, vote_counts: list[int],
               stamp: _Stamps) -> Iterator[tuple[Any, ...]]:
    """Distinct voters per submission (never its author); the first ``up`` support it."""
    now = int((plan.now - plan.start).total_seconds())
    users = len(plan.user_ids)
    rand = rng.random
    first_at = plan.first_at
    stamps = stamp.cache
    user_ids = plan.user_ids
    for i, k in enumerate(vote_counts):
        if not k:
            continue
        sid = plan.submission_ids[i]
        author = plan.authors[i]
        # Sample from the users other than the author: index >= author shifts by one.
        voters = [v + (v >= author) for v in rng.sample(range(users - 1), k)]
        born = plan.created[i]
        width = max(1, now - born)
        up = plan.up[i]
        for n, voter in enumerate(voters):
            at = born + int(rand() * width)
            known = first_at.get(voter)
            if known is None or at < known:
                first_at[voter] = at
            when = stamps.get(at)
            if when is None:
                when = stamp(at)
            yield (user_ids[voter], sid, 1 if n < up else -1, when, when)


async def seed_scale(settings: Settings, *, users: int, submissions: int, votes: int,
                     comments: int, slug: str, seed: int) -> int:
    """Seed a synthetic challenge ``slug``; 0 on success, 1 if refused."""
    problem = _check_arguments(users, submissions, votes, comments)
    if problem:
        print(f"change-challenge: seed scale: {problem}", file=sys.stderr)
        return 1
    began = time.perf_counter()
    if settings.is_sqlite:
        await upgrade(settings.database_url)
    elif not await is_current(settings.database_url):
        print("change-challenge: seed scale: the PostgreSQL schema is not up to date; "
              "run 'change-challenge migrate'", file=sys.stderr)
        return 1
    db = Database.connect(settings.database_url, pool_size=1)
    try:
        made = await _seed(db, settings, users=users, submissions=submissions, votes=votes,
                           comments=comments, slug=slug, seed=seed)
        if isinstance(made, str):
            print(f"change-challenge: seed scale: {made}", file=sys.stderr)
            return 1
        loaded = time.perf_counter()
        await _analyse(db)
    finally:
        await db.dispose()
    done = time.perf_counter()
    print(f"Seeded {slug!r} on {db.dialect} in {done - began:.1f} s "
          f"(generate and load {loaded - began:.1f} s, analyse {done - loaded:.1f} s):")
    for name, (rows, seconds) in made.items():
        print(f"  {name:<18} {rows:>12,} rows {seconds:>7.1f} s" if rows or name[0] != "("
              else f"  {name:<18} {'':>17} {seconds:>7.1f} s")
    print(f"Users are {slug}.1@example.org ... {slug}.{users}@example.org, "
          f"password {PASSWORD!r}; search words: {COMMON_WORD!r} (common), "
          f"{RARE_WORD!r} (rare).")
    return 0


async def _seed(db: Database, settings: Settings, *, users: int, submissions: int,
                votes: int, comments: int, slug: str,
                seed: int) -> dict[str, tuple[int, float]] | str:
    dialect = db.dialect
    password_hash = PasswordHasher(time_cost=settings.argon2_time_cost,
                                   memory_cost=settings.argon2_memory_kib).hash(PASSWORD)
    async with db.writer.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        if dialect == "sqlite":
            # This connection only (it is disposed of afterwards): a big page cache,
            # so the index inserts of millions of rows stay in memory.
            await driver.execute("PRAGMA cache_size=-524288")
        async with conn.begin():
            if (await conn.execute(select(ChallengeRow.id).where(
                    ChallengeRow.slug == slug))).first() is not None:
                return f"a challenge with the slug {slug!r} already exists; choose another --slug"
            first_email = f"{slug}.1@example.org"
            if (await conn.execute(select(UserRow.id).where(
                    UserRow.email == first_email))).first() is not None:
                return f"users {slug}.N@example.org already exist; choose another --slug"
            now = datetime.now(UTC).replace(microsecond=0)
            start = now.replace(minute=0, second=0) - 3 * DAY
            plan = _Plan(start=start, now=now,
                         user_ids=await _reserve_ids(conn, dialect, "users", users),
                         submission_ids=await _reserve_ids(conn, dialect, "submissions",
                                                           submissions),
                         comment_ids=await _reserve_ids(conn, dialect, "comments", comments))
            challenge_id = await _challenge(conn, slug, start, now)
            made = await _load(plan, _Loader(driver, dialect), conn.dialect, seed=seed,
                               challenge_id=challenge_id, password_hash=password_hash,
                               slug=slug, votes=votes)
    return made


async def _challenge(conn: AsyncConnection, slug: str, start: datetime, now: datetime) -> int:
    title = f"National scale ({slug})"
    challenge_id = int((await conn.execute(insert(ChallengeRow).values(
        slug=slug, title=title[:140],
        summary="A synthetic challenge for benchmarks: what works, and what should we test?",
        themes=THEMES, moderation="post", anonymous_default=False,
        created_at=start - 7 * DAY, updated_at=start - 7 * DAY,
    ).returning(ChallengeRow.id))).scalar_one())
    await conn.execute(insert(PhaseRow).values(
        challenge_id=challenge_id, position=0, name="Share and prioritise",
        starts_at=start, ends_at=now + 27 * DAY, submissions=True, comments=True, votes=True,
        show_counts=True, vote_budget=None))
    await conn.execute(insert(PromptRow), [
        {"challenge_id": challenge_id, "position": 0, "kind": "story",
         "question": "What solutions work?", "description": ""},
        {"challenge_id": challenge_id, "position": 1, "kind": "idea",
         "question": "What solutions should we test?", "description": ""},
    ])
    return challenge_id


async def _load(plan: _Plan, loader: _Loader, dialect: Dialect, *, seed: int,
                challenge_id: int, password_hash: str, slug: str,
                votes: int) -> dict[str, tuple[int, float]]:
    """Plan, then load table by table; rows and seconds per table."""
    began = time.perf_counter()
    rng = random.Random(f"{seed}:plan")
    stamp = _Stamps(plan.start, dialect)
    sqlite = dialect.name == "sqlite"

    def flag(value: bool) -> Any:
        return int(value) if sqlite else value

    _popularity, vote_counts = _plan_submissions(plan, rng, len(plan.submission_ids), votes,
                                                 len(plan.comment_ids))
    loader.report["(planning)"] = (0, time.perf_counter() - began)
    joined = stamp(-7 * 86_400)
    people = random.Random(f"{seed}:users")
    user_rows = ((uid, f"{slug}.{n}@example.org", f"Scale user {n}", password_hash,
                  "participant", people.choice(_ORGS), people.choice(_GROUPS), flag(False),
                  joined)
                 for n, uid in enumerate(plan.user_ids, start=1))
    await loader.load(
        "users", ("id", "email", "display_name", "password_hash", "role", "organisation",
                  "staff_group", "blocked", "created_at"), user_rows)

    themes: list[tuple[int, str]] = []
    await loader.load(
        "submissions", ("id", "challenge_id", "kind", "title", "body", "author_id", "anonymous",
                        "status", "status_reason", "up", "down", "comments", "score",
                        "created_at", "updated_at"),
        _submission_rows(plan, random.Random(f"{seed}:submissions"),
                         _Text(random.Random(f"{seed}:words")), challenge_id, stamp, flag,
                         themes))
    await loader.load(
        "submission_themes", ("submission_id", "theme"), themes)
    await loader.load(
        "comments", ("id", "submission_id", "parent_id", "author_id", "body", "status",
                     "status_reason", "created_at", "updated_at"),
        _comment_rows(plan, random.Random(f"{seed}:comments"),
                      _Text(random.Random(f"{seed}:comment-words")), stamp))
    await loader.load(
        "votes", ("user_id", "submission_id", "value", "created_at", "updated_at"),
        _vote_rows(plan, random.Random(f"{seed}:votes"), vote_counts, stamp))
    await loader.load(
        "participants", ("challenge_id", "user_id", "first_at"),
        ((challenge_id, plan.user_ids[u], stamp(at)) for u, at in sorted(plan.first_at.items())))
    return loader.report


async def _analyse(db: Database) -> None:
    """Fresh planner statistics (PostgreSQL): what autovacuum would do a little later."""
    if db.dialect != "postgresql":
        return
    async with db.writer.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for table in ("users", "submissions", "submission_themes", "comments", "votes",
                      "participants"):
            await driver.execute(f"VACUUM (ANALYZE) {table}")
