"""Client configuration: a TOML file, overridden by the environment, then by arguments.

Plain dataclasses and hand-written checks rather than pydantic: the terminal app reads
its configuration before its first screen, and pydantic costs ~45 ms to import.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from client.errors import ConfigError

TokenStoreChoice = Literal["auto", "keyring", "memory", "file"]

# Environment variable -> config key.
ENVIRONMENT = {
    "CHALLENGE_SERVER": "server",
    "CHALLENGE_TOKEN": "token",
    "CHALLENGE_CA_BUNDLE": "ca_bundle",
    "CHALLENGE_TOKEN_STORE": "token_store",
}


def config_dir() -> Path:
    import platformdirs  # only when a path is needed (~5 ms)

    return Path(platformdirs.user_config_dir("change-challenge", appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True)
class ClientConfig:
    """What the client needs to know; every field but the token can come from the file.

    Built directly, values are taken as given (callers are code); ``load_config`` checks
    what people wrote. ``replace`` gives a changed copy.
    """

    server: str | None = None
    # Never read from the file, never in the repr: a token belongs in a token store.
    token: str | None = field(default=None, repr=False)
    token_store: TokenStoreChoice = "auto"
    ca_bundle: Path | None = None
    timeout: float = 15.0
    connect_timeout: float = 5.0
    retries: int = 2
    # Sections the terminal app reads; kept here so one file configures both.
    keys: dict[str, str] = field(default_factory=dict)
    theme: str | None = None

    def replace(self, **changes: Any) -> ClientConfig:
        return dataclasses.replace(self, **changes)


def _server(value: object) -> str | None:
    if not isinstance(value, str):
        raise ValueError("must be a URL (text)")
    value = value.strip().rstrip("/")
    if not value:
        return None
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _token_store(value: object) -> str:
    choices = get_args(TokenStoreChoice)
    if value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}")
    return cast(str, value)


def _bundle(value: object) -> Path:
    if not isinstance(value, (str, Path)):
        raise ValueError("must be a file path")
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return path


def _number(low: float, high: float) -> Callable[[object], float]:
    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                math.isfinite(value)):
            raise ValueError("must be a number of seconds")
        if not low < value <= high:
            raise ValueError(f"must be more than {low:g} and at most {high:g}")
        return float(value)
    return check


def _retries(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    if not 0 <= value <= 10:
        raise ValueError("must be from 0 to 10")
    return value


def _keys(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError('must be a table of binding id = "keys"')
    return dict(value)


CHECKS: dict[str, Callable[[object], object]] = {
    "server": _server, "token": _text, "token_store": _token_store, "ca_bundle": _bundle,
    "timeout": _number(0, 600), "connect_timeout": _number(0, 120), "retries": _retries,
    "keys": _keys, "theme": _text,
}


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None,
                **overrides: Any) -> ClientConfig:
    """The file (if it exists), then ``CHALLENGE_*`` variables, then ``overrides``.

    Raises ConfigError naming every bad key and where its value came from.
    """
    path = path or default_config_path()
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if path.is_file():
        import tomllib  # only with a file to read: the app's start-up counts every ms

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
        if "token" in data:
            raise ConfigError(f"{path}: token: do not keep tokens in the config file; "
                              "sign in, or set CHALLENGE_TOKEN")
        for key, value in data.items():
            values[key] = value
            sources[key] = str(path)
    for variable, key in ENVIRONMENT.items():
        if environ.get(variable):
            values[key] = environ[variable]
            sources[key] = f"environment variable {variable}"
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
            sources[key] = "command-line argument"
    checked: dict[str, Any] = {}
    problems = []
    for key, value in values.items():
        check = CHECKS.get(key)
        try:
            if check is None:
                raise ValueError("unknown setting")
            checked[key] = check(value)
        except ValueError as exc:
            problems.append(f"{sources[key]}: {key}: {exc}")
    if problems:
        raise ConfigError("; ".join(problems))
    return ClientConfig(**checked)
