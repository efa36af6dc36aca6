"""The wire contract: every request and response body of the v1 API.

The server declares its endpoints with these models and the client parses with
them, so the two cannot drift. Request models forbid unknown fields (a client
cannot set ``score``, ``status`` or ``role``); response models ignore them so an
older client keeps working against a newer server.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from client.fields import (
    MAX_BODY,
    MAX_THEMES,
    Body,
    CommentBody,
    DisplayName,
    Email,
    Moment,
    NotBlank,
    Password,
    Slug,
    Storable,
    Text,
    Theme,
    Title,
    VoteValue,
    encodable,
    not_blank,
    whole_numbers,
)
from client.text import VISIBLE_PATTERN, clean_text

Kind = Literal["story", "idea"]
Role = Literal["participant", "moderator", "admin"]
ModerationMode = Literal["pre", "post"]
SubmissionStatus = Literal["pending", "published", "rejected", "hidden", "withdrawn", "merged"]
CommentStatus = Literal["pending", "published", "rejected", "hidden", "withdrawn"]
Sort = Literal["top", "new", "discussed", "random", "pairwise", "bridging"]
FlagReason = Literal["spam", "offensive", "personal_data", "off_topic", "other"]


class Request(BaseModel):
    """A body the client sends: unknown fields are an error, and so is a value of another
    JSON type than the document says (no ``"1"`` for 1, no 0 for false)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _json_integers(cls, data: object) -> object:
        return whole_numbers(data)


class Response(BaseModel):
    """A body the server sends: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


T = TypeVar("T")


class Page(Response, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


# --- problems -------------------------------------------------------------------


class FieldError(Response):
    field: str
    message: str


class Problem(Response):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    request_id: str | None = None
    retry_after: int | None = None


VALIDATION = "/problems/validation"


def field_error(error: Mapping[str, Any], *, located: bool = False) -> FieldError:
    """One of pydantic's errors as the API names it: ``targets.0.type``, "unknown field".
    ``located``: the location comes first (FastAPI's "body", "query", ...), dropped."""
    parts = [str(p) for p in error.get("loc", ())]
    if located and parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = "unknown field"
    elif error.get("type") in ("too_long", "string_too_long"):
        message = _too_long(error) or message
    return FieldError(field=".".join(parts) or "body", message=message)


def _too_long(error: Mapping[str, Any]) -> str | None:
    """"at most 20,000 characters (this is 21,204)", for pydantic's "Value should have
    at most 20000 items after validation, not 21204" (a length checked after cleaning)."""
    ctx = error.get("ctx") or {}
    most, given = ctx.get("max_length"), error.get("input")
    if not isinstance(most, int):
        return None
    what = "characters" if isinstance(given, str) else "items"
    actual = len(given) if isinstance(given, str | list) else ctx.get("actual_length")
    return f"at most {most:,} {what}" + (f" (this is {actual:,})" if isinstance(actual, int)
                                         else "")


def validation_problem(errors: list[FieldError]) -> Problem:
    """The 422 problem for these field errors (the server's and the client's)."""
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return Problem(type=VALIDATION, title="Invalid request", status=422, detail=detail,
                   errors=errors)


# --- health and users -----------------------------------------------------------


class Health(Response):
    status: Literal["ok"]
    version: str
    database: str


class RegisterRequest(Request):
    email: Email
    display_name: DisplayName
    password: Password


class LoginRequest(Request):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256), AfterValidator(encodable),
                        Storable]


class UserPublic(Response):
    """What anyone may see of a person."""

    id: int
    display_name: str


class User(UserPublic):
    """The signed-in user's own record."""

    email: str
    role: Role
    organisation: str | None = None
    staff_group: str | None = None
    created_at: datetime


class AuthResponse(Response):
    token: str
    user: User
    expires_at: datetime


class RegistrationPending(Response):
    """202 from registration on a server that confirms addresses by mail: a code went
    to ``email`` (the same answer whether or not the address has an account)."""

    status: Literal["confirmation_sent"]
    email: str
    registration: str  # give it back with the code: only this registration completes
    expires_at: datetime


def _code(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")  # as people copy it: "1234 5678"
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("is the code of digits from the mail")
    return digits


class RegisterConfirm(Request):
    registration: Annotated[str, Field(min_length=1, max_length=128), AfterValidator(encodable),
                            Storable]
    # Digits, spaced or dashed as people copy them from a mail (what ``_code`` takes).
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9 -]*[0-9][0-9 -]*$"),
                    AfterValidator(_code)]


# --- challenges -----------------------------------------------------------------


