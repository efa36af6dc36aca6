"""The field types of the wire contract: what text, addresses and values a request may
hold, each with the pattern the OpenAPI document states and a validator that says in
words what is wrong. ``client.models`` builds the bodies from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter

from client.text import (
    EMAIL_PATTERN,
    STORABLE_PATTERN,
    VISIBLE_PATTERN,
    clean_text,
    is_blank,
    is_email,
    is_storable,
)


def _exact_int(value: object) -> object:
    # A vote is 1 or -1 exactly: not true, not 1.5, not "1" (1.0 is 1 in JSON).
    if type(value) is not int:
        raise ValueError("must be 1 or -1")
    return value


def _one_or_minus_one(value: object) -> object:
    if value not in (1, -1):
        raise ValueError("must be 1 or -1")
    return value


VoteValue = Annotated[Literal[1, -1], BeforeValidator(_one_or_minus_one),
                      BeforeValidator(_exact_int)]

MAX_TITLE = 140
MAX_BODY = 10_000
MAX_COMMENT = 4_000
MAX_THEMES = 3


def not_blank(value: str) -> str:
    if is_blank(value):
        raise ValueError("must not be blank")
    return value


# Text as the user meant it, minus control characters and invisible marks (client/text.py).
Text = Annotated[str, AfterValidator(clean_text)]
# The document says "not blank" as a pattern: at least one visible character.
NotBlank = Field(json_schema_extra={"pattern": VISIBLE_PATTERN})
Title = Annotated[str, AfterValidator(clean_text), AfterValidator(not_blank),
                  Field(max_length=MAX_TITLE), NotBlank]
Body = Annotated[str, AfterValidator(clean_text), AfterValidator(not_blank),
                 Field(max_length=MAX_BODY), NotBlank]
CommentBody = Annotated[str, AfterValidator(clean_text), AfterValidator(not_blank),
                        Field(max_length=MAX_COMMENT), NotBlank]
Theme = Annotated[str, AfterValidator(clean_text), AfterValidator(not_blank),
                  Field(max_length=60), NotBlank]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
def encodable(value: str) -> str:
    if not is_storable(value):
        raise ValueError("contains characters that cannot be stored (NUL or a lone surrogate)")
    return value


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError("is not an email address")
    return value


# The patterns are for the document; the validators say what is wrong in words.
Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email),
                  Field(json_schema_extra={"pattern": EMAIL_PATTERN})]
Storable = Field(json_schema_extra={"pattern": STORABLE_PATTERN})
Password = Annotated[str, Field(min_length=8, max_length=256), AfterValidator(encodable),
                     Storable]
DisplayName = Annotated[str, AfterValidator(clean_text), AfterValidator(not_blank),
                        Field(max_length=80), NotBlank]


def whole_numbers(value: object) -> object:
    # JSON (and JSON Schema's "integer") does not tell 1.0 from 1: take it as 1.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value


_DATETIME = TypeAdapter(datetime)


def _moment(value: object) -> object:
    # JSON has no date-time type: a string is parsed here, as strict mode would not.
    return _DATETIME.validate_python(value) if isinstance(value, str) else value


# A date-time in a request: an ISO 8601 string (or a datetime, from Python), not a number.
Moment = Annotated[datetime, BeforeValidator(_moment)]

_DATE = TypeAdapter(date)


def _day(value: object) -> object:
    return _DATE.validate_python(value) if isinstance(value, str) else value


# A calendar day in a request: "2027-03-01" (or a date, from Python).
Day = Annotated[date, BeforeValidator(_day)]
