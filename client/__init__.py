"""Typed client for the Change Challenge API."""

from client._version import __version__

__all__ = ["__version__"]