class PhaseIn(Request):
    name: Annotated[str, AfterValidator(clean_text), AfterValidator(not_blank),
                    Field(max_length=80), NotBlank]
    starts_at: Moment
    ends_at: Moment
    submissions: bool = False
    comments: bool = False
    votes: bool = False
    show_counts: bool = True
    vote_budget: Annotated[int, Field(ge=1, le=10_000)] | None = None
    # The develop stage: guide entries can be edited, pledged to and commented on.
    develop: bool = False
    # Pairwise prioritisation: people compare two submissions at a time (``/pairs``).
    pairwise: bool = False

    # Field validators, not one on the model, so an error names the field it is about
    # (``phases.2.ends_at``): the API's errors and the set-up file's line numbers.
    @field_validator("starts_at", "ends_at")
    @classmethod
    def _with_offset(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("phase times need a timezone offset")
        return value

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")  # absent when it was itself invalid
        if starts_at is not None and value <= starts_at:
            raise ValueError("a phase must end after it starts")
        return value


class Phase(Response):
    id: int
    position: int
    name: str
    starts_at: datetime
    ends_at: datetime
    submissions: bool
    comments: bool
    votes: bool
    show_counts: bool
    vote_budget: int | None = None
    develop: bool = False
    pairwise: bool = False


class PromptIn(Request):
    kind: Kind
    question: Annotated[str, AfterValidator(clean_text), AfterValidator(not_blank),
                        Field(max_length=200), NotBlank]
    description: Annotated[Text, Field(max_length=2_000)] = ""


class Prompt(Response):
    kind: Kind
    question: str
    description: str = ""


def _check_phases(phases: list[PhaseIn] | None) -> list[PhaseIn] | None:
    if not phases:
        return phases
    ordered = sorted(phases, key=lambda p: p.starts_at)
    for earlier, later in itertools.pairwise(ordered):
        if later.starts_at < earlier.ends_at:
            raise ValueError(f"phases {earlier.name!r} and {later.name!r} overlap")
    return phases


def _check_prompts(prompts: list[PromptIn] | None) -> list[PromptIn] | None:
    if prompts is not None and len({p.kind for p in prompts}) != len(prompts):
        raise ValueError("at most one prompt per kind")
    return prompts


class ChallengeCreate(Request):
    slug: Slug
    title: Title
    summary: Annotated[Text, Field(max_length=MAX_BODY)] = ""
    themes: Annotated[list[Theme], Field(max_length=30)] = Field(default_factory=list)
    moderation: ModerationMode = "post"
    anonymous_default: bool = False
    phases: Annotated[list[PhaseIn], Field(max_length=20)] = Field(default_factory=list)
    prompts: Annotated[list[PromptIn], Field(min_length=1, max_length=10)]

    _phases_apart = field_validator("phases")(_check_phases)
    _one_prompt_per_kind = field_validator("prompts")(_check_prompts)


class ChallengeUpdate(Request):
    """Fields left out stay as they are; ``phases`` and ``prompts`` replace the lists."""

    title: Title | None = None
    summary: Annotated[Text, Field(max_length=MAX_BODY)] | None = None
    themes: Annotated[list[Theme], Field(max_length=30)] | None = None
    moderation: ModerationMode | None = None
    anonymous_default: bool | None = None
    phases: Annotated[list[PhaseIn], Field(max_length=20)] | None = None
    prompts: Annotated[list[PromptIn], Field(min_length=1, max_length=10)] | None = None

    _phases_apart = field_validator("phases")(_check_phases)
    _one_prompt_per_kind = field_validator("prompts")(_check_prompts)


class ChallengeSummary(Response):
    slug: str
    title: str
    current_phase: Phase | None = None
    submissions: int = 0
    participants: int = 0
    created_at: datetime


class Challenge(ChallengeSummary):
    summary: str
    themes: list[str]
    moderation: ModerationMode
    anonymous_default: bool
    phases: list[Phase]
    prompts: list[Prompt]
    # The signed-in viewer's supports left under the current phase's vote budget;
    # None without a budget or a viewer (and from servers that do not say).
    supports_left: int | None = None


# --- submissions ----------------------------------------------------------------


class SubmissionCreate(Request):
    kind: Kind
    title: Title
    body: Body
    themes: Annotated[list[Theme], Field(max_length=MAX_THEMES)] = Field(default_factory=list)
    anonymous: bool | None = None  # None: the challenge's default


class SubmissionUpdate(Request):
    title: Title | None = None
    body: Body | None = None
    themes: Annotated[list[Theme], Field(max_length=MAX_THEMES)] | None = None
    anonymous: bool | None = None


class GroupSupport(Response):
    """How one staff group voted on a submission; only for a group of at least
    ``client.ranking.MIN_GROUP_SIZE`` voters on it (smaller groups are never shown)."""

    group: str
    up: int
    down: int


class Submission(Response):
    id: int
    challenge: str
    kind: Kind
    title: str
    body: str
    themes: list[str]
    author: UserPublic | None = None  # None when anonymous, except for moderators
    anonymous: bool
    is_mine: bool = False
    status: SubmissionStatus
    # Why a moderator held or rejected it; shown to its author and moderators only.
    status_reason: str | None = None
    # Counts are None while the current phase hides them from this viewer.
    up: int | None = None
    down: int | None = None
    score: float | None = None
    # Pairwise comparisons won and lost and their score (``client.ranking``); None
    # while counts are hidden, like ``up``.
    wins: int | None = None
    losses: int | None = None
    pairwise_score: float | None = None
    # Support across staff groups (``client.ranking.bridging_score``) and how each
    # group of at least 5 voters on it voted (it supports when up > down); None
    # while counts are hidden.
    bridging: float | None = None
    groups: list[GroupSupport] | None = None
    comments: int
    # A moderator closed the discussion: new comments are refused.
    comments_locked: bool = False
    my_vote: int | None = None
    created_at: datetime
    updated_at: datetime


# --- comments, votes, flags -----------------------------------------------------


class CommentCreate(Request):
    body: CommentBody
    parent_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None


class Comment(Response):
    id: int
    submission_id: int
    parent_id: int | None = None
    body: str
    # None when by the submission's anonymous author (``anonymous``), except for moderators.
    author: UserPublic | None = None
    anonymous: bool = False
    status: CommentStatus
    # Why it waits for a moderator (e.g. suspected personal data); for its author.
    status_reason: str | None = None
    created_at: datetime


class OpenedSubmission(Submission):
    """``GET /submissions/{id}``. Asked with ``?comments=N``, the first page of its
    comments comes with it (as ``GET /submissions/{id}/comments?limit=N`` pages them),
    so opening a submission is one request; otherwise, or from an older server, None."""

    comment_page: Page[Comment] | None = None


class VoteRequest(Request):
    value: VoteValue


class VoteResult(Response):
    submission_id: int
    my_vote: int | None = None
    up: int | None = None
    down: int | None = None
    score: float | None = None
    # As on ``Challenge``: the voter's supports left after this vote.
    supports_left: int | None = None


class FlagCreate(Request):
    reason: FlagReason
    note: Annotated[Text, Field(max_length=1_000)] = ""


class Flag(Response):
    id: int
    # "entry" and "entry_comment": a guide entry's text, a comment on one.
    target_type: Literal["submission", "comment", "entry", "entry_comment"]
    target_id: int
    reason: FlagReason
    note: str
    created_at: datetime


# --- stats ----------------------------------------------------------------------


class DayStats(Response):
    day: date
    submissions: int
    comments: int
    votes: int


class Stats(Response):
    challenge: str
    participants: int
    submissions: int
    submissions_by_kind: dict[str, int]
    submissions_by_theme: dict[str, int]
    votes: int
    comments: int
    per_day: list[DayStats]


# --- moderation -----------------------------------------------------------------

ModerationActionName = Literal["approve", "reject", "hide", "restore", "dismiss_flags",
                               "merge", "lock_comments", "block_user"]
# Facilitators' actions on the guide (the develop stage): in the audit log and undoable
# like decisions, but made through the guide's own endpoints, not /moderation/decisions.
GuideActionName = Literal["guide_shortlist", "guide_remove", "guide_update", "guide_order",
                          "guide_publish"]
# Seeing a challenge's counts while its phase hides them (POST /moderation/reveal-counts).
AuditedActionName = Literal["reveal_counts"]
LoggedActionName = Literal[ModerationActionName, GuideActionName, AuditedActionName]
# "entry" and "entry_comment": a guide entry's text and a comment on an entry.
TargetType = Literal["submission", "comment", "entry", "entry_comment"]
ExportFormat = Literal["csv", "jsonl", "markdown"]
MAX_DECISION_TARGETS = 500
_ModerationId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class DecisionTarget(Request):
    type: TargetType
    id: _ModerationId
    # Optional freshness check: the id of the latest decision you saw on this item
    # (``QueueItem.last_action``), 0 for none. If another has been made (or that one
    # was undone) since, the decision is refused with 409 naming it.
    seen_action: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None


def _only_submissions() -> JsonDict:
    return {"items": {"properties": {"type": {"const": "submission"}}}}


def _no_entries() -> JsonDict:
    # A guide entry has several writers and its status is the facilitators' (the guide's
    # own endpoints): it is hidden or restored, never rejected, and blocks nobody.
    return {"items": {"properties": {"type": {"enum": ["submission", "comment",
                                                       "entry_comment"]}}}}


_NO_MERGE_INTO: JsonDict = {"merge_into": {"type": "null"}}


class DecisionCreate(Request):
    # What the server checks across fields, said in the document (the server's
    # 422s name the field: merge_into, reason, targets.N.type).
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"oneOf": [
        {"properties": {"action": {"const": "merge"}, "merge_into": {"type": "integer"},
                        "targets": _only_submissions()},
         "required": ["merge_into"]},
        {"properties": {"action": {"const": "lock_comments"}, "targets": _only_submissions(),
                        **_NO_MERGE_INTO}},
        {"properties": {"action": {"const": "reject"}, **_NO_MERGE_INTO,
                        "reason": {"type": "string", "pattern": VISIBLE_PATTERN},
                        "targets": _no_entries()},
         "required": ["reason"]},
        {"properties": {"action": {"const": "block_user"}, "targets": _no_entries(),
                        **_NO_MERGE_INTO}},
        {"properties": {"action": {"enum": [
            a for a in get_args(ModerationActionName)
            if a not in ("merge", "lock_comments", "reject", "block_user")]},
            **_NO_MERGE_INTO}},
    ]})

    targets: Annotated[list[DecisionTarget],
                       Field(min_length=1, max_length=MAX_DECISION_TARGETS)]
    action: ModerationActionName
    # Required to reject (the author sees it); optional otherwise.
    reason: Annotated[Text, Field(max_length=1_000)] | None = None
    merge_into: _ModerationId | None = None  # a submission; only with ``merge``


