"""Sending a draft: from the composer, and again from the drafts screen."""

from __future__ import annotations

from pydantic import ValidationError

from client.api import ChallengeClient
from client.errors import ChallengeError, Invalid
from client.models import (
    Challenge,
    FieldError,
    Problem,
    Submission,
    SubmissionCreate,
    SubmissionUpdate,
)
from tui.drafts import Draft, DraftStore
from tui.session import describe


async def post_draft(client: ChallengeClient, slug: str, draft: Draft) -> Submission:
    """Send a draft: an edit, or a new post under the draft's own idempotency key."""
    if draft.editing is not None:
        return await client.update_submission(draft.editing, SubmissionUpdate(
            title=draft.title, body=draft.body, themes=draft.themes, anonymous=draft.anonymous))
    try:
        body = SubmissionCreate.model_validate({
            "kind": draft.kind, "title": draft.title, "body": draft.body,
            "themes": draft.themes, "anonymous": draft.anonymous})
    except ValidationError as exc:  # checked here too, so mistakes show at once
        errors = [FieldError(field=str(e["loc"][0]), message=str(e["msg"]).removeprefix(
            "Value error, ")) for e in exc.errors()]
        raise Invalid(Problem(title="Invalid", status=422, errors=errors,
                              detail="Check the fields marked above.")) from None
    return await client.create_submission(slug, body, idempotency_key=draft.idempotency_key)


async def send_draft(client: ChallengeClient, challenge: Challenge, draft: Draft,
                     store: DraftStore) -> tuple[bool, str]:
    """Send from the drafts screen: the draft goes when it is posted, stays otherwise."""
    try:
        await post_draft(client, challenge.slug, draft)
    except ChallengeError as error:
        draft.error = describe(error)
        store.save(draft)
        return False, describe(error)
    store.delete(draft.id)
    return True, "Posted." if draft.editing is None else "Saved."
