"""``Idempotency-Key``: a POST is done once per (user, key); retries get the first answer."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.deps import Svc
from server.problems import IDEMPOTENCY_MISMATCH, ProblemError
from server.services import Services
from server.tables import IdempotencyRow

PENDING = 0


class Idempotency:
    def __init__(self, services: Services, request: Request, key: str | None) -> None:
        self.services = services
        self.key = key
        self.path = f"{request.method} {request.url.path}"
        self._row: IdempotencyRow | None = None

    def _fingerprint(self, payload: BaseModel | None) -> str:
        body = payload.model_dump_json() if payload is not None else ""
        return hashlib.sha256(f"{self.path}\n{body}".encode()).hexdigest()

    async def claim(self, session: AsyncSession, user_id: int,
                    payload: BaseModel | None) -> JSONResponse | None:
        """Reserve the key in this transaction, or return the stored answer.

        Call first in the write transaction. A concurrent request with the same key
        waits on the unique index and then sees this one's answer.
        """
        if self.key is None:
            return None
        fingerprint = self._fingerprint(payload)
        for _ in range(2):
            row = IdempotencyRow(user_id=user_id, key=self.key, fingerprint=fingerprint,
                                 status_code=PENDING, body="", created_at=self.services.now())
            session.add(row)
            try:
                await session.flush()
            except IntegrityError:
                await session.rollback()
            else:
                self._row = row
                return None
            existing = (await session.execute(select(IdempotencyRow).where(
                IdempotencyRow.user_id == user_id, IdempotencyRow.key == self.key))).scalar_one()
            expiry = timedelta(hours=self.services.settings.idempotency_hours)
            if existing.created_at + expiry <= self.services.now():
                await session.execute(delete(IdempotencyRow).where(
                    IdempotencyRow.id == existing.id))
                continue
            stored_fingerprint, status_code, body = (
                existing.fingerprint, existing.status_code, existing.body)
            await session.rollback()  # expires ``existing``: read it before
            if stored_fingerprint != fingerprint:
                raise ProblemError(
                    409, "This Idempotency-Key was already used for a different request.",
                    type=IDEMPOTENCY_MISMATCH)
            if status_code == PENDING:
                raise ProblemError(409, "A request with this Idempotency-Key is in progress.",
                                   type=IDEMPOTENCY_MISMATCH)
            return JSONResponse(json.loads(body), status_code=status_code,
                                headers={"Idempotent-Replayed": "true"})
        raise ProblemError(409, "This Idempotency-Key could not be reserved; retry.")

    def remember(self, status_code: int, result: BaseModel) -> None:
        """Store the answer; it commits with the work it describes."""
        if self._row is not None:
            self._row.status_code = status_code
            self._row.body = result.model_dump_json()


async def get_idempotency(
    services: Svc, request: Request,
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255,
                                      pattern=r"^[\x21-\x7e]+$")] = None,
) -> Idempotency:
    return Idempotency(services, request, key)


Idem = Annotated[Idempotency, Depends(get_idempotency)]
