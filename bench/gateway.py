"""The ssh gateway with 50 people on it: memory, idle CPU, key latency, bytes per key.

As IT runs it (README, "The ssh gateway (for IT)"): the wheel of this tree installed
in a venv of the system's Python, a system account, Debian's sshd with the config
``change-challenge gateway sshd-config`` writes, in front of a ``change-challenge
serve`` holding the demo challenges (``seed demo``) and one registered person per
session. Root only (an account, sshd), like ``tests/test_gateway_e2e.py``, which
stands on the same pieces (``bench.gateway_setup``).

``bench.gateway_sessions`` opens the sessions: real ``ssh -tt`` clients in
pseudo-terminals, each typed through the sign-in screen and left on the challenge
list. Measured, in one run:

- key to frame through ssh (``j``/``k`` on the list, read through pyte), with the
  measured session alone on the gateway, then with all 50 open (the ratio of medians);
- bytes per key: what the terminal is sent (and what the ssh client reads off the
  wire) per cursor key, against a full-screen repaint's bytes (after a resize), and
  against a stock Textual OptionList of the same options (in a local pty: the bytes
  an app writes do not depend on the transport);
- memory per session: RSS, PSS and USS of each app process (``smaps_rollup``) and of
  the sshd processes of its connection;
- CPU of idle sessions over a minute (``utime + stime``), and the bytes they are sent
  meanwhile; CPU per key in the measured session; CPU to start and sign in.

From these: how many sessions a 2-core, 24 GiB gateway holds (``gateway_figures``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.client import demo_server
from bench.gateway_figures import (
    CPU_SHARE,
    HOST_CORES,
    HOST_GIB,
    KEYS_PER_SECOND,
    RESERVED_GIB,
    Capacity,
    Memory,
    capacity,
    median,
    mib,
)
from bench.gateway_sessions import Keys, Measured, bare_keys, measure
from bench.gateway_setup import (
    Gateway,
    build_wheel,
    ensure_sshd,
    installed_wheel,
    require_root,
    running_gateway,
    system_account,
)

TITLES = ("Giving time back to care", "Change from the ground up")  # the demo's, newest first
SUBMISSIONS = 68  # the second demo challenge's, published
PASSWORD = "gateway bench password"  # bench accounts on a throwaway database


@dataclass(frozen=True)
class Options:
    sessions: int = 50
    presses: int = 200
    idle_seconds: float = 60.0


QUICK = Options(sessions=2, presses=20, idle_seconds=5.0)


@dataclass
class Figures:
    options: Options
    measured: Measured
    bare: Keys
    bare_repaint: int

    @property
    def ratio(self) -> float:
        return self.measured.crowded.run.median() / self.measured.alone.run.median()

    @property
    def per_session(self) -> list[Memory]:
        """Each session's memory: its app and its sshd processes."""
        return [a + s for a, s in zip(self.measured.apps, self.measured.sshd, strict=True)]

    @property
    def idle_share(self) -> float:
        """A median idle session's CPU (app and sshd) as a share of a core."""
        m = self.measured
        totals = [a + s for a, s in zip(m.idle_app_cpu, m.idle_sshd_cpu, strict=True)]
        return median(totals) / m.idle_seconds

    @property
    def capacity(self) -> Capacity:
        return capacity(median([p.pss for p in self.per_session]), self.idle_share,
                        self.measured.crowded.cpu_per_key)

    @property
    def key_share(self) -> float:
        """Bytes per key (median) as a share of a full repaint."""
        return median(self.measured.crowded.screen) / self.measured.repaint

    @property
    def met(self) -> bool:
        crowded = self.measured.crowded
        return (crowded.run.median() <= 50 and crowded.run.lost == 0
                and self.idle_share <= 0.005 and self.key_share <= 0.25)


def register(url: str, count: int) -> list[tuple[str, str]]:
    """``count`` people, registered as anyone would (registration is open)."""
    people = []
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as http:
        for n in range(count):
            email = f"gateway.{n}@example.org"
            done = http.post("/api/v1/auth/register", json={
                "email": email, "display_name": f"Gateway person {n}", "password": PASSWORD})
            if done.status_code != 201:
                raise RuntimeError(f"registering {email}: {done.status_code} {done.text}")
            people.append((email, PASSWORD))
    return people


