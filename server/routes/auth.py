"""Registration, sign-in and sign-out; the current user."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from client.models import AuthResponse, FieldError, LoginRequest, RegisterRequest, User
from server.deps import CurrentUser, Svc, bearer
from server.problems import DOMAIN_NOT_ALLOWED, ProblemError
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


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(body: RegisterRequest, services: Svc, request: Request) -> AuthResponse:
    await services.throttle.attempt(client_address(request))
    email = body.email.strip().lower()
    domain = email.rsplit("@", 1)[1]
    allowed = services.settings.allowed_email_domains
    if allowed and domain not in allowed:
        raise ProblemError(
            403, f"Registration is open to addresses at {', '.join(allowed)} only.",
            type=DOMAIN_NOT_ALLOWED,
            errors=[FieldError(field="email", message="email domain not allowed")])
    password_hash = await services.passwords.hash(body.password)
    user = UserRow(email=email, display_name=body.display_name.strip(),
                   password_hash=password_hash, role="participant", created_at=services.now())
    async with services.db.write() as session:
        session.add(user)
        try:
            await session.commit()
        except IntegrityError:
            raise ProblemError(409, "An account with this email already exists; sign in.",
                               errors=[FieldError(field="email", message="already registered")]
                               ) from None
    return await _issue_token(services, user)


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
    services.tokens.drop(token_hash)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(user: CurrentUser) -> User:
    return user_out(user)

