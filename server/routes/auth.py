"""Registration, sign-in and sign-out; the current user."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from client.models import (
    AuthResponse,
    FieldError,
    LoginRequest,
    RegisterConfirm,
    RegisterRequest,
    RegistrationPending,
    User,
)
from client.pairs_models import MeUpdate
from server import registration
from server.deps import CurrentUser, Svc, bearer
from server.problems import DOMAIN_NOT_ALLOWED, REGISTRATION_CLOSED, ProblemError
from server.security import hash_token, new_token
from server.services import Services
from server.tables import SessionRow, UserRow
from server.views import user_out

router = APIRouter(tags=["auth"])


def client_address(request: Request) -> str:
    """The peer of the connection; behind a proxy listed in CHALLENGE_FORWARDED_ALLOW_IPS,
    the client its X-Forwarded-For names (uvicorn rewrites the scope's client)."""
    return request.client.host if request.client else "unknown"


async def _issue_token(services: Services, user: UserRow) -> AuthResponse:
    token = new_token()
    now = services.now()
    expires = now + timedelta(hours=services.settings.token_lifetime_hours)
    async with services.db.write() as session:
        session.add(SessionRow(token_hash=hash_token(token), user_id=user.id,
                               created_at=now, expires_at=expires))
        await session.commit()
    return AuthResponse(token=token, user=user_out(user), expires_at=expires)


@router.post("/auth/register", status_code=status.HTTP_201_CREATED,
             response_model=AuthResponse, responses={
                 202: {"model": RegistrationPending,
                       "description": "Registration confirmed by mail: a code was sent "
                                      "(the same answer whether or not the address has an "
                                      "account)"},
                 403: {"description": "Registration closed, or the email's domain not "
                                      "allowed"},
                 409: {"description": "Open registration: the address cannot be "
                                      "registered"},
                 503: {"description": "Registration by mail: the mail could not be sent"}})
async def register(body: RegisterRequest, services: Svc,
                   request: Request) -> AuthResponse | JSONResponse:
    """Signed in at once (201) where registration is open; where the server confirms
    addresses by mail, 202 and a code to ``/auth/register/confirm``."""
    mode = services.settings.registration_mode
    _refuse_if_closed(mode)
    await services.throttle.attempt(client_address(request))
    email = body.email.strip().lower()
    domain = email.rsplit("@", 1)[1]
    allowed = services.settings.allowed_email_domains
    if allowed and domain not in allowed:
        raise ProblemError(
            403, f"Registration is open to addresses at {', '.join(allowed)} only.",
            type=DOMAIN_NOT_ALLOWED,
            errors=[FieldError(field="email", message="email domain not allowed")])
    # Hashed whatever happens next: the time taken tells nothing about the address.
    password_hash = await services.passwords.hash(body.password)
    display_name = body.display_name.strip()
    if mode == "email":
        pending = await registration.start(services, email, display_name, password_hash)
        return JSONResponse(pending.model_dump(mode="json"),
                            status_code=status.HTTP_202_ACCEPTED)
    user = UserRow(email=email, display_name=display_name,
                   password_hash=password_hash, role="participant", created_at=services.now())
    async with services.db.write() as session:
        session.add(user)
        try:
            await session.commit()
        except IntegrityError:
            # Open registration cannot hide that the address is taken (configure mail
            # for that); it need not say so in as many words.
            raise ProblemError(409, "This address cannot be registered. If it is yours, "
                                    "sign in.",
                               errors=[FieldError(field="email",
                                                  message="cannot be registered")]
                               ) from None
    return await _issue_token(services, user)


@router.post("/auth/register/confirm", status_code=status.HTTP_201_CREATED, responses={
    400: {"description": "The code is wrong, used up or expired"},
    403: {"description": "Registration closed"}})
async def confirm_registration(body: RegisterConfirm, services: Svc,
                               request: Request) -> AuthResponse:
    """The code from the mail completes the registration: the account is made and
    signed in."""
    _refuse_if_closed(services.settings.registration_mode)
    await services.throttle.attempt(client_address(request))
    user = await registration.confirm(services, body.registration, body.code)
    return await _issue_token(services, user)


def _refuse_if_closed(mode: str) -> None:
    if mode == "closed":
        raise ProblemError(403, "Registration is closed on this server; an administrator "
                                "makes accounts.", type=REGISTRATION_CLOSED)


@router.post("/auth/login")
async def login(body: LoginRequest, services: Svc, request: Request) -> AuthResponse:
    email = body.email.strip().lower()
    address = client_address(request)
    await services.throttle.sign_in(email, address)
    async with services.db.read() as session:
        user = (await session.execute(
            select(UserRow).where(UserRow.email == email))).scalar_one_or_none()
    ok = await services.passwords.verify(user.password_hash if user else None, body.password)
    if not ok or user is None:
        await services.throttle.failed(email, address)
        raise ProblemError(401, "The email or password is wrong.",
                           headers={"WWW-Authenticate": "Bearer"})
    if user.blocked:
        raise ProblemError(403, "This account is blocked.")
    await services.throttle.succeeded(email, address)
    return await _issue_token(services, user)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT,
             response_class=Response)
async def logout(user: CurrentUser, services: Svc, request: Request) -> Response:
    credentials: HTTPAuthorizationCredentials | None = await bearer(request)
    assert credentials is not None  # current_user guarantees a valid token
    token_hash = hash_token(credentials.credentials)
    async with services.db.write() as session:
        await session.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == token_hash,
                   SessionRow.revoked_at.is_(None))
            .values(revoked_at=services.now()))
        await session.commit()
    await services.invalidate.token(token_hash)
    await services.live.revoked(token_hash)  # its live streams end, on every instance
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(user: CurrentUser) -> User:
    return user_out(user)



@router.patch("/me")
async def update_me(body: MeUpdate, user: CurrentUser, services: Svc) -> User:
    """Declare, change or (with null) clear your staff group, one of the fixed list
    (``client.ranking.STAFF_GROUPS``; anything else is a 422 naming ``staff_group``)."""
    async with services.db.write() as session:
        row = await session.get(UserRow, user.id)
        if row is None:  # deleted while the request was on its way
            raise ProblemError(401, "Sign in again.", headers={"WWW-Authenticate": "Bearer"})
        changed = row.staff_group != body.staff_group
        row.staff_group = body.staff_group
        await session.commit()
        result = user_out(row)
    if changed:
        # Their sign-in is cached with the old group, and every challenge they voted in
        # tallies their votes by it (sort=bridging, the groups shown): dropped everywhere.
        await services.invalidate.users([user.id])
        await services.invalidate.pages(None)
    return result
