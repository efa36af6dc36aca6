"""Revealing hidden counts, an audited moderators' action, as a mixin ``ChallengeClient``
inherits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from client.errors import Invalid
from client.models import field_error, validation_problem
from client.reveal_models import RevealedCounts, RevealRequest

if TYPE_CHECKING:
    from client.transport import Transport


class RevealMixin:
    _t: Transport

    async def reveal_counts(self, slug: str, reason: str) -> RevealedCounts:
        """Moderators and admins: a challenge's counts while its phase hides them. The
        server writes it to the audit log (action ``reveal_counts``, with ``reason``);
        ``Forbidden`` for anyone else."""
        try:
            body = RevealRequest(challenge=slug, reason=reason)
        except ValidationError as exc:
            raise Invalid(validation_problem([field_error(e) for e in exc.errors()])) from None
        return await self._t.call("POST", "/moderation/reveal-counts", RevealedCounts,
                                  body=body)
