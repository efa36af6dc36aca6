"""Where the session token is kept, chosen once at start and always reported.

Order: ``CHALLENGE_TOKEN``; else the OS keyring when a real backend answers (probed
once, off the caller's thread, with a timeout, because a locked or absent Secret
Service can hang); else memory for this session. A 0600 file only when the user
chose it. Tokens are kept per server URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from client.config import ClientConfig, config_dir

SERVICE = "change-challenge"
PROBE_TIMEOUT = 3.0
StoreKind = Literal["environment", "keyring", "memory", "file"]


class TokenStore(Protocol):
    kind: StoreKind

    def get(self, server: str) -> str | None: ...
    def set(self, server: str, token: str) -> None: ...
    def delete(self, server: str) -> None: ...


class MemoryStore:
    """For this session only: nothing touches the disk."""

    kind: StoreKind = "memory"

    def __init__(self, initial: dict[str, str] | None = None) -> None:
        self._tokens = dict(initial or {})

    def get(self, server: str) -> str | None:
        return self._tokens.get(server)

    def set(self, server: str, token: str) -> None:
        self._tokens[server] = token

    def delete(self, server: str) -> None:
        self._tokens.pop(server, None)


class EnvironmentStore(MemoryStore):
    """``CHALLENGE_TOKEN`` for every server; a new sign-in lives in memory only."""

    kind: StoreKind = "environment"

    def __init__(self, token: str) -> None:
        super().__init__()
        self._default = token

    def get(self, server: str) -> str | None:
        return super().get(server) or self._default or None

    def delete(self, server: str) -> None:
        super().delete(server)
        self._default = ""


class KeyringStore:
    kind: StoreKind = "keyring"

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def get(self, server: str) -> str | None:
        token: str | None = self._backend.get_password(SERVICE, server)
        return token

    def set(self, server: str, token: str) -> None:
        self._backend.set_password(SERVICE, server, token)

    def delete(self, server: str) -> None:
        with contextlib.suppress(Exception):  # nothing stored is what we wanted
            self._backend.delete_password(SERVICE, server)


class FileStore:
    """A JSON file readable by its owner only (0600), for users who ask for it."""

    kind: StoreKind = "file"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "tokens.json"

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(
            data, dict) else {}

    def _write(self, tokens: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A new 0600 file renamed over the old one: the tokens are never readable by
        # others, not even for a moment, and a crash leaves the old file whole.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(tokens, handle)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, server: str) -> str | None:
        return self._read().get(server)

    def set(self, server: str, token: str) -> None:
        self._write({**self._read(), server: token})

    def delete(self, server: str) -> None:
        tokens = self._read()
        if tokens.pop(server, None) is not None:
            self._write(tokens)


@dataclass(frozen=True)
class StoreChoice:
    store: TokenStore
    # What the status bar shows, e.g. "keyring" or "memory (no keyring answered)".
    description: str
    # Set when the store is a fallback the user should know about.
    notice: str | None = None


def _usable_backend(backend: Any) -> bool:
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(_usable_backend(b) for b in backend.backends)
    return True


def probe_keyring(timeout: float = PROBE_TIMEOUT,
                  get_backend: Callable[[], Any] | None = None) -> tuple[Any | None, str]:
    """A keyring backend that answers within ``timeout``, or None and why not.

    Runs in a daemon thread so a hung Secret Service cannot block the caller or
    keep the process alive at exit.
    """
    result: Future[Any] = Future()

    def probe() -> None:
        try:
            import keyring

            backend = (get_backend or keyring.get_keyring)()
            if not _usable_backend(backend):
                result.set_result(None)
                return
            backend.get_password(SERVICE, "__probe__")
            result.set_result(backend)
        except BaseException as exc:  # any failure means "no keyring"
            result.set_exception(exc)

    threading.Thread(target=probe, name="keyring-probe", daemon=True).start()
    try:
        backend = result.result(timeout=timeout)
    except TimeoutError:
        return None, f"the keyring did not answer within {timeout:g} s"
    except Exception as exc:
        return None, f"the keyring failed ({type(exc).__name__})"
    if backend is None:
        return None, "no keyring is available"
    return backend, ""


def choose_store(config: ClientConfig, *, probe_timeout: float = PROBE_TIMEOUT,
                 get_backend: Callable[[], Any] | None = None,
                 file_path: Path | None = None) -> StoreChoice:
    """Blocking (it may probe the keyring): call it off the UI thread."""
    if config.token:
        return StoreChoice(EnvironmentStore(config.token), "environment (CHALLENGE_TOKEN)")
    if config.token_store == "memory":
        return StoreChoice(MemoryStore(), "memory (this session only)")
    if config.token_store == "file":
        store = FileStore(file_path)
        return StoreChoice(store, f"file {store.path} (0600)")
    backend, why = probe_keyring(probe_timeout, get_backend)
    if backend is not None:
        return StoreChoice(KeyringStore(backend), "keyring")
    notice = (f"Not keeping the sign-in: {why}. It lasts for this session only; "
              "set token_store = \"file\" to keep it in a private file.")
    if config.token_store == "keyring":
        notice = f"token_store is 'keyring' but {why}; using memory for this session."
    return StoreChoice(MemoryStore(), f"memory ({why})", notice)
