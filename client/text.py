"""Input hygiene shared by the client and the server."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, the bidi embedding,
# override and isolate characters that can make text read differently than stored,
# and lone surrogates (JSON can carry them; no database can store them).
_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def clean_text(value: str) -> str:
    """Return ``value`` minus control characters and bidi overrides.

    Carriage returns are folded into newlines first, so text pasted from
    Windows keeps its line breaks.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _UNWANTED.sub("", value)
