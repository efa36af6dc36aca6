"""The ssh gateway from outside: Debian's sshd with the generated config, the wheel
installed for a system account, and ``ssh`` in a pseudo-terminal, as a person (or
someone trying their luck) would use it. Root only (an account, sshd); under CI a
missing sshd is a failure. One wheel, one sshd for the module (~1 min)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from bench.gateway import Figures, Options, report
from bench.gateway_sessions import bare_keys, measure
from tests.gateway_support import (
    EMAIL,
    PASSWORD,
    SIGN_IN,
    TITLES,
    Gateway,
    account,
    app_process,
    ends,
    free_port,
    gateway,
    installed,
    processes_of,
    server,
    sshd,
)
from tests.test_wheel import dist, wheel

__all__ = ["account", "dist", "gateway", "installed", "server", "sshd", "wheel"]

FULL = "The challenge is full: 2 people are on it. Try again in a few minutes."


def test_the_gateway_bench_measures_two_sessions(gateway: Gateway) -> None:
    """``python -m bench gateway``'s measure, quick: two sessions signed in through the
    sign-in screen, keys, memory, idle CPU, bytes. What it finds, not how fast. First in
    the module: the bench counts the account's sessions, and there are no others yet."""
    measured = measure(gateway, [(EMAIL, PASSWORD)], TITLES, sessions=2, presses=4,
                       idle_seconds=1.0, toasts=0.0, inside_presses=0)  # no submissions
    for keys in (measured.alone, measured.crowded):
        assert len(keys.run.outside) == 4 and keys.run.lost == 0
        assert all(0 < sent < measured.repaint for sent in keys.screen)  # never a repaint
        assert all(wire > sent for wire, sent in zip(keys.wire, keys.screen, strict=True))
    assert len(measured.apps) == len(measured.sshd) == 2
    assert all(0 < app.uss <= app.pss <= app.rss for app in measured.apps)
    assert all(count >= 2 for count in measured.sshd_processes)  # sshd's monitor and child
    assert len(measured.idle_app_cpu) == len(measured.idle_bytes) == 2
    assert measured.inside.pss > 0
    bare, repaint = bare_keys(measured.options, 4)
    assert all(0 < sent < repaint for sent in bare.screen)
    text = report(Figures(Options(sessions=2, presses=4), measured, bare, repaint))
    assert "2 concurrent `ssh -tt` sessions" in text


