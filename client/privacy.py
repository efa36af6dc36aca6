"""Suspected personal data in free text: NHS numbers, UK phone numbers, email
addresses and dates of birth.

A pure function, so the server can hold a post that trips it and the app can
warn before posting. It aims at what staff actually paste (a patient's NHS number,
a ward phone number, "DOB 03/04/1951"), preferring a missed oddity to flagging
every date or long number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["nhs_number", "phone", "email", "date_of_birth"]

# Ten digits, optionally grouped 3-3-4 by spaces or hyphens, not inside a longer number.
# Not after "#": "#2147483648" cites a submission (the guide's citations), not a patient.
_NHS = re.compile(r"(?<![\d+#])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
# UK numbers: +44 or 0, then 9 or 10 more digits in the usual groupings.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|0)(?:\d[\s-]?){8,9}\d(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MONTHS = ("jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|"
           "april|june|july|august|september|october|november|december")
_DATE = (r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
         rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
         r"|\d{4}-\d{2}-\d{2})")
# A date is a date of birth when it is introduced as one.
_DOB = re.compile(rf"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:\-]?\s*({_DATE})",
                  re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return {"nhs_number": "an NHS number", "phone": "a phone number",
                "email": "an email address", "date_of_birth": "a date of birth"}[self.kind]


def valid_nhs_number(digits: str) -> bool:
    """The modulus 11 check of a 10-digit NHS number."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def find_personal_data(text: str) -> list[Finding]:
    """Every suspected piece of personal data in ``text``, in order, not overlapping."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(kind: Kind, start: int, end: int) -> None:
        if free(start, end):
            taken.append((start, end))
            found.append(Finding(kind, start, end, text[start:end]))

    for match in _EMAIL.finditer(text):
        add("email", match.start(), match.end())
    for match in _DOB.finditer(text):
        add("date_of_birth", match.start(1), match.end(1))
    for match in _NHS.finditer(text):
        if valid_nhs_number("".join(match.groups())):
            add("nhs_number", match.start(), match.end())
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if digits.startswith("44"):
            digits = "0" + digits[2:].removeprefix("0")
        if len(digits) in (10, 11) and digits[1] in "1237":  # geographic, non-geo, mobile
            add("phone", match.start(), match.end())
    return sorted(found, key=lambda f: f.start)


def describe_findings(findings: list[Finding]) -> str:
    """'an NHS number and a phone number' — for messages to the author."""
    labels = list(dict.fromkeys(f.label for f in findings))
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]
