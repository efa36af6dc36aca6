"""One ssh session: what ``sshd`` runs (``ForceCommand``) for each connection.

A terminal or nothing; a free slot under the cap or a clear refusal; limits on this
process; an environment with nothing persistent in it; then the app in kiosk mode,
in this process. When the app ends, the process ends, and so does the session.
"""

from __future__ import annotations

import fcntl
import os
import resource
import signal
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

NO_TERMINAL = ("The Change Challenge needs a terminal: connect with `ssh -t`, without a "
               "command (e.g. ssh -t {where}).")
FULL = "The challenge is full: {people} on it. Try again in a few minutes."
BROKEN = ("The gateway cannot count its sessions ({why}): please tell IT (run "
          "`change-challenge gateway sshd-config` again as root).")
NOWHERE = "/nonexistent"  # HOME and the XDG directories: nothing persistent, nothing there

MIB = 1024 * 1024
TASKS_PER_SESSION = 64  # threads and processes one app may have (it uses a dozen or so)


@dataclass(frozen=True)
class Limits:
    """The session process's resource limits (``setrlimit``, soft and hard alike)."""

    memory: int = 1024 * MIB  # RLIMIT_AS: address space; a signed-in app peaks under 512
    tasks: int = TASKS_PER_SESSION * 51  # RLIMIT_NPROC, which counts the whole account
    file_size: int = 1 * MIB  # RLIMIT_FSIZE: the app writes no files
    open_files: int = 256  # RLIMIT_NOFILE
    core: int = 0  # RLIMIT_CORE: no core dumps (they would hold what people typed)

    @classmethod
    def for_gateway(cls, max_sessions: int, memory_mb: int | None) -> Limits:
        """RLIMIT_NPROC counts every process and thread of the account, and every
        session runs as the same account: the cap is the whole gateway's, one session's
        share per seat and one to spare."""
        memory = memory_mb * MIB if memory_mb else cls.memory
        return cls(memory=memory, tasks=TASKS_PER_SESSION * (max_sessions + 1))

    def pairs(self) -> list[tuple[int, int]]:
        return [(resource.RLIMIT_AS, self.memory), (resource.RLIMIT_NPROC, self.tasks),
                (resource.RLIMIT_FSIZE, self.file_size),
                (resource.RLIMIT_NOFILE, self.open_files),
                (resource.RLIMIT_CORE, self.core)]


def apply_limits(limits: Limits) -> None:
    """Lower each limit, soft and hard (a limit is only ever lowered: never raised
    above what the process was given)."""
    for which, value in limits.pairs():
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def few_malloc_arenas() -> None:
    """glibc gives each thread up to 8 x cores arenas of 64 MiB of address space: two
    keep RLIMIT_AS about the memory used rather than the threads that ran."""
    with suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX


@contextmanager
def seat(directory: Path, seats: int) -> Iterator[int | None]:
    """One of ``seats`` lock files in ``directory``, held (``flock``) as long as the
    block runs, and by the kernel no longer than the process lives; None when all are
    taken. A crashed session frees its seat: there is nothing to clean up."""
    held: IO[bytes] | None = None
    number = None
    for index in range(seats):
        handle = open(directory / f"seat-{index}.lock", "ab")  # noqa: SIM115 (held below)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        held, number = handle, index
        break
    try:
        yield number
    finally:
        if held is not None:
            held.close()


def environment(environ: Mapping[str, str]) -> dict[str, str]:
    """What the app runs with: the terminal's type, a UTF-8 locale, and homes that do
    not exist, so nothing of one person is ever written where the next could read it.
    Nothing else of what sshd set passes (the client's address, the command asked for)."""
    term = environ.get("TERM", "") or "xterm"
    env = {"PATH": "/usr/bin:/bin", "TERM": term, "LANG": "C.UTF-8",
           "HOME": NOWHERE, "XDG_CONFIG_HOME": f"{NOWHERE}/config",
           "XDG_DATA_HOME": f"{NOWHERE}/data", "XDG_CACHE_HOME": f"{NOWHERE}/cache",
           "XDG_STATE_HOME": f"{NOWHERE}/state", "PYTHONDONTWRITEBYTECODE": "1",
           "CHALLENGE_TOKEN_STORE": "memory"}
    return env


@dataclass(frozen=True)
class SessionOptions:
    server: str
    runtime_dir: Path
    max_sessions: int
    idle_seconds: int
    limits: Limits
    ca_bundle: Path | None = None


def run(options: SessionOptions, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout,
        environ: Mapping[str, str] = os.environ) -> int:
    """The session, start to end; its exit status."""
    if not (stdin.isatty() and stdout.isatty()):
        stdout.write(NO_TERMINAL.format(where=_where(environ)) + "\n")
        stdout.flush()
        return 1
    with ExitStack() as held:
        try:
            number = held.enter_context(seat(options.runtime_dir, options.max_sessions))
        except OSError as error:  # the directory missing, or not the account's
            stdout.write(BROKEN.format(why=error.strerror or error) + "\n")
            stdout.flush()
            return 4
        if number is None:
            stdout.write(FULL.format(people="1 person is" if options.max_sessions == 1 else
                                     f"{options.max_sessions} people are") + "\n")
            stdout.flush()
            return 3
        for stop in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
            signal.signal(stop, signal.SIG_IGN)  # nothing can stop the app, or go behind it
        few_malloc_arenas()
        apply_limits(options.limits)
        clean = environment(environ)  # before the clear: ``environ`` may be os.environ
        os.environ.clear()
        os.environ.update(clean)
        os.chdir("/")
        return run_kiosk(options)


def run_kiosk(options: SessionOptions) -> int:
    """The app in kiosk mode, in this process. Textual is imported here, after the
    environment is set: it reads ``TERM``, ``NO_COLOR`` and its own variables once."""
    from tui.cli import run_app
    from tui.kiosk import KioskApp, kiosk_config
    from tui.terminal import keys_unechoed

    config = kiosk_config(options.server, options.ca_bundle)
    with keys_unechoed():
        return run_app(KioskApp(config, idle_seconds=options.idle_seconds,
                                 hang_up=True))


def _where(environ: Mapping[str, str]) -> str:
    """``user@host -p PORT`` as the person connected, when sshd says (SSH_CONNECTION)."""
    user = environ.get("USER") or environ.get("LOGNAME") or "challenge"
    parts = environ.get("SSH_CONNECTION", "").split()
    if len(parts) == 4:
        host, port = parts[2], parts[3]
        return f"{user}@{host}" + ("" if port == "22" else f" -p {port}")
    return f"{user}@gateway"
