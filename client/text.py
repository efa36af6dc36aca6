"""Input hygiene shared by the client and the server: what is removed from text,
and what counts as blank. The one place these rules live; the OpenAPI document
shows the same patterns (``VISIBLE_PATTERN``, ``EMAIL_PATTERN``, ``STORABLE_PATTERN``).
"""

from __future__ import annotations

import re

# Removed from stored text:
# - C0 controls except tab and newline, DEL, C1 controls (terminal escapes live here);
# - bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which can
#   make text read differently than stored, and the implicit direction marks U+200E,
#   U+200F, U+061C: a terminal shows text in stored order, so there they only hide;
# - zero width space U+200B, word joiner and invisible operators U+2060-U+2064,
#   the deprecated format characters U+206A-U+206F, the BOM / zero width no-break
#   space U+FEFF and the interlinear annotation marks U+FFF9-U+FFFB: no meaning in a
#   post, only a way to make two texts that look alike differ;
# - lone surrogates (JSON can carry them; no database can store them).
# Kept, because text needs them, but invisible (below): zero width joiner U+200D (emoji
# sequences such as 🧑‍⚕️, Indic conjuncts), non-joiner U+200C (Persian, Indic), soft
# hyphen, variation selectors and tag characters (emoji presentation and flags).
_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)

# Code points a person does not see as a mark of their own: every control (Cc), format
# (Cf) and space-like (Zs, Zl, Zp) character, Unicode's default-ignorable code points
# (Hangul fillers U+115F, U+1160, U+3164, U+FFA0, Khmer inherent vowels, Mongolian
# selectors, variation selectors, tags, ...), the braille blank U+2800 and surrogates.
# Not here, though they are Cf: the prepended concatenation marks (U+0600-U+0605, U+06DD,
# U+070F, U+0890-U+0891, U+08E2, U+110BD, U+110CD), which are printed.
_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0020), (0x007F, 0x00A0), (0x00AD, 0x00AD), (0x034F, 0x034F),
    (0x061C, 0x061C), (0x115F, 0x1160), (0x1680, 0x1680), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x2000, 0x200F), (0x2028, 0x202F), (0x205F, 0x206F),
    (0x2800, 0x2800), (0x3000, 0x3000), (0x3164, 0x3164), (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)


def _class_item(code: int) -> str:
    # \uXXXX reads the same in Python's and ECMA-262's regular expressions; beyond the
    # BMP the two differ, so those are written as the characters themselves.
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def _ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(_class_item(a) if a == b else f"{_class_item(a)}-{_class_item(b)}"
                   for a, b in ranges)


# Lone surrogates are refused or removed too, but the patterns of the document leave
# them out: JSON Schema validators (e.g. Rust's regex) cannot compile them.
_SURROGATES = "\\ud800-\\udfff"

#: Matches a character a person can see: a text without one is blank.
VISIBLE_PATTERN = f"[^{_ranges(_INVISIBLE_RANGES)}]"
_VISIBLE = re.compile(f"[^{_ranges(_INVISIBLE_RANGES)}{_SURROGATES}]")

# Whitespace as Python's str.isspace() has it, written out so that the pattern means the
# same in the OpenAPI document (ECMA-262) as here.
_SPACE = "\\t\\n\\u000b\\u000c\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a" \
         "\\u2028\\u2029\\u202f\\u205f\\u3000"


def _email(extra: str = "") -> str:
    part = f"[^@{_SPACE}\\u0000-\\u001f\\u007f{extra}]+"
    return f"^{part}@{part}\\.{part}$"


#: An email address as the server takes it: something@domain.tld, no spaces or controls.
EMAIL_PATTERN = _email()
_EMAIL = re.compile(_email(_SURROGATES))
#: Text a database can store as it is (passwords): no NUL (and no lone surrogate).
STORABLE_PATTERN = "^[^\\u0000]*$"
_STORABLE = re.compile(f"^[^\\u0000{_SURROGATES}]*$")


def clean_text(value: str) -> str:
    """Return ``value`` minus control characters, direction marks and overrides, and
    the invisible characters listed above.

    Carriage returns are folded into newlines first, so text pasted from
    Windows keeps its line breaks.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _UNWANTED.sub("", value)


def is_blank(value: str) -> bool:
    """Whether a person would see nothing: no character but spaces and invisibles."""
    return _VISIBLE.search(value) is None


def is_email(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None


def is_storable(value: str) -> bool:
    return _STORABLE.fullmatch(value) is not None
