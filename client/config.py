"""Client configuration: a TOML file, overridden by the environment, then by arguments."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
    return Path(platformdirs.user_config_dir("change-challenge", appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


class ClientConfig(BaseModel):
    """What the client needs to know; every field can come from the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: str | None = None
    # Never read from the file: a token belongs in a token store, not in config.
    token: str | None = Field(default=None, exclude=True)
    token_store: TokenStoreChoice = "auto"
    ca_bundle: Path | None = None
    timeout: float = Field(default=15.0, gt=0, le=600)
    connect_timeout: float = Field(default=5.0, gt=0, le=120)
    retries: int = Field(default=2, ge=0, le=10)
    # Sections the terminal app reads; kept here so one file configures both.
    keys: dict[str, str] = Field(default_factory=dict)
    theme: str | None = None

    @field_validator("server")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("ca_bundle")
    @classmethod
    def _bundle_exists(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        value = value.expanduser()
        if not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None,
                **overrides: Any) -> ClientConfig:
    """The file (if it exists), then ``CHALLENGE_*`` variables, then ``overrides``.

    Raises ConfigError naming the key and where the bad value came from.
    """
    path = path or default_config_path()
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if path.is_file():
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
    try:
        return ClientConfig.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "config"
            where = sources.get(str(err["loc"][0]) if err["loc"] else "", str(path))
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown setting"
            problems.append(f"{where}: {key}: {message}")
        raise ConfigError("; ".join(problems)) from None
