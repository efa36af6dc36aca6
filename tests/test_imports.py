"""Import hygiene: start-up stays lean and the parts keep to their import rules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("server", "fastapi", "sqlalchemy", "uvicorn", "alembic", "asyncpg", "aiosqlite",
         "textual", "httpx", "pydantic", "keyring", "truststore")


def loaded_after(statement: str) -> set[str]:
    probe = (f"import sys; {statement}; "
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize("statement, allowed", [
    # The command's entry point decides what to load; nothing heavy before that.
    ("import tui.cli", set()),
    # The client package itself is just a version and lazy names.
    ("import client", set()),
    # The wire models need pydantic, nothing else.
    ("import client.models", {"pydantic"}),
    # The app never loads server code (only the demo launcher does, when asked), and
    # loads the typed client (httpx, pydantic) only after its first screen.
    ("import tui.app", {"textual"}),
    # What the first screen needs, when there is a kept token: the same.
    ("import tui.first_look, tui.screens.first_look, tui.screens.challenge", {"textual"}),
])
def test_imports_stay_lazy(statement: str, allowed: set[str]) -> None:
    heavy = loaded_after(statement) & set(HEAVY)
    assert heavy <= allowed, f"{statement} loads {sorted(heavy - allowed)}"


def test_first_screen_loads_no_more_than_it_shows() -> None:
    """What the command loads before the first list: not httpx's command-line tool
    (click, pygments), not the Markdown renderer (only the wide detail pane and the
    submission screen need it), not the other screens."""
    loaded = loaded_after("import tui.cli; tui.cli._without_httpx_cli(); "
                          "import tui.app, tui.screens.challenge")
    assert not loaded & {"click", "pygments", "markdown_it"}, sorted(
        loaded & {"click", "pygments", "markdown_it"})
    modules = loaded_after("import tui.cli; tui.cli._without_httpx_cli(); "
                           "import tui.app, tui.screens.challenge; "
                           "print(' '.join(m for m in sys.modules if m.startswith('tui.')))")
    later = {"tui.screens.submission", "tui.screens.compose", "tui.screens.connect",
             "tui.screens.challenges", "tui.screens.stats", "tui.screens.drafts",
             "tui.widgets.submission_detail", "tui.demo", *MODERATION}
    assert not modules & later, sorted(modules & later)


# The moderation screen and what only it uses: loaded when a moderator opens it.
MODERATION = {"tui.screens.moderation", "tui.screens.moderation_forms",
              "tui.screens.moderation_log", "tui.triage", "tui.widgets.queue_list",
              "tui.widgets.queue_detail"}


def test_moderation_is_loaded_only_when_opened() -> None:
    modules = loaded_after("import tui.app, tui.screens.challenges, tui.screens.challenge, "
                           "tui.screens.help; "
                           "print(' '.join(m for m in sys.modules if m.startswith('tui.')))")
    assert not modules & MODERATION, sorted(modules & MODERATION)
    assert loaded_after(
        "import tui.screens.moderation, tui.screens.moderation_forms, "
        "tui.screens.moderation_log; "
        "print(' '.join(m for m in sys.modules if m.startswith('tui.')))") >= MODERATION


SCREENS = Path(__file__).parent.parent / "tui" / "screens"


def screen_imports(source: str) -> list[tuple[int, str]]:
    """Every screen module a screen's source imports (line, module), wherever the import
    is: at the top, inside a method, under ``TYPE_CHECKING``; absolute or relative."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # ``from . import x`` and ``from .x import y`` are tui.screens' too.
            base = ("tui.screens" + (f".{node.module}" if node.module else "")
                    if node.level else node.module or "")
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [(node.lineno, name.removeprefix("tui.screens.").split(".")[0])
                  for name in names if name.startswith("tui.screens.")]
    return sorted(set(found))


def test_screens_do_not_import_one_another() -> None:
    """Screens ask the app to open a screen (``tui.navigation``); what two screens share
    is in a plain module or a widget. Only the shared base class is imported."""
    modules = {path.stem for path in SCREENS.glob("*.py")}
    wrong = [f"{path.name}:{line} imports tui.screens.{name}"
             for path in sorted(SCREENS.glob("*.py"))
             for line, name in screen_imports(path.read_text())
             if name in modules and name != "base"]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("source, imported", [
    ("from tui.screens.challenge import WIDE", ["challenge"]),
    ("def f():\n    from tui.screens.pick import PickScreen", ["pick"]),
    ("import tui.screens.stats", ["stats"]),
    ("from tui.screens import compose", ["compose"]),
    ("from .moderation import refusal", ["moderation"]),
    ("from . import drafts", ["drafts"]),
    ("from tui.screens.base import AppScreen", ["base"]),
    ("from tui.views import WIDE", []),
])
def test_screen_imports_are_all_seen(source: str, imported: list[str]) -> None:
    assert [name for _, name in screen_imports(source)] == imported


def test_server_commands_do_not_load_textual() -> None:
    loaded = loaded_after("import tui.cli, server.cli")
    assert "textual" not in loaded


def test_import_linter_contracts_hold() -> None:
    """The contracts in pyproject.toml: client, server and tui keep to their rules."""
    from pathlib import Path

    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "0 broken" in done.stdout
