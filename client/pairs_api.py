"""Pairwise prioritisation and a person's staff group, as a mixin ``ChallengeClient``
inherits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import ValidationError

from client.errors import Invalid
from client.models import Kind, User, field_error, validation_problem
from client.pairs_models import MeUpdate, Pair, PairChoice, PairChoiceValue, PairResult

if TYPE_CHECKING:
    from client.transport import Transport


def _body(model: type[MeUpdate] | type[PairChoice], **fields: Any) -> Any:
    try:
        return model(**fields)
    except ValidationError as exc:
        raise Invalid(validation_problem([field_error(e) for e in exc.errors()])) from None


class PairsMixin:
    """Two submissions at a time: ``next_pair`` then ``compare`` (which also brings the
    next pair); and the staff group a person declares for ``sort=bridging``."""

    _t: Transport

    async def next_pair(self, slug: str, kind: Kind) -> Pair | None:
        """The next pair for the signed-in person to compare, or None when none is left
        (204). ``Forbidden`` (403, phase-closed) outside a pairwise phase."""
        response = await self._t.send(
            "GET", f"/challenges/{quote(slug, safe='')}/pairs/next", params={"kind": kind})
        if response.status_code == 204:
            return None
        return self._t.decode(response, Pair, "GET pairs/next")

    async def compare(self, slug: str, pair: str, choice: PairChoiceValue, *,
                      reason: str | None = None,
                      idempotency_key: str | None = None) -> PairResult:
        """Record a choice (``left``, ``right`` or ``skip``) for ``pair``; again for the
        same pair replaces it. The answer carries the next pair."""
        fields: dict[str, Any] = {"pair": pair, "choice": choice}
        if reason is not None:
            fields["reason"] = reason
        return await self._t.call("POST", f"/challenges/{quote(slug, safe='')}/pairs",
                                  PairResult, body=_body(PairChoice, **fields),
                                  idempotency_key=idempotency_key)

    async def update_me(self, *, staff_group: str | None) -> User:
        """Declare (or, with None, clear) your staff group."""
        return await self._t.call("PATCH", "/me", User,
                                  body=_body(MeUpdate, staff_group=staff_group))
