"""The gateway bench's figures from /proc, and what a gateway host holds: plain functions
(no ssh, no terminal), so the suite checks them without timing anything."""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KIB_PER_MIB = 1024
HOST_CORES = 2
HOST_GIB = 24
RESERVED_GIB = 2  # the system, sshd's listener, page cache for the venv: not for sessions
CPU_SHARE = 0.9  # of the cores, for sessions (the README's CPUQuota=180% on 2 cores)
KEYS_PER_SECOND = 0.5  # an active person: a key every 2 s on average, everyone at once


@dataclass(frozen=True)
class Memory:
    """One process: resident (RSS), proportional (PSS: shared pages split between
    the processes sharing them) and private (USS) memory, in KiB."""

    rss: int
    pss: int
    uss: int

    def __add__(self, other: Memory) -> Memory:
        return Memory(self.rss + other.rss, self.pss + other.pss, self.uss + other.uss)


NOTHING = Memory(0, 0, 0)


def parse_rollup(text: str) -> Memory:
    """``/proc/<pid>/smaps_rollup``'s totals."""
    fields: dict[str, int] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            fields[name.strip()] = int(parts[0])
    private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return Memory(fields.get("Rss", 0), fields.get("Pss", 0), private)


def memory_of(pid: int) -> Memory:
    try:
        return parse_rollup(Path(f"/proc/{pid}/smaps_rollup").read_text())
    except OSError:  # gone meanwhile
        return NOTHING


def parse_stat(text: str) -> tuple[int, float]:
    """``/proc/<pid>/stat``: the parent's pid, and user + system CPU in clock ticks.
    The name (field 2) may hold spaces and parentheses: fields count from its end."""
    after = text.rsplit(")", 1)[1].split()
    # After the name: state, ppid, ...; utime and stime are fields 14 and 15 overall.
    return int(after[1]), float(int(after[11]) + int(after[12]))


def cpu_seconds(pid: int) -> float:
    try:
        _, ticks = parse_stat(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK")


def parent_of(pid: int) -> int:
    try:
        return parse_stat(Path(f"/proc/{pid}/stat").read_text())[0]
    except OSError:
        return 0


def chain(pid: int, stop: int) -> list[int]:
    """The processes between ``stop`` (sshd's listener) and ``pid`` (a session's app),
    neither included: sshd's privileged monitor and unprivileged child for that
    connection, and a shell if one stayed."""
    found = []
    current = parent_of(pid)
    while current not in (0, 1, stop):
        found.append(current)
        current = parent_of(current)
    return found if current == stop else []


def read_chars(pid: int) -> int:
    """``rchar`` of ``/proc/<pid>/io``: every byte the process has read (for the ssh
    client: the encrypted stream from the server, and the keys from its terminal)."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def mib(kib: float) -> float:
    return kib / KIB_PER_MIB


@dataclass(frozen=True)
class Capacity:
    """Sessions a gateway host holds, by memory and by CPU (the smaller binds)."""

    by_memory: int
    by_cpu_idle: int | None  # None: idle sessions used no CPU measurable
    by_cpu_active: int

    @property
    def sessions(self) -> int:
        return min(self.by_memory, self.by_cpu_active)


def capacity(session_kib: float, idle_cpu_share: float, cpu_per_key: float,
             cores: int = HOST_CORES, gib: int = HOST_GIB) -> Capacity:
    """``session_kib``: one session's memory (its app and its sshd processes);
    ``idle_cpu_share``: one idle session's CPU, as a share of a core;
    ``cpu_per_key``: CPU seconds one key costs (app and sshd), at ``KEYS_PER_SECOND``
    keys a second for every session at once."""
    usable_kib = (gib - RESERVED_GIB) * 1024 * 1024
    cpu = cores * CPU_SHARE
    by_memory = int(usable_kib // session_kib) if session_kib > 0 else 0
    by_idle = int(cpu / idle_cpu_share) if idle_cpu_share > 0 else None
    active = idle_cpu_share + KEYS_PER_SECOND * cpu_per_key
    by_active = int(cpu / active) if active > 0 else 0
    return Capacity(by_memory, by_idle, by_active)