def test_signing_in_through_ssh_shows_the_challenges(gateway: Gateway, tmp_path: Path) -> None:
    terminal = gateway.terminal(tmp_path)
    try:
        terminal.wait_for(SIGN_IN)
        assert "Server" not in terminal.text  # the gateway's server, not to be changed
        terminal.press(*EMAIL, "\t", *PASSWORD, "\r")
        for title in TITLES:
            terminal.wait_for(title)
        status = Path(f"/proc/{app_process(gateway.user.pw_uid)}/status").read_text()
        (peak,) = [int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmPeak:")]
        assert peak < 512 * 1024, peak  # kB: half the default cap, at most
        terminal.press("q")  # quitting the app ends the session
        assert ends(terminal) == 0
    finally:
        terminal.close()


def test_a_command_is_never_run(gateway: Gateway, tmp_path: Path) -> None:
    marker = Path(f"/tmp/ccgw-ran-{os.getpid()}")
    done = subprocess.run([*gateway.ssh(), f"id; touch {marker}"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "needs a terminal" in done.stdout and "uid=" not in done.stdout + done.stderr
    terminal = gateway.terminal(tmp_path, remote=f"id; touch {marker}")  # the app instead
    try:
        terminal.wait_for(SIGN_IN)
        assert "uid=" not in terminal.text
    finally:
        terminal.close()
    assert not marker.exists()


def test_port_forwarding_of_every_kind_is_refused(gateway: Gateway, server: str) -> None:
    target = int(server.rsplit(":", 1)[1])
    remote = free_port()
    done = subprocess.run([*gateway.ssh("-N", "-o", "ExitOnForwardFailure=yes", "-R",
                                        f"{remote}:127.0.0.1:{target}")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "remote port forwarding failed" in done.stderr
    local, socks = free_port(), free_port()
    tunnel = subprocess.Popen([*gateway.ssh("-N", "-o", "LogLevel=INFO", "-L",
                                            f"{local}:127.0.0.1:{target}", "-D", str(socks))],
                              stderr=subprocess.PIPE, text=True)
    try:
        with connect(local) as conn:  # -L: the client listens, the server opens nothing
            conn.sendall(b"GET /api/v1/challenges HTTP/1.0\r\n\r\n")
            assert read_all(conn) == b""
        with connect(socks) as conn:  # -D: SOCKS 5, no auth, then CONNECT to the server
            conn.sendall(b"\x05\x01\x00")
            assert read_all(conn, 2) == b"\x05\x00"
            conn.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1")
                         + target.to_bytes(2, "big"))
            reply = read_all(conn)
            assert reply == b"" or reply[1] != 0  # no success
    finally:
        tunnel.kill()
        _, said = tunnel.communicate(timeout=30)
    assert said.count("administratively prohibited") == 2, said


def connect(port: int) -> socket.socket:
    deadline = time.monotonic() + 30
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            assert time.monotonic() < deadline, f"ssh never listened on {port}"
            time.sleep(0.1)


def read_all(conn: socket.socket, size: int = 65536) -> bytes:
    try:
        return conn.recv(size)
    except ConnectionResetError:
        return b""


def test_sftp_and_scp_fail(gateway: Gateway, tmp_path: Path) -> None:
    source = tmp_path / "note.txt"
    source.write_text("hello")
    copied = Path(f"/tmp/ccgw-copied-{os.getpid()}")
    port, user = str(gateway.port), f"{gateway.user.pw_name}@127.0.0.1"
    common = ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
              "-o", "UserKnownHostsFile=/dev/null", "-P", port]
    sftp = subprocess.run(["sftp", *common, "-b", "-", user], input="ls\n",
                          capture_output=True, text=True, timeout=60)
    assert sftp.returncode != 0 and "subsystem request failed" in sftp.stderr
    for legacy in ([], ["-O"]):  # the sftp protocol, and the old scp one (a command)
        scp = subprocess.run(["scp", *common, *legacy, str(source), f"{user}:{copied}"],
                             capture_output=True, text=True, timeout=60)
        assert scp.returncode != 0, legacy
    assert not copied.exists()


def test_agent_display_and_variables_never_reach_the_session(gateway: Gateway,
                                                             tmp_path: Path) -> None:
    agent = subprocess.run(["ssh-agent", "-s", "-a", str(tmp_path / "agent")],
                           capture_output=True, text=True, timeout=60, check=True)
    agent_pid = int(re.search(r"SSH_AGENT_PID=(\d+)", agent.stdout).group(1))  # type: ignore[union-attr]
    terminal = gateway.terminal(tmp_path, "-A", "-X", "-o", "SetEnv=CC_LEAK_SET=set",
                                "-o", "SendEnv=CC_LEAK_SENT", env={
                                    "CC_LEAK_SENT": "sent", "DISPLAY": ":0",
                                    "SSH_AUTH_SOCK": str(tmp_path / "agent")})
    try:
        terminal.wait_for(SIGN_IN)
        app = app_process(gateway.user.pw_uid)
        checked = []
        for pid in processes_of(gateway.user.pw_uid):  # sshd's session child, sh, the app
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:  # a session of an earlier test, gone meanwhile
                continue
            assert b"CC_LEAK" not in environ, pid
            assert b"SSH_AUTH_SOCK" not in environ and b"DISPLAY" not in environ, pid
            checked.append(pid)
        assert app in checked
        with pytest.raises(OSError):  # no X11 display (offset 10) on the gateway
            socket.create_connection(("127.0.0.1", 6010), timeout=2).close()
    finally:
        terminal.close()
        os.kill(agent_pid, 15)


def test_the_session_runs_under_its_limits(gateway: Gateway, tmp_path: Path) -> None:
    terminal = gateway.terminal(tmp_path)
    try:
        terminal.wait_for(SIGN_IN)
        pid = app_process(gateway.user.pw_uid)
        limits = Path(f"/proc/{pid}/limits").read_text()
        for name, value in (("Max address space", "1073741824"), ("Max processes", "192"),
                            ("Max core file size", "0"), ("Max file size", "1048576"),
                            ("Max open files", "256")):
            (line,) = [row for row in limits.splitlines() if row.startswith(name)]
            assert line.split()[-3:-1] == [value, value], line  # soft and hard
        environ = dict(entry.split(b"=", 1) for entry in
                       Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if entry)
        assert environ[b"HOME"] == b"/" and b"SSH_ORIGINAL_COMMAND" not in environ
    finally:
        terminal.close()


def test_a_full_gateway_says_so_and_frees_a_seat_when_someone_leaves(
        gateway: Gateway, tmp_path: Path) -> None:
    first, second = gateway.terminal(tmp_path), gateway.terminal(tmp_path)
    third = fourth = None
    try:
        first.wait_for(SIGN_IN)
        second.wait_for(SIGN_IN)
        third = gateway.terminal(tmp_path)
        third.wait_for(FULL)
        assert ends(third) == 3
        first.press("\x11")  # ctrl+q: the app ends, and its seat with it
        assert ends(first) == 0
        fourth = gateway.terminal(tmp_path)
        fourth.wait_for(SIGN_IN)
    finally:
        for terminal in (first, second, third, fourth):
            if terminal is not None:
                terminal.close()


@pytest.mark.parametrize(("term", "allowed"), [("xterm", "16"), ("dumb", "none")])
def test_colours_follow_term(gateway: Gateway, tmp_path: Path, term: str,
                             allowed: str) -> None:
    terminal = gateway.terminal(tmp_path, term=term)
    seen = _Recorder()
    terminal.child.logfile_read = seen
    try:
        terminal.wait_for(SIGN_IN)
    finally:
        terminal.close()
    params = [p for sgr in re.findall(rb"\x1b\[([0-9;:]*)m", seen.data)
              for p in sgr.replace(b":", b";").split(b";") if p]
    extended = {b"38", b"48"}
    basic = {str(n).encode() for n in [*range(30, 38), *range(40, 48), *range(90, 98),
                                       *range(100, 108)]}
    assert not extended & set(params)  # never 256 or true colour
    if allowed == "16":
        assert basic & set(params)
    else:
        assert not basic & set(params)


class _Recorder:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data

    def flush(self) -> None:
        pass


def test_an_idle_session_is_warned_then_ended(gateway: Gateway, tmp_path: Path) -> None:
    gateway.configure("--idle-seconds", "6")
    gateway.reload()
    terminal = gateway.terminal(tmp_path)
    try:
        terminal.wait_for(SIGN_IN)
        started = time.monotonic()
        terminal.wait_for("Still there?", limit=30)
        terminal.wait_for("The session ended after 6 seconds without a key pressed.",
                          limit=30)
        assert time.monotonic() - started >= 2  # the warning came first, then the end
        assert ends(terminal) == 0
    finally:
        terminal.close()
        gateway.configure()
        gateway.reload()
