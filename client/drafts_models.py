"""The wire models of a person's drafts on the server (``/api/v1/me/drafts``).

A draft is whatever the client chooses to keep under a key of its own choosing: a
submission being written, a post queued with its idempotency key, a guide entry edit.
The server does not read it; it stores it, bounds it and gives it back as sent.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from pydantic import Field, JsonValue, field_validator, model_validator

from client.models import Problem, Request, Response

#: A draft key: ASCII letters, digits and ``. _ : -``, starting with a letter or digit
#: (so never ``.`` or ``..``, which URL normalisation would eat), at most 100 long.
DRAFT_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
MAX_DRAFT_KEY = 100
#: How deep arrays and objects may nest in a draft's value.
MAX_DRAFT_DEPTH = 32

DraftKey = Annotated[str, Field(min_length=1, max_length=MAX_DRAFT_KEY,
                                pattern=DRAFT_KEY_PATTERN)]


def value_problem(value: object) -> str | None:
    """Why ``value`` cannot be kept as a draft (None when it can): nested deeper than
    ``MAX_DRAFT_DEPTH``, a number that is not finite, or text no database can store (a
    lone surrogate). Walked without recursion: the value may be hostile."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DRAFT_DEPTH:
                return f"nests deeper than {MAX_DRAFT_DEPTH} levels"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, float) and not math.isfinite(item):
            return "holds a number that is not finite"
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "holds text that is not valid Unicode (a lone surrogate)"
    return None


class DraftIn(Request):
    """``PUT /me/drafts/{key}``: the draft's new value, any JSON (an object, a text, ...),
    at most ``CHALLENGE_DRAFT_MAX_BYTES`` once serialised (256 KiB bodies at most)."""

    value: JsonValue

    @model_validator(mode="before")
    @classmethod
    def _json_integers(cls, data: object) -> object:
        return data  # overrides Request's: the value is the client's, kept as sent

    @field_validator("value", mode="before")
    @classmethod
    def _storable(cls, value: object) -> object:
        reason = value_problem(value)
        if reason is not None:
            raise ValueError(f"the value {reason}")
        return value


class Draft(Response):
    """A kept draft. ``version`` counts its writes (1 when created) and is its ``ETag``:
    send it back in ``If-Match`` to write or delete only what you last saw."""

    key: str
    value: JsonValue
    version: int
    created_at: datetime
    updated_at: datetime


class DraftConflictProblem(Problem):
    """412 ``/problems/draft-conflict``: the draft is not at the version ``If-Match``
    named (another desk saved it, or it is gone), or exists where ``If-None-Match: *``
    said it should not; ``current`` is the draft now (null when there is none)."""

    current: Draft | None = None
