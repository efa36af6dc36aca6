from __future__ import annotations

from tests.support import TestApi


async def test_health(api: TestApi) -> None:
    r = await api.http.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"] in ("sqlite", "postgresql")
    assert r.headers["x-request-id"]


async def test_create_and_list(api: TestApi) -> None:
    await api.challenge()
    author = await api.person()
    made = await api.submit(author, themes=["time and capacity"])
    assert made["themes"] == ["Time and capacity"]
    r = await api.http.get("/challenges/change/submissions", params={"q": "huddle"})
    assert [s["id"] for s in r.json()["items"]] == [made["id"]]
