"""Opaque keyset cursors: the sort key of the last row served, bound to its query."""

from __future__ import annotations

import base64
import hashlib
import json
import math
from typing import Annotated, Any

from fastapi import Query

from client.models import FieldError
from server.problems import VALIDATION, ProblemError

#: The ``cursor`` query parameter: a page's ``next_cursor``, unpadded base64url.
Cursor = Annotated[str | None, Query(
    max_length=500, pattern=r"^[A-Za-z0-9_-]*$",
    description="the previous page's next_cursor (only a cursor this server issued "
                "for the same query is valid)")]


def _bad_cursor() -> ProblemError:
    return ProblemError(422, "The cursor is not valid for this list; start from the first page.",
                        type=VALIDATION,
                        errors=[FieldError(field="cursor", message="invalid cursor")])


def query_tag(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:12]


def _fits(value: object, kind: type) -> bool:
    # Out-of-range numbers would reach the database as errors, not as 422s.
    if isinstance(value, bool) or not isinstance(value, kind):
        return False
    if isinstance(value, int):
        return abs(value) < 2**62
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def encode(tag: str, key: list[Any]) -> str:
    raw = json.dumps({"t": tag, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, tag: str, types: tuple[type, ...]) -> list[Any]:
    """The key in ``cursor``, checked against the query and the expected types."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        key = data["k"]
        ok = (data["t"] == tag and isinstance(key, list) and len(key) == len(types)
              and all(_fits(v, t) for v, t in zip(key, types, strict=True)))
    except (ValueError, TypeError, KeyError):
        raise _bad_cursor() from None
    if not ok:
        raise _bad_cursor()
    return list(key)
