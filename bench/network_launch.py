"""The app for ``bench.network``, with Textual's driver timed and votes' answers logged.

``python -m bench.network_launch app`` with ``KEYS_LOG`` naming a file. Besides the
``key`` and ``frame`` lines of ``bench.tui_keys_launch``, a line
``voted <monotonic time>`` says the server's answer to a vote has reached the app (the
frame flushed after it shows the vote confirmed). Nothing in the app is changed, and
Textual's driver and ``client.api`` are patched when the app imports them, not before:
start-up is timed, and the app overlaps its first requests with those imports.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from bench.tui_keys_launch import instrument


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``then`` with the module ``name`` once it has been imported."""

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader, then = spec.loader, self.then
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            then(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _log_votes(module: ModuleType, path: str) -> None:
    ChallengeClient = module.ChallengeClient
    log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (the process's life)
    for name in ("vote", "unvote"):
        call = getattr(ChallengeClient, name)

        def logged(self: Any, *args: Any, _call: Any = call) -> Any:
            async def answered() -> Any:
                result = await _call(self, *args)
                log.write(f"voted {time.monotonic():.6f}\n")
                return result

            return answered()

        setattr(ChallengeClient, name, logged)


def main() -> int:
    path = os.environ["KEYS_LOG"]
    sys.meta_path[:0] = [
        _AfterImport("textual.drivers.linux_driver", lambda _: instrument(path)),
        _AfterImport("client.api", lambda module: _log_votes(module, path)),
    ]
    from tui.cli import main as app_main

    return app_main([])


if __name__ == "__main__":
    sys.exit(main())
