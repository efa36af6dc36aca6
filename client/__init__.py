"""Typed client for the Change Challenge API.

``from client import ChallengeClient`` — names are imported on first use, so
``import client`` stays cheap (the terminal app's start-up depends on it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from client._version import __version__

if TYPE_CHECKING:
    from client.api import ChallengeClient
    from client.config import ClientConfig, load_config
    from client.errors import (
        ApiError,
        CertificateError,
        ChallengeError,
        ConfigError,
        Conflict,
        ConnectionFailed,
        DraftConflict,
        DraftTooLarge,
        EditConflict,
        Forbidden,
        Invalid,
        NotFound,
        PayloadTooLarge,
        PhaseClosed,
        PreconditionRequired,
        RateLimited,
        ResponseInvalid,
        ServerError,
        TimedOut,
        TooManyDrafts,
        Unauthorized,
    )
    from client.sync_api import SyncChallengeClient

_LAZY = {
    "ChallengeClient": "client.api", "SyncChallengeClient": "client.sync_api",
    "ClientConfig": "client.config", "load_config": "client.config",
    **dict.fromkeys((
        "ApiError", "CertificateError", "ChallengeError", "ConfigError", "Conflict",
        "ConnectionFailed", "DraftConflict", "DraftTooLarge", "EditConflict", "Forbidden",
        "Invalid", "NotFound", "PayloadTooLarge", "PhaseClosed", "PreconditionRequired",
        "RateLimited", "ResponseInvalid", "ServerError", "TimedOut", "TooManyDrafts",
        "Unauthorized"), "client.errors"),
}

__all__ = [
    "ApiError", "CertificateError", "ChallengeClient", "ChallengeError", "ClientConfig",
    "ConfigError", "Conflict", "ConnectionFailed", "DraftConflict", "DraftTooLarge",
    "EditConflict", "Forbidden", "Invalid", "NotFound", "PayloadTooLarge", "PhaseClosed",
    "PreconditionRequired", "RateLimited", "ResponseInvalid", "ServerError",
    "SyncChallengeClient", "TimedOut", "TooManyDrafts", "Unauthorized", "__version__",
    "load_config",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'client' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