async def run_gateway_bench(options: Options) -> Figures:
    require_root("the gateway bench")
    sshd = ensure_sshd()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "gateway.db"
        env = {**os.environ, "CHALLENGE_DATABASE_URL": f"sqlite:///{database}",
               "CHALLENGE_ARGON2_MEMORY_KIB": "1024", "CHALLENGE_ARGON2_TIME_COST": "1",
               "CHALLENGE_REGISTRATION": "open", "CHALLENGE_ALLOWED_EMAIL_DOMAINS": "",
               # every session signs in from 127.0.0.1: the per-address budget is raised
               "CHALLENGE_AUTH_ATTEMPTS_PER_IP": "10000"}
        subprocess.run([sys.executable, "-m", "tui.cli", "seed", "demo"], env=env,
                       check=True, capture_output=True, timeout=600)
        wheel = build_wheel(Path(__file__).resolve().parent.parent, Path(tmp) / "dist")
        server = demo_server("gateway-server", env)
        await server.start()
        try:
            people = register(server.url, options.sessions)
            with installed_wheel(wheel) as bin_dir, system_account() as account, \
                    running_gateway(sshd, account, bin_dir, server.url,
                                    max_sessions=options.sessions + 10,
                                    kind=Gateway) as gateway:
                measured = measure(gateway, people, TITLES, options.sessions,
                                   options.presses, options.idle_seconds)
        finally:
            server.stop()
    bare, bare_repaint = bare_keys(measured.options, options.presses)
    return Figures(options, measured, bare, bare_repaint)


def _kib(values: Sequence[int]) -> str:
    return f"median {mib(median(values)):.1f}, max {mib(max(values)):.1f} MiB"


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f} ms"


