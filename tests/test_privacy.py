"""The personal-data detector: a table of true and false cases."""

from __future__ import annotations

import pytest

from client.privacy import describe_findings, find_personal_data, valid_nhs_number
from tests.support import TestApi

# 943 476 5919 is the NHS's own published example of a valid number.
VALID_NHS = ["9434765919", "4010232137", "6541999767"]


@pytest.mark.parametrize("number", VALID_NHS)
def test_valid_nhs_numbers_pass_the_check(number: str) -> None:
    assert valid_nhs_number(number)


@pytest.mark.parametrize("number", ["9434765918", "1234567890", "0000000001", "123456789",
                                    "94347659199", "abcdefghij"])
def test_invalid_nhs_numbers_fail_the_check(number: str) -> None:
    assert not valid_nhs_number(number)


@pytest.mark.parametrize("text, kinds", [
    ("Patient 943 476 5919 was seen", ["nhs_number"]),
    ("NHS no. 9434765919.", ["nhs_number"]),
    ("nhs: 943-476-5919", ["nhs_number"]),
    ("ref 401 023 2137 and 654 199 9767", ["nhs_number", "nhs_number"]),
    ("Call the ward on 0161 496 0000", ["phone"]),
    ("mobile 07700 900123 any time", ["phone"]),
    ("+44 7700 900123", ["phone"]),
    ("+44 (0)20 7946 0018", ["phone"]),
    ("email jo.bloggs@nhs.net for the template", ["email"]),
    ("DOB 03/04/1951, lives alone", ["date_of_birth"]),
    ("date of birth: 3 April 1951", ["date_of_birth"]),
    ("born on 1951-04-03", ["date_of_birth"]),
    ("Mrs X, D.O.B. 12.11.38, ward 7", ["date_of_birth"]),
    ("Ring 020 7946 0018 or mail a@b.org about 943 476 5919",
     ["phone", "email", "nhs_number"]),
])
def test_finds_personal_data(text: str, kinds: list[str]) -> None:
    assert [f.kind for f in find_personal_data(text)] == kinds


@pytest.mark.parametrize("text", [
    "We cut waits by 10 minutes a day over 12 weeks.",
    "A ten-digit number with a wrong check digit: 943 476 5918",
    "Order 1234567890 from supplies",
    "We started on 12/03/2025 and finished in May 2025.",
    "Born out of frustration, the huddle grew.",
    "Version 2.0.1 of the rota app",
    "Extension 4567 on the switchboard",
    "Budget of £1,250,000 over 3 years",
    "As #2147483648 and #9434765919 showed: citations of submissions, not patients",
])
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert find_personal_data(text) == []


def test_findings_give_positions_and_a_description() -> None:
    text = "NHS 943 476 5919, tel 07700 900123"
    findings = find_personal_data(text)
    assert [text[f.start:f.end] for f in findings] == ["943 476 5919", "07700 900123"]
    assert describe_findings(findings) == "an NHS number and a phone number"


async def test_posts_with_personal_data_are_held(api: TestApi) -> None:
    await api.challenge()
    author, other = await api.person(), await api.person()
    r = await api.http.post("/challenges/change/submissions", headers=author.headers, json={
        "kind": "story", "title": "Discharge delays",
        "body": "Mrs B (NHS 943 476 5919) waited all day."})
    assert r.status_code == 201
    held = r.json()
    assert held["status"] == "pending"
    assert "an NHS number" in held["status_reason"]
    assert (await api.http.get(f"/submissions/{held['id']}", headers=other.headers)
            ).status_code == 404
    listed = (await api.http.get("/challenges/change/submissions")).json()["items"]
    assert listed == []

    clean = await api.submit(author, title="Discharge delays", body="Waits were long.")
    assert clean["status"] == "published"
    edit = await api.http.patch(f"/submissions/{clean['id']}", headers=author.headers,
                                json={"body": "Call me on 07700 900123"})
    assert edit.json()["status"] == "pending" and "a phone number" in edit.json()[
        "status_reason"]

    target = await api.submit(other, title="Huddles", body="Ten minutes.")
    comment = await api.http.post(f"/submissions/{target['id']}/comments",
                                  headers=author.headers,
                                  json={"body": "Email me: jo.bloggs@nhs.net"})
    assert comment.status_code == 201
    assert comment.json()["status"] == "pending"
    assert "an email address" in comment.json()["status_reason"]
    shown = await api.http.get(f"/submissions/{target['id']}/comments")
    assert shown.json()["items"] == []
    assert (await api.http.get(f"/submissions/{target['id']}")).json()["comments"] == 0
