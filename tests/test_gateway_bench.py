"""The gateway bench's own pieces, without ssh or timing: reading /proc, the host's
capacity, the report, the refusal without root, and sshd installed with apt where it
is missing. (Its sessions through real sshd are driven in tests/test_gateway_e2e.py, on
that module's gateway.)"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench import gateway_setup
from bench.common import run
from bench.gateway import Figures, Options, report
from bench.gateway_figures import (
    Memory,
    capacity,
    chain,
    cpu_seconds,
    memory_of,
    parse_rollup,
    parse_stat,
    read_chars,
)
from bench.gateway_sessions import Keys, Measured
from bench.pty_keys import Run
from tests import gateway_support

ROLLUP = """55d0c0a5a000-7ffd1a3f1000 ---p 00000000 00:00 0                          [rollup]
Rss:               60012 kB
Pss:               49234 kB
Pss_Anon:          40000 kB
Shared_Clean:       9000 kB
Private_Clean:      1200 kB
Private_Dirty:     42800 kB
Swap:                  0 kB
"""


def test_smaps_rollup_gives_rss_pss_and_private_memory() -> None:
    assert parse_rollup(ROLLUP) == Memory(rss=60012, pss=49234, uss=44000)
    assert parse_rollup("") == Memory(0, 0, 0)


def test_stat_is_read_from_the_end_of_the_name() -> None:
    # A name may hold spaces and parentheses (sshd names its processes "sshd: x [priv]").
    fields = ["S", "4242", *["0"] * 9, "250", "75", *["0"] * 30]
    assert parse_stat(f"99 (sshd: a) (b [priv]) {' '.join(fields)}") == (4242, 325.0)


def test_this_process_has_memory_cpu_and_reads() -> None:
    mine = memory_of(os.getpid())
    assert 0 < mine.uss <= mine.pss <= mine.rss
    assert cpu_seconds(os.getpid()) > 0
    assert read_chars(os.getpid()) > 0
    assert memory_of(2**22 + 1) == Memory(0, 0, 0)  # no such process: nothing, no error


def test_chain_lists_the_processes_between_the_listener_and_the_app() -> None:
    shell = subprocess.Popen(["/bin/sh", "-c", "sleep 30 & wait"])
    sleeper = None
    try:
        children = Path(f"/proc/{shell.pid}/task/{shell.pid}/children")
        deadline = time.monotonic() + 10
        while not children.read_text().split():  # the shell has started its sleep
            assert time.monotonic() < deadline
            time.sleep(0.01)
        (sleeper,) = map(int, children.read_text().split())
        assert chain(sleeper, os.getpid()) == [shell.pid]
        assert chain(shell.pid, os.getpid()) == []  # a direct child: nothing between
        assert chain(sleeper, 2**22 + 1) == []  # not under that process at all
    finally:
        if sleeper is not None:
            os.kill(sleeper, signal.SIGKILL)
        shell.kill()
        shell.wait()


def test_capacity_of_a_host() -> None:
    # 22 GiB for sessions of 50 MiB; 1.8 cores over 0.1% idle, or 0.1% + 0.5 x 4 ms.
    cap = capacity(50 * 1024, 0.001, 0.004)
    assert cap.by_memory == 450
    assert cap.by_cpu_idle == 1800
    assert cap.by_cpu_active == 600
    assert cap.sessions == 450
    assert capacity(50 * 1024, 0.0, 0.004).by_cpu_idle is None  # nothing measurable


def keys(latencies: list[float], screen: list[int], cpu: float) -> Keys:
    run = Run()
    for n, ms in enumerate(latencies):
        run.add((float(n), n + ms / 1000))
    return Keys(run=run, screen=screen, wire=[b + 90 for b in screen], cpu=cpu)


def test_the_report_says_what_a_host_holds() -> None:
    measured = Measured(
        sessions=2, alone=keys([3.0, 5.0], [4500, 4500], 0.006),
        crowded=keys([4.0, 8.0], [4500, 4500], 0.008), repaint=20_000,
        options=["A\n  a", "B\n  b"], apps=[Memory(60_000, 50_000, 44_000)] * 2,
        sshd=[Memory(18_000, 3_500, 1_000)] * 2, sshd_processes=[3, 3],
        listener=Memory(9_000, 4_000, 2_000), sign_in_cpu=[0.4, 0.5], idle_seconds=60.0,
        idle_app_cpu=[0.03, 0.06], idle_sshd_cpu=[0.0, 0.0], idle_bytes=[0, 0],
        submissions=keys([3.0], [1600], 0.003), inside=Memory(61_000, 51_000, 45_000),
        inside_idle_cpu=0.2, inside_idle_seconds=20.0)
    figures = Figures(Options(sessions=2), measured, keys([2.0], [1700], 0.002), 12_000)
    text = report(figures)
    assert "ratio of medians 2/1 **1.50**" in text
    assert "median **4500** (max 4500), **22.5%** of a full-screen repaint" in text
    assert "app/stock bytes per key 2.65" in text
    assert "PSS median 52.2, max 52.2 MiB; all 2 sessions" in text  # app and sshd
    assert "app median **0.075%** (max 0.100%)" in text
    assert "**431** sessions by memory" in text  # 22 GiB / 53,500 KiB
    assert figures.met  # 6 ms median, 0.075% idle, 22.5% of a repaint


def test_without_root_the_bench_says_so_and_fails(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert run(bench_main.main(["gateway", "--no-record"])) == 2
    said = capsys.readouterr().out
    assert "the ssh gateway bench needs root" in said
    assert "sudo .venv/bin/python -m bench gateway" in said


class Apt:
    """``subprocess.run`` for apt-get: records the commands; an install that works puts
    sshd where ``find_sshd`` looks."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, works: bool) -> None:
        self.commands: list[list[str]] = []
        self.works = works
        self.sshd: Path | None = None
        monkeypatch.setattr(os, "geteuid", lambda: 0)
        monkeypatch.setattr(gateway_setup, "find_sshd", lambda: self.sshd)
        monkeypatch.setattr(shutil, "which", lambda name, **_: f"/usr/bin/{name}")
        monkeypatch.setattr(subprocess, "run", self.run)
        monkeypatch.setattr(Path, "mkdir", lambda *_, **__: None)

    def run(self, command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        self.commands.append(command)
        ok = self.works or command[1] == "update"
        if ok and command[1] == "install":
            self.sshd = Path("/usr/sbin/sshd")
        return subprocess.CompletedProcess(command, 0 if ok else 100, "",
                                           "" if ok else "E: Unable to locate package")


def test_a_missing_sshd_is_installed_with_apt(monkeypatch: pytest.MonkeyPatch) -> None:
    apt = Apt(monkeypatch, works=True)
    assert gateway_setup.ensure_sshd() == Path("/usr/sbin/sshd")
    assert apt.commands == [["apt-get", "install", "-y", "--no-install-recommends",
                             "openssh-server"]]


def test_sshd_that_cannot_be_installed_fails_saying_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    apt = Apt(monkeypatch, works=False)
    with pytest.raises(RuntimeError, match="openssh-server; apt-get said:\nE: Unable"):
        gateway_setup.ensure_sshd()
    assert [command[1] for command in apt.commands] == ["install", "update", "install"]


@pytest.mark.parametrize("ci", [True, False])
def test_without_root_the_gateway_tests_fail_under_ci_and_skip_elsewhere(
        monkeypatch: pytest.MonkeyPatch, ci: bool) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(gateway_setup.Unavailable, match="runs as root") as why:
        gateway_setup.ensure_sshd()
    monkeypatch.setattr(gateway_support, "CI", ci)
    outcome = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(outcome, match="runs as root"):
        gateway_support.unavailable(str(why.value))