def report(f: Figures) -> str:
    m, o = f.measured, f.options
    cap = f.capacity
    apps, sshd, sessions = m.apps, m.sshd, f.per_session
    idle_app = [c / m.idle_seconds for c in m.idle_app_cpu]
    idle_sshd = [c / m.idle_seconds for c in m.idle_sshd_cpu]
    processes = sorted(set(m.sshd_processes))
    lines = [
        f"{m.sessions} concurrent `ssh -tt` sessions, each signed in through the sign-in "
        "screen and on the challenge list (100x30, TERM xterm-256color)",
        f"key to frame through ssh (j/k, {o.presses} presses): with {m.sessions} open "
        f"{m.crowded.run.line()}; alone {m.alone.run.line()}; ratio of medians "
        f"{m.sessions}/1 **{f.ratio:.2f}**; lost {m.crowded.run.lost} / {m.alone.run.lost}",
        f"bytes per cursor key, sent to the terminal: median **{median(m.crowded.screen):.0f}**"
        f" (max {max(m.crowded.screen)}), **{100 * f.key_share:.1f}%** of a full-screen "
        f"repaint ({m.repaint:,} bytes); read off the wire by the ssh client (encrypted, "
        f"with the key's own byte): median {median(m.crowded.wire):.0f}",
        f"stock Textual OptionList of the same options, j/k (local pty): median "
        f"{median(f.bare.screen):.0f} bytes per key, full repaint {f.bare_repaint:,} bytes; "
        f"app/stock bytes per key {median(m.crowded.screen) / median(f.bare.screen):.2f}",
        f"memory per session, app process: RSS {_kib([a.rss for a in apps])}; PSS "
        f"{_kib([a.pss for a in apps])}; USS {_kib([a.uss for a in apps])}",
        f"memory per session, its sshd processes ({'/'.join(map(str, processes))} per "
        f"connection): RSS {_kib([s.rss for s in sshd])}; PSS {_kib([s.pss for s in sshd])}"
        f"; sshd's listener RSS {mib(m.listener.rss):.1f} MiB",
        f"memory per session, app and sshd: PSS {_kib([s.pss for s in sessions])}; all "
        f"{m.sessions} sessions: PSS {mib(sum(s.pss for s in sessions)):,.0f} MiB",
        f"idle CPU over {m.idle_seconds:.0f} s, share of a core per session: app median "
        f"**{100 * median(idle_app):.3f}%** (max {100 * max(idle_app):.3f}%), sshd median "
        f"{100 * median(idle_sshd):.3f}% (max {100 * max(idle_sshd):.3f}%); all "
        f"{m.sessions} together {100 * (sum(m.idle_app_cpu) + sum(m.idle_sshd_cpu)) / m.idle_seconds:.2f}%"  # noqa: E501
        f"; bytes sent to an idle terminal meanwhile: median {median(m.idle_bytes):.0f}, max "
        f"{max(m.idle_bytes)}",
        f"inside a challenge (the measured session, on the list of its "
        f"{SUBMISSIONS} submissions, {m.sessions} open): j/k {m.submissions.run.line()}, "
        f"median **{median(m.submissions.screen):.0f}** bytes per key "
        f"({100 * median(m.submissions.screen) / m.repaint:.1f}% of a repaint); app RSS "
        f"{mib(m.inside.rss):.1f}, PSS {mib(m.inside.pss):.1f} MiB; left idle "
        f"{m.inside_idle_seconds:.0f} s: CPU {100 * m.inside_idle_cpu / m.inside_idle_seconds:.3f}%"
        f" of a core, {m.inside_idle_bytes} bytes sent",
        f"CPU per key (the measured session's app and sshd, {m.sessions} open): "
        f"{_ms(m.crowded.cpu_per_key)} (alone {_ms(m.alone.cpu_per_key)}); CPU to start "
        f"and sign in: median {median(m.sign_in_cpu):.2f} s per session",
        f"a {HOST_CORES}-core, {HOST_GIB} GiB gateway (assuming {RESERVED_GIB} GiB for the "
        f"system, sessions' median PSS as measured here on the list, and "
        f"{100 * CPU_SHARE:.0f}% of the cores for sessions): **{cap.by_memory:,}** sessions "
        "by memory; by CPU, "
        + (f"{cap.by_cpu_idle:,} idle ones" if cap.by_cpu_idle is not None else
           "idle ones cost nothing measurable")
        + f", **{cap.by_cpu_active:,}** if everyone presses a key every "
        f"{1 / KEYS_PER_SECOND:.0f} s at once; so **{cap.sessions:,}** "
        f"({'CPU' if cap.by_cpu_active < cap.by_memory else 'memory'} binds). A session "
        "that opens a challenge's lists and entries grows (none measured here did much): "
        f"were each to reach 300 MiB, {int((HOST_GIB - RESERVED_GIB) * 1024 / 300):,} "
        "by memory",
    ]
    return "\n".join(lines)


async def record_gateway(*, argv: Sequence[str], info: dict[str, str], write: bool,
                         quick: bool = False) -> bool:
    from bench.common import bullets, calibrate, record_run, say

    options = QUICK if quick else Options()
    say(f"\n== ssh gateway: {options.sessions} sessions ==")
    figures = await run_gateway_bench(options)
    text = report(figures)
    say(text)
    m = figures.measured
    record_run("gateway", "ssh gateway, 50 sessions", quick=quick, argv=argv, info=info,
               lines=bullets(text), calibration=await calibrate(), write=write,
               heading="ssh gateway: 50 sessions",
               goal=("50 sessions: key to frame median <= 50 ms; idle CPU <= 0.5% of a "
                     "core a session; bytes per key <= 25% of a repaint",
                     f"{m.crowded.run.line()} ({figures.ratio:.2f}x alone); idle "
                     f"{100 * figures.idle_share:.3f}%; {median(m.crowded.screen):.0f} B/key "
                     f"({100 * figures.key_share:.0f}% of {m.repaint:,}); PSS "
                     f"{mib(median([p.pss for p in figures.per_session])):.0f} MiB/session; "
                     f"2 cores/24 GiB: {figures.capacity.sessions:,}",
                     figures.met))
    return figures.met