class ActionTarget(Response):
    # "challenge": a facilitator's action on a challenge's whole guide (publication).
    type: Literal["submission", "comment", "user", "entry", "entry_comment", "challenge"]
    id: int


class ModerationAction(Response):
    """One entry of the audit log."""

    id: int
    action: LoggedActionName
    moderator: UserPublic
    reason: str | None = None
    targets: list[ActionTarget]
    merge_into: int | None = None
    blocked_users: list[UserPublic] = Field(default_factory=list)
    challenges: list[str] = Field(default_factory=list)
    created_at: datetime
    undone_at: datetime | None = None
    undone_by: UserPublic | None = None


class TargetState(Response):
    """An item as a decision or an undo left it."""

    type: TargetType
    id: int
    status: str
    status_reason: str | None = None
    comments_locked: bool | None = None  # submissions only


class DecisionResult(Response):
    action: ModerationAction
    items: list[TargetState]


class ActionRef(Response):
    """The latest decision on an item that has not been undone."""

    id: int
    action: LoggedActionName
    moderator: UserPublic
    created_at: datetime


class QueueFlag(Response):
    id: int
    reason: FlagReason
    note: str
    reporter: UserPublic
    created_at: datetime


class ModeratedAuthor(UserPublic):
    """An author as moderators see them, anonymous or not."""

    email: str
    role: Role
    blocked: bool


