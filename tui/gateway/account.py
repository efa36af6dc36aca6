"""The gateway's system account: it must exist, with an empty password, and nothing
else: what to run when it is not so."""

from __future__ import annotations

import pwd
import shlex
from dataclasses import dataclass
from pathlib import Path

SHADOW = Path("/etc/shadow")
# The account's home: one that exists (else sshd greets every person with "Could not
# chdir to home directory") and that it cannot write to. The app itself runs with HOME
# and the XDG directories pointed at nothing (``tui.gateway.session``).
HOME = "/"


@dataclass(frozen=True)
class AccountCheck:
    ok: bool
    problem: str = ""  # what is wrong, in a sentence
    fix: tuple[str, ...] = ()  # the commands to run, one a line
    warning: str = ""  # could not check everything (not root): said, not fatal


def create_commands(user: str) -> tuple[str, ...]:
    name = shlex.quote(user)
    return (f"useradd --system --no-create-home --home-dir {HOME} --shell /bin/sh {name}",
            f"passwd -d {name}")


def password_field(user: str, shadow: Path = SHADOW) -> str | None:
    """The account's password field in ``shadow``; None when it cannot be read."""
    try:
        text = shadow.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) > 1 and fields[0] == user:
            return fields[1]
    return None


def check_account(user: str, shadow: Path = SHADOW) -> AccountCheck:
    """Whether ``user`` can be the gateway's account, and what to run when it cannot.

    The shell must run a command (sshd runs ``ForceCommand`` through it), so
    ``nologin`` and ``false`` will not do; the password must be empty (sshd's 'none'
    authentication), neither set (people would be asked for it) nor locked (sshd
    refuses locked accounts).
    """
    name = shlex.quote(user)
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return AccountCheck(False, f"There is no system account {user!r}.",
                            create_commands(user))
    if entry.pw_uid == 0:
        return AccountCheck(False, f"{user!r} is root: use an account of its own.",
                            create_commands("change-challenge"))
    if Path(entry.pw_shell).name in ("nologin", "false", ""):
        return AccountCheck(False, f"{user!r} has the shell {entry.pw_shell!r}, which "
                            "cannot run the app.", (f"usermod --shell /bin/sh {name}",))
    password = password_field(user, shadow)
    if password is None:
        return AccountCheck(True, warning=f"Could not read {shadow} (run as root) to check "
                            f"that {user!r} has an empty password: `passwd -d {name}`.")
    if password.startswith(("!", "*")):
        return AccountCheck(False, f"{user!r} is locked (or has no password set), and sshd "
                            "refuses locked accounts.", (f"passwd -d {name}",))
    if password:
        return AccountCheck(False, f"{user!r} has a password: people would be asked for "
                            "it. The gateway needs it empty (they sign in inside the app).",
                            (f"passwd -d {name}",))
    return AccountCheck(True)
