"""The set-up form without a terminal: times as typed, the request built from the form,
and every error named by the form field it belongs to."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from client.models import Challenge, ChallengeCreate, ChallengeUpdate, FieldError, PhaseIn
from tests.support import challenge_spec, phase
from tui import challenge_form, moments
from tui.challenge_form import (
    ChallengeForm,
    FormInvalid,
    PhaseForm,
    build,
    default_flags,
    phase_flags,
)


@pytest.fixture(autouse=True)
def london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_time_without_an_offset_is_local_with_daylight_saving() -> None:
    assert moments.parse("2027-03-01 09:00") == datetime(2027, 3, 1, 9, tzinfo=UTC)
    summer = moments.parse("2027-06-01 9:00")
    assert summer.utcoffset() == timedelta(hours=1)
    assert summer.astimezone(UTC) == datetime(2027, 6, 1, 8, tzinfo=UTC)
    assert moments.parse("2027-06-01") == datetime(2027, 5, 31, 23, tzinfo=UTC)  # midnight


@pytest.mark.parametrize("text, expected", [
    ("2027-06-01 09:00 +05:30", datetime(2027, 6, 1, 3, 30, tzinfo=UTC)),
    ("2027-06-01T09:00-0400", datetime(2027, 6, 1, 13, 0, tzinfo=UTC)),
    ("2027-06-01 09:00 UTC", datetime(2027, 6, 1, 9, 0, tzinfo=UTC)),
    ("2027-06-01 09:00:30Z", datetime(2027, 6, 1, 9, 0, 30, tzinfo=UTC)),
    ("  2027-06-01   09:00  ", datetime(2027, 6, 1, 8, 0, tzinfo=UTC)),
])
def test_an_offset_says_otherwise(text: str, expected: datetime) -> None:
    assert moments.parse(text) == expected


@pytest.mark.parametrize("text, said", [
    ("", "not a date and time"), ("tomorrow", "not a date and time"),
    ("2027-02-30 09:00", "no such date"), ("2027-03-01 24:00", "no such date or time"),
    ("2027-03-01 09:00 +24:00", "no such offset"), ("2027-03-01 09:00 +01:00:00", "not a"),
])
def test_what_is_not_a_time_says_what_is(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        moments.parse(text)


def test_a_time_is_said_back_with_its_offset_and_in_utc() -> None:
    assert moments.explain("2027-03-01 09:00") == "Mon 1 Mar 09:00 UTC"
    assert moments.explain("2027-06-01 00:30") == "Tue 1 Jun 00:30 UTC+01:00 = 31 May 23:30 UTC"
    assert moments.explain("2027-06-01 09:00 -05:00") == "Tue 1 Jun 09:00 UTC-05:00 = 14:00 UTC"
    assert moments.explain("soon").startswith("? e.g.")
    assert moments.explain("  ") == ""


def test_a_shown_time_reads_back_as_the_same_moment() -> None:
    for moment in (datetime(2027, 6, 1, 8, tzinfo=UTC),
                   datetime(2027, 1, 1, 9, 15, 30, tzinfo=timezone(timedelta(hours=-7)))):
        assert moments.parse(moments.show(moment)) == moment
    assert moments.show(datetime(2027, 6, 1, 8, tzinfo=UTC)) == "2027-06-01 09:00"


def test_the_flags_are_the_wire_models_yes_no_fields() -> None:
    assert phase_flags()[:4] == ["submissions", "comments", "votes", "show_counts"]
    assert "vote_budget" not in phase_flags() and "name" not in phase_flags()
    assert all(PhaseIn.model_fields[f].annotation is bool for f in phase_flags())
    assert default_flags()["show_counts"] is True and default_flags()["votes"] is False


def test_a_flag_added_to_the_model_reaches_the_form(monkeypatch: pytest.MonkeyPatch) -> None:
    class Later(PhaseIn):
        review: bool = False

    monkeypatch.setattr(challenge_form, "PhaseIn", Later)
    assert phase_flags()[-1] == "review"
    assert PhaseForm().flags["review"] is False


def filled(**overrides: object) -> ChallengeForm:
    form = ChallengeForm.new()
    form.slug, form.title, form.themes = "ward-ideas", "Ward ideas", " Rotas \n\nHandover\n"
    form.phases = [PhaseForm("Share", "2027-03-01 09:00", "2027-03-08 17:00",
                             {**default_flags(), "submissions": True}),
                   PhaseForm("Vote", "2027-03-08 17:00", "2027-03-15 17:00",
                             {**default_flags(), "votes": True, "show_counts": False}, "3")]
    for name, value in overrides.items():
        setattr(form, name, value)
    return form


def test_a_filled_form_builds_the_create_request() -> None:
    built = build(filled(), creating=True)
    body = built.body
    assert isinstance(body, ChallengeCreate)
    assert body.slug == "ward-ideas" and body.themes == ["Rotas", "Handover"]
    assert [p.name for p in body.phases] == ["Share", "Vote"]
    assert body.phases[0].starts_at == datetime(2027, 3, 1, 9, tzinfo=UTC)
    assert body.phases[0].submissions and not body.phases[0].votes
    assert body.phases[1].vote_budget == 3 and body.phases[1].show_counts is False
    assert [p.kind for p in body.prompts] == ["story", "idea"] and built.prompt_rows == [0, 1]


def test_a_blank_question_is_not_asked_and_errors_keep_the_forms_rows() -> None:
    form = filled()
    form.prompts[0].question = ""
    built = build(form, creating=False)
    assert isinstance(built.body, ChallengeUpdate)
    assert built.body.prompts is not None and [p.kind for p in built.body.prompts] == ["idea"]
    assert built.prompt_rows == [1]
    # The server names the sent list's first prompt: the form's second row.
    assert built.locate([FieldError(field="prompts.0.question", message="too long")]) == {
        "prompts.1.question": "too long"}


def test_each_mistake_is_said_at_its_field() -> None:
    form = filled(slug="Ward Ideas", title=" ")
    form.phases[0].ends_at = "2027-02-20 09:00"  # before it starts
    form.phases[1].starts_at = "next week"
    form.phases.append(PhaseForm("", "2027-04-01", "2027-04-02", vote_budget="ten"))
    with pytest.raises(FormInvalid) as raised:
        build(form, creating=True)
    errors = raised.value.errors
    assert errors["slug"].startswith("lower-case letters, digits and dashes")
    assert errors["title"] == "must not be blank"
    assert errors["phases.0.ends_at"] == "a phase must end after it starts"
    assert errors["phases.1.starts_at"].startswith("not a date and time")
    assert errors["phases.2.name"] == "must not be blank"
    assert errors["phases.2.vote_budget"].startswith("a whole number")
    assert set(errors) == {"slug", "title", "phases.0.ends_at", "phases.1.starts_at",
                           "phases.2.name", "phases.2.vote_budget"}


def test_overlapping_phases_are_said_at_the_later_start() -> None:
    form = filled()
    form.phases[1].starts_at = "2027-03-07 09:00"
    with pytest.raises(FormInvalid) as raised:
        build(form, creating=True)
    assert raised.value.errors == {
        "phases.1.starts_at": "overlaps 'Share', which ends 2027-03-08 17:00"}


def test_no_question_at_all_is_said_of_the_questions() -> None:
    form = filled()
    for prompt in form.prompts:
        prompt.question = ""
    with pytest.raises(FormInvalid) as raised:
        build(form, creating=True)
    assert raised.value.errors == {"prompts": "ask at least one question"}


@pytest.mark.parametrize("field, message, at", [
    ("phases.1.ends_at", "not after the start", "phases.1.ends_at"),
    ("phases.2", "a phase must end after it starts", "phases.2.ends_at"),
    ("phases.0.pairwise", "not allowed here", "phases.0.pairwise"),  # unknown here
    ("themes", "duplicate theme", "themes"),
    ("themes.3", "must not be blank", "themes"),
    ("body", "phases 'A' and 'B' overlap", "phases"),
    ("body", "at most one prompt per kind", "prompts"),
    ("body", "something else", "form"),
    ("slug", "already taken", "slug"),
])
def test_the_servers_field_names_find_the_form_field(field: str, message: str,
                                                      at: str) -> None:
    built = build(filled(), creating=True)
    located = built.locate([FieldError(field=field, message=message)])
    assert list(located) == [at]
    if field == "themes.3":
        assert located[at] == "theme 4: must not be blank"


def test_a_challenge_fills_the_form_and_builds_back_unchanged() -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    spec = challenge_spec(phases=[
        phase("Share", -timedelta(days=1), timedelta(days=5), now, submissions=True),
        phase("Vote", timedelta(days=5), timedelta(days=7), now, votes=True,
              vote_budget=5)])
    challenge = Challenge.model_validate({
        **spec, "created_at": now.isoformat(),
        "phases": [{"comments": False, "show_counts": True, "submissions": False,
                    "votes": False, **p, "id": i, "position": i}
                   for i, p in enumerate(reversed(spec["phases"]))]})
    form = ChallengeForm.of(challenge)
    assert [p.name for p in form.phases] == ["Share", "Vote"]  # by date
    assert form.themes.splitlines() == spec["themes"]
    body = build(form, creating=False).body
    assert isinstance(body, ChallengeUpdate) and body.phases is not None
    assert [(p.starts_at, p.ends_at) for p in body.phases] == [
        (now - timedelta(days=1), now + timedelta(days=5)),
        (now + timedelta(days=5), now + timedelta(days=7))]
    assert body.phases[1].vote_budget == 5 and body.phases[0].submissions
