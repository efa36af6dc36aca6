"""Wire models of pairwise prioritisation and of a person's staff group."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from client.fields import Text
from client.models import Request, Response, Submission
from client.ranking import STAFF_GROUPS

#: One of ``client.ranking.STAFF_GROUPS`` (checked against that list by the server and
#: by ``MeUpdate``), kept a plain string on the wire so a newer list stays readable.
StaffGroup = str
PairChoiceValue = Literal["left", "right", "skip"]


class MeUpdate(Request):
    """``PATCH /me``: what a person may change about themselves. ``staff_group`` null
    clears it; a group not in ``client.ranking.STAFF_GROUPS`` is a 422."""

    # The list is in the schema too, so a client (or a fuzzer) knows what is accepted.
    staff_group: Annotated[StaffGroup, Field(json_schema_extra={"enum": list(STAFF_GROUPS)})
                           ] | None = None

    @field_validator("staff_group")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in STAFF_GROUPS:
            raise ValueError("is not one of the NHS staff groups: " + ", ".join(STAFF_GROUPS))
        return value


class Pair(Response):
    """``GET /challenges/{slug}/pairs/next``: two submissions of one kind to compare.
    ``pair`` is an opaque token naming the two for this person; give it back."""

    pair: str
    left: Submission
    right: Submission


class PairChoice(Request):
    """``POST /challenges/{slug}/pairs``: which of the pair should be tested first, or
    ``skip`` ("can't decide") with an optional reason. Choosing again replaces it."""

    pair: Annotated[str, Field(min_length=1, max_length=512)]
    choice: PairChoiceValue
    reason: Annotated[Text, Field(max_length=500)] | None = None

    @field_validator("reason")
    @classmethod
    def _only_when_skipping(cls, reason: str | None, info: ValidationInfo) -> str | None:
        # A reason says why someone could not decide; with a choice it would be dropped
        # unseen, so it is refused instead.
        if reason is not None and info.data.get("choice") in ("left", "right"):
            raise ValueError("a reason goes only with choice skip (can't decide)")
        return reason


class PairResult(Response):
    """What was recorded, and the person's next pair of the same kind (None when none is
    left), so the next comparison needs no second request."""

    left_id: int
    right_id: int
    choice: PairChoiceValue
    next: Pair | None = None
