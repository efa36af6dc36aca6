"""``change-challenge gateway session`` without sshd: no terminal, no run; the cap on
sessions; the limits and the environment the app gets (in a child process on a pty)."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tui.gateway import session
from tui.gateway.session import Limits, SessionOptions, seat

SERVER = "http://127.0.0.1:9"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def options(runtime: Path, seats: int = 2) -> SessionOptions:
    return SessionOptions(server=SERVER, runtime_dir=runtime, max_sessions=seats,
                          idle_seconds=60, limits=Limits())


def test_without_a_terminal_nothing_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "run_kiosk", lambda o: pytest.fail("the app ran"))
    out = io.StringIO()
    environ = {"USER": "challenge", "SSH_CONNECTION": "10.0.0.7 50000 10.0.0.1 2222",
               "SSH_ORIGINAL_COMMAND": "id"}
    assert session.run(options(tmp_path), stdin=io.StringIO(), stdout=out,
                       environ=environ) == 1
    (line,) = out.getvalue().splitlines()
    assert "connect with `ssh -t`" in line and "ssh -t challenge@10.0.0.1 -p 2222" in line
    assert list(tmp_path.iterdir()) == []  # not even a seat taken


def test_the_command_refuses_a_pipe_at_once(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "tui.cli", "gateway", "session", "--server",
                           SERVER, "--runtime-dir", str(tmp_path)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr == ""
    assert done.stdout.count("\n") == 1 and "needs a terminal" in done.stdout


def test_seats_are_taken_until_none_is_left_and_freed_on_close(tmp_path: Path) -> None:
    with seat(tmp_path, 2) as first, seat(tmp_path, 2) as second:
        assert (first, second) == (0, 1)
        with seat(tmp_path, 2) as third:
            assert third is None
    with seat(tmp_path, 2) as again:
        assert again == 0


def test_a_seat_held_by_another_process_counts_and_dies_with_it(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from pathlib import Path
            from tui.gateway.session import seat
            with seat(Path({str(tmp_path)!r}), 1) as number:
                print(number, flush=True)
                sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "0"
        with seat(tmp_path, 1) as mine:
            assert mine is None
    finally:
        holder.kill()
        holder.wait(timeout=30)
    with seat(tmp_path, 1) as mine:
        assert mine == 0  # the kernel let go of the dead process's lock


def test_a_full_gateway_says_so_and_runs_nothing(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "run_kiosk", lambda o: pytest.fail("the app ran"))
    out = Tty()
    with seat(tmp_path, 2), seat(tmp_path, 2):
        assert session.run(options(tmp_path), stdin=Tty(), stdout=out, environ={}) == 3
    assert out.getvalue() == ("The challenge is full: 2 people are on it. Try again in a few "
                              "minutes.\n")
    alone, out = options(tmp_path, seats=1), Tty()
    with seat(tmp_path, 1):
        assert session.run(alone, stdin=Tty(), stdout=out, environ={}) == 3
    assert out.getvalue().startswith("The challenge is full: 1 person is on it.")


def test_a_lock_directory_it_cannot_use_is_reported(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "run_kiosk", lambda o: pytest.fail("the app ran"))
    out = Tty()
    assert session.run(options(tmp_path / "missing"), stdin=Tty(), stdout=out,
                       environ={}) == 4
    assert out.getvalue().startswith("The gateway cannot count its sessions (No such file")


def test_the_task_limit_counts_every_session_of_the_account() -> None:
    limits = Limits.for_gateway(max_sessions=10, memory_mb=512)
    assert limits.memory == 512 * 1024 * 1024
    assert limits.tasks == 64 * 11
    assert Limits.for_gateway(10, None).memory == Limits().memory


def test_the_environment_keeps_the_terminal_and_nothing_of_the_client() -> None:
    env = session.environment({"TERM": "screen", "SSH_CONNECTION": "a b c d", "HOME": "/x",
                               "SSH_ORIGINAL_COMMAND": "id", "LC_ALL": "evil", "USER": "c"})
    assert env["TERM"] == "screen" and env["HOME"] == "/nonexistent"
    assert all(env[f"XDG_{name}_HOME"].startswith("/nonexistent/")
               for name in ("CONFIG", "DATA", "CACHE", "STATE"))
    assert not {"SSH_CONNECTION", "SSH_ORIGINAL_COMMAND", "LC_ALL", "USER"} & set(env)
    assert session.environment({})["TERM"] == "xterm"


CHILD = """
import json, os, resource, sys
from pathlib import Path
from tui.gateway import session
from tui.gateway.session import Limits, SessionOptions

def report(options):
    names = {"as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC,
             "fsize": resource.RLIMIT_FSIZE, "core": resource.RLIMIT_CORE,
             "nofile": resource.RLIMIT_NOFILE}
    Path(sys.argv[2]).write_text(json.dumps({
        "limits": {k: resource.getrlimit(v) for k, v in names.items()},
        "env": dict(os.environ), "cwd": os.getcwd(), "textual": "textual" in sys.modules}))
    return 0

session.run_kiosk = report
limits = Limits(memory=700 * 1024 * 1024, tasks=300, file_size=4096, open_files=99)
sys.exit(session.run(SessionOptions(server="http://x", runtime_dir=Path(sys.argv[1]),
                                    max_sessions=1, idle_seconds=5, limits=limits)))
"""


def test_on_a_terminal_the_app_gets_the_limits_and_a_clean_environment(tmp_path: Path) -> None:
    main, secondary = pty.openpty()
    env = {**os.environ, "TERM": "screen-256color", "SSH_ORIGINAL_COMMAND": "id", "CC_LEAK": "yes",
           "HOME": str(tmp_path)}
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path),
                               str(tmp_path / "report.json")], stdin=secondary,
                              stdout=secondary, stderr=subprocess.PIPE, env=env, timeout=60)
    finally:
        os.close(main)
        os.close(secondary)
    assert done.returncode == 0, done.stderr
    seen = json.loads((tmp_path / "report.json").read_text())
    assert seen["limits"] == {"as": [700 * 2**20] * 2, "nproc": [300, 300],
                              "fsize": [4096, 4096], "core": [0, 0], "nofile": [99, 99]}
    assert seen["env"]["HOME"] == "/nonexistent" and seen["env"]["TERM"] == "screen-256color"
    assert "CC_LEAK" not in seen["env"] and "SSH_ORIGINAL_COMMAND" not in seen["env"]
    assert seen["cwd"] == "/"
    assert not seen["textual"]  # imported only once the environment is set


def test_limits_are_only_lowered() -> None:
    """A hard limit already below the asked one stays (raising it would fail)."""
    code = textwrap.dedent("""
        import resource
        from tui.gateway.session import Limits, apply_limits
        resource.setrlimit(resource.RLIMIT_NOFILE, (50, 50))
        apply_limits(Limits(open_files=256))
        print(resource.getrlimit(resource.RLIMIT_NOFILE))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "(50, 50)", done.stderr
