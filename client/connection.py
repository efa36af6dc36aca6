"""How the client reaches a server: the API's prefix, the User-Agent, TLS contexts.

Apart from ``client.transport`` (httpx) so that ``client.peek`` can make requests
exactly as the full client does without importing httpx.
"""

from __future__ import annotations

import platform
import ssl
import sys
from pathlib import Path

from client._version import __version__

API_PREFIX = "/api/v1"
USER_AGENT = (f"change-challenge/{__version__} (Python {platform.python_version()}; "
              f"{platform.system() or sys.platform})")

CA_HINT = ("Set CHALLENGE_CA_BUNDLE (or ca_bundle in the config file) to your "
           "organisation's CA certificate file, or add it to the system trust store.")


def ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """Verification through the OS trust store, or an explicit bundle; never off."""
    if ca_bundle is not None:
        return ssl.create_default_context(cafile=str(ca_bundle))
    import truststore  # imported here: plain-HTTP users never pay for it

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def plain_http_context() -> ssl.SSLContext:
    """For an ``http://`` server, where no TLS is spoken (redirects are not followed).

    httpx builds a context at start even so, and its default loads a CA bundle (about
    30 ms); this one is free to make and trusts nothing, so it could never be used to
    accept a certificate.
    """
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