class RecordEntry(Response):
    type: TargetType
    id: int
    excerpt: str
    status_reason: str | None = None
    at: datetime


class AuthorRecord(Response):
    submissions: int
    comments: int
    rejections: int
    recent_rejections: list[RecordEntry]


class PersonalDataFinding(Response):
    """A span of suspected personal data: ``text[start:end]`` of ``field`` (code points)."""

    field: Literal["title", "body"]
    kind: Literal["nhs_number", "phone", "email", "date_of_birth"]
    start: int
    end: int
    text: str


class DuplicateCandidate(Response):
    type: TargetType
    id: int
    submission_id: int
    title: str  # a comment's: the start of its body
    status: str
    score: float  # 0..1, see server/duplicates.py


class QueueItem(Response):
    type: TargetType
    id: int
    challenge: str
    kind: Kind
    submission_id: int  # the item itself, or the submission a comment is on
    submission_title: str
    parent_id: int | None = None
    title: str | None = None  # submissions only
    body: str
    themes: list[str] = Field(default_factory=list)
    status: str
    status_reason: str | None = None
    anonymous: bool = False
    comments_locked: bool = False
    up: int | None = None
    down: int | None = None
    comments: int | None = None
    queued_for: list[Literal["pending", "flagged"]]
    flags: list[QueueFlag]
    flag_count: int  # distinct people with open reports
    flag_reasons: dict[str, int]
    author: ModeratedAuthor
    author_record: AuthorRecord
    personal_data: list[PersonalDataFinding]
    duplicates: list[DuplicateCandidate]
    last_action: ActionRef | None = None
    created_at: datetime
    updated_at: datetime


class QueuePage(Page[QueueItem]):
    total: int  # items in the queue with these filters, all pages
