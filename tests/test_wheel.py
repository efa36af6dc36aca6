"""The distribution as a user gets it: the sdist, the wheel built from it, and that
wheel installed without extras in a fresh virtual environment.

``make`` installs in editable mode, where every file of the source tree is there;
only a real wheel shows what packaging leaves out (the first one had no stylesheet,
and the app did not start). Built and installed once for the module: ~10 s.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pexpect
import pytest

from server.app import create_app
from server.config import Settings
from tests.support import LiveServer, add_users, bearer, challenge_spec, reset_database
from tests.test_e2e import Terminal

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("client", "server", "tui")
INSTALL_HINT = "pip install 'change-challenge[server]'"


def tree_files(*paths: str) -> list[str]:
    """The files a developer has under ``paths``: tracked, or new and not ignored."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *paths],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60).stdout.split("\n")
    return [name for name in listed if name and (ROOT / name).is_file()]


def source_files() -> set[str]:
    """Every file of the three packages, byte code aside: all are read at run time."""
    return {name for name in tree_files(*PACKAGES)
            if "__pycache__" not in name and not name.endswith((".pyc", ".pyo"))}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build``: the sdist, then the wheel built from the unpacked sdist.

    From a copy of the tree as git sees it: setuptools reads the file list of an
    earlier build (``*.egg-info/SOURCES.txt``) if one is lying in the tree, which
    would hide a file that packaging itself leaves out."""
    source = tmp_path_factory.mktemp("source")
    for name in tree_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (built,) = dist.glob("change_challenge-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, no extras, in a new virtual environment: its ``bin`` directory.

    The environment has no pip of its own; this one installs into it (pip's cache
    makes a second run quick)."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=False)
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(home / "bin" / "python"),
                           "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return home / "bin"


def test_the_wheel_holds_every_file_of_the_packages(wheel: Path) -> None:
    expected = source_files()
    # Not empty by accident: the data files the app, the seed and the migrations read.
    assert {"tui/app.tcss", "server/seed/demo_data.json", "server/migrations/script.py.mako",
            "server/migrations/env.py", "tui/py.typed"} <= expected
    assert any(name.startswith("server/migrations/versions/") for name in expected)
    with zipfile.ZipFile(wheel) as archive:
        held = set(archive.namelist())
    assert not expected - held, f"left out of the wheel: {sorted(expected - held)}"
    # Nothing but the three packages and the metadata (no tests, no bench).
    tops = {name.split("/")[0] for name in held}
    assert tops - set(PACKAGES) == {wheel.name.split("-py3")[0] + ".dist-info"}


def test_the_sdist_holds_the_example_challenge_file(dist: Path) -> None:
    (sdist,) = dist.glob("change_challenge-*.tar.gz")
    with tarfile.open(sdist) as archive:
        held = {name.split("/", 1)[-1] for name in archive.getnames()}
    assert "docs/challenge.example.toml" in held  # the README's admin section points at it


@pytest.fixture
def seeded(sqlite_url: str) -> Iterator[tuple[str, str]]:
    """A live server with two challenges: its URL and a participant's token."""
    asyncio.run(reset_database(sqlite_url))
    settings = Settings(database_url=sqlite_url, argon2_time_cost=1, argon2_memory_kib=256,
                        allowed_email_domains=[])
    live = LiveServer(create_app(settings))
    live.start()
    try:
        ((_, admin),) = asyncio.run(add_users(sqlite_url, 1, role="admin", prefix="admin"))
        ((_, reader),) = asyncio.run(add_users(sqlite_url, 1, prefix="reader"))
        for slug, title in (("wards", "Ward rounds that work"),
                            ("clinics", "Clinics without queues")):
            made = httpx.post(f"{live.url}/api/v1/challenges", headers=bearer(admin),
                              json=challenge_spec(slug, title=title), timeout=30)
            assert made.status_code == 201, made.text
        yield live.url, reader
    finally:
        live.stop()


def test_the_installed_app_shows_the_challenges(installed: Path, seeded: tuple[str, str],
                                                tmp_path: Path) -> None:
    url, token = seeded
    terminal = Terminal(tmp_path, "--server", url, command=[str(installed / "change-challenge")],
                        size=(80, 24), env={"CHALLENGE_TOKEN": token})
    try:
        terminal.wait_for("Ward rounds that work")
        terminal.wait_for("Clinics without queues")
        terminal.press("q")
        terminal.child.expect(pexpect.EOF, timeout=30)
        terminal.child.close()
        assert terminal.child.exitstatus == 0
    finally:
        terminal.close()


@pytest.mark.parametrize("command", ["demo", "serve", "migrate"])
def test_without_the_server_extra_a_server_command_says_what_to_install(
        installed: Path, command: str, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([str(installed / "change-challenge"), command], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert f"'{command}' needs the server extra: {INSTALL_HINT} (" in line
    assert line.endswith(" is missing)")


# --- what a build leaves in the source tree -------------------------------------------

def test_a_build_directory_does_not_break_the_linters(tmp_path: Path) -> None:
    """``pip install .`` leaves ``build/lib/...``, copies of the packages that the
    per-path settings (the migrations' exclude, ``tui/**``'s ignores) do not match."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for left in ("build/lib/server/migrations/versions", "dist/unpacked/tui"):
        (tmp_path / left).mkdir(parents=True)
        (tmp_path / left / "copy.py").write_text("import os\nclass A:\n    B = []\n")
    (tmp_path / "ok.py").write_text("VALUE = 1\n")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    for path in ("build/lib/tui/app.py", "dist/unpacked/server/app.py"):
        assert any(re.search(pattern, path) for pattern in mypy["exclude"]), path
    assert not any(re.search(pattern, "tui/build.py") for pattern in mypy["exclude"])


def test_git_ignores_what_a_build_leaves() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    for left in ("build/lib/tui/app.py", "dist/change_challenge-0.1.0.tar.gz"):
        done = subprocess.run(["git", "check-ignore", "-q", left], cwd=ROOT, timeout=60)
        assert done.returncode == 0, f"{left} is not ignored"
