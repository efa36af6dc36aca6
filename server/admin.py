"""``change-challenge admin``: account management from the command line."""

from __future__ import annotations

import sys

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from client.models import RegisterRequest
from client.pairs_models import MeUpdate
from server.admin_users import database
from server.config import Settings
from server.security import Passwords
from server.tables import UserRow, utcnow


async def create_user(settings: Settings, email: str, name: str, role: str, password: str,
                      organisation: str | None = None, staff_group: str | None = None) -> int:
    try:
        checked = RegisterRequest(email=email, display_name=name, password=password)
        MeUpdate(staff_group=staff_group)  # one of the NHS staff groups, or none
    except ValidationError as exc:
        for err in exc.errors():
            print(f"change-challenge: {'.'.join(map(str, err['loc']))}: {err['msg']}",
                  file=sys.stderr)
        return 2
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib)
    async with database(settings) as db, db.write() as session:
        user = UserRow(email=checked.email.lower(), display_name=checked.display_name,
                       password_hash=await passwords.hash(checked.password), role=role,
                       organisation=organisation, staff_group=staff_group,
                       created_at=utcnow())
        session.add(user)
        try:
            await session.commit()
        except IntegrityError:
            print(f"change-challenge: a user with the email {email} exists",
                  file=sys.stderr)
            return 1
    print(f"Created {role} {user.display_name} <{user.email}> (id {user.id}).")
    return 0
