"""Incidents over HTTP on both databases: record, triage, deadlines, bad input, overdue lists."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.auth import Scope
from tests.conftest import Org, count_rows
from tests.factories import (
    FRI,
    HIGH_RISK_PROVIDER,
    WED,
    clocks,
    incident_body,
    new_system_id,
    record_incident,
)

# 2026-10-15 is a Thursday (WED and FRI: see tests/factories.py).
THU = "2026-10-15T10:30:00Z"


@pytest.mark.parametrize(
    ("aware_at", "triage", "clock_id", "due_at", "period"),
    [
        # 15 days: day 1 Thu 15 Oct, day 15 Thu 29 Oct.
        (WED, HIGH_RISK_PROVIDER, "ai_act_art73", "2026-10-29T23:59:59Z", "15 days"),
        # 10 days for a death: day 10 is Sat 24 Oct -> Mon 26 Oct (a period ending on a weekend).
        (WED, {**HIGH_RISK_PROVIDER, "harms": ["death"]}, "ai_act_art73",
         "2026-10-26T23:59:59Z", "10 days"),
        # 2 days for critical infrastructure: Thu 15 + Fri 16.
        (WED, {**HIGH_RISK_PROVIDER, "harms": ["critical_infrastructure"]}, "ai_act_art73",
         "2026-10-16T23:59:59Z", "2 days"),
        # 2 days spanning a weekend: Sat + Sun -> Mon is one working day -> Tue 20 Oct.
        (FRI, {**HIGH_RISK_PROVIDER, "widespread_infringement": True}, "ai_act_art73",
         "2026-10-20T23:59:59Z", "2 days"),
        # 72 hours across a weekend never move: Fri 16:00 -> Mon 16:00.
        (FRI, {"serious": False, "personal_data_breach": True}, "gdpr_art33",
         "2026-10-19T16:00:00Z", "72 hours"),
        (FRI, {"nis2_in_scope": True, "nis2_significant": True, "serious": False},
         "nis2_art23_early_warning", "2026-10-17T16:00:00Z", "24 hours"),
        # The deployer path: provider unreachable -> the deployer reports under Art. 73.
        (WED, {**HIGH_RISK_PROVIDER, "role": "deployer", "provider_reachable": False},
         "ai_act_art73", "2026-10-29T23:59:59Z", "15 days"),
        # Sectoral regime: only the 3(49)(c) infringement counts (15 days, not death's 10).
        (THU, {**HIGH_RISK_PROVIDER, "sectoral_regime": True,
               "harms": ["death", "fundamental_rights"]},
         "ai_act_art73", "2026-10-30T23:59:59Z", "15 days"),
    ],
)  # fmt: skip
async def test_deadlines_are_computed_stored_and_read_back(
    client: httpx.AsyncClient,
    aware_at: str,
    triage: dict[str, Any],
    clock_id: str,
    due_at: str,
    period: str,
) -> None:
    sid = await new_system_id(client)
    created = await record_incident(
        client, sid, aware_at=aware_at, occurred_at=aware_at, triage=triage
    )
    fetched = (await client.get(f"/v1/incidents/{created['id']}")).json()
    assert fetched == created
    clock = clocks(fetched)[clock_id]
    assert clock["due_at"] == due_at
    assert clock["period"] == period
    assert clock["overdue"] is True  # all these dates lie in the past
    assert clock["refs"]
    assert any("not modelled" in note for note in fetched["deadlines"]["notes"])


async def test_sectoral_regime_without_a_rights_infringement_has_no_ai_act_clock(
    client: httpx.AsyncClient,
) -> None:
    sid = await new_system_id(client)
    triage = {**HIGH_RISK_PROVIDER, "sectoral_regime": True, "harms": ["death"]}
    incident = await record_incident(client, sid, triage=triage)
    assert clocks(incident) == {}
    assert incident["next_due_at"] is None
    assert any("73(9)-(10)" in n for n in incident["deadlines"]["notes"])


async def test_deployer_with_a_reachable_provider_informs_it(client: httpx.AsyncClient) -> None:
    sid = await new_system_id(client)
    triage = {**HIGH_RISK_PROVIDER, "role": "deployer", "provider_reachable": True}
    incident = await record_incident(client, sid, triage=triage)
    assert list(clocks(incident)) == ["ai_act_art26_5"]
    assert clocks(incident)["ai_act_art26_5"]["status"] == "without_fixed_period"


async def test_without_awareness_the_deadline_is_undetermined(client: httpx.AsyncClient) -> None:
    sid = await new_system_id(client)
    incident = await record_incident(client, sid, aware_at=None)
    clock = clocks(incident)["ai_act_art73"]
    assert clock["status"] == "undetermined"
    assert clock["due_at"] is None
    assert incident["next_due_at"] is None
    assert any(u.startswith("aware_at") for u in incident["deadlines"]["undetermined"])


@pytest.mark.parametrize(
    ("overrides", "pointers"),
    [
        ({"aware_at": "2026-10-14T07:00:00Z"}, ["/aware_at"]),
        ({"occurred_at": "2099-01-01T00:00:00Z", "aware_at": None}, ["/occurred_at"]),
        (
            {"occurred_at": "2099-01-01T00:00:00Z", "aware_at": "2099-01-02T00:00:00Z"},
            ["/occurred_at", "/aware_at"],
        ),
    ],
)
async def test_impossible_dates_are_422_with_pointers_and_store_nothing(
    client: httpx.AsyncClient, engine: Engine, overrides: dict[str, Any], pointers: list[str]
) -> None:
    sid = await new_system_id(client)
    response = await client.post("/v1/incidents", json=incident_body(sid, **overrides))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == pointers
    assert count_rows(engine, "incidents") == 0


async def test_a_naive_or_ancient_date_is_422(client: httpx.AsyncClient, engine: Engine) -> None:
    sid = await new_system_id(client)
    for value in ("2026-10-14T08:00:00", "0001-01-01T00:00:00+01:00"):
        response = await client.post("/v1/incidents", json=incident_body(sid, occurred_at=value))
        assert response.status_code == 422, value
        assert response.json()["errors"][0]["pointer"] == "/occurred_at"
    assert count_rows(engine, "incidents") == 0


async def test_another_organisations_system_is_404_and_stores_nothing(
    client: httpx.AsyncClient,
    engine: Engine,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    sid = await new_system_id(client)
    intruder = make_client(make_org("globex").admin_key)
    response = await intruder.post("/v1/incidents", json=incident_body(sid))
    assert response.status_code == 404
    assert count_rows(engine, "incidents") == 0
    incident = await record_incident(client, sid)
    assert (await intruder.get(f"/v1/incidents/{incident['id']}")).status_code == 404
    assert (await intruder.get("/v1/incidents")).json()["items"] == []
    assert (await intruder.get("/v1/overdue-incidents")).json()["items"] == []
    assert (await intruder.get(f"/v1/ai-systems/{sid}/overdue-incidents")).status_code == 404


async def test_an_incident_on_a_retired_system_is_allowed(client: httpx.AsyncClient) -> None:
    sid = await new_system_id(client)
    retired = await client.post(f"/v1/ai-systems/{sid}/retire", headers={"If-Match": '"r1"'})
    assert retired.status_code == 200
    await record_incident(client, sid)


async def test_update_needs_if_match_and_a_report_meets_its_clock(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    sid = await new_system_id(client)
    incident = await record_incident(client, sid)
    url = f"/v1/incidents/{incident['id']}"
    assert incident["next_due_at"] == "2026-10-29T23:59:59Z"
    report = {
        "recipient": "Bundesnetzagentur",
        "sent_at": "2026-10-15T09:00:00Z",
        "clock_id": "ai_act_art73",
        "copy_text": "Initial report under Art. 73(5).",
    }
    assert (await client.patch(url, json={"reports": [report]})).status_code == 428
    stale = await client.patch(url, json={"reports": [report]}, headers={"If-Match": '"r9"'})
    assert stale.status_code == 412
    changed = await client.patch(
        url, json={"reports": [report], "status": "reported"}, headers={"If-Match": '"r1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"r2"'
    after = changed.json()
    assert after["status"] == "reported"
    assert clocks(after)["ai_act_art73"]["met_by_report"] is True
    assert clocks(after)["ai_act_art73"]["overdue"] is False
    assert after["next_due_at"] is None
    assert count_rows(engine, "audit_events") >= 3  # system, incident created, incident updated


async def test_update_with_impossible_dates_changes_nothing(client: httpx.AsyncClient) -> None:
    sid = await new_system_id(client)
    incident = await record_incident(client, sid)
    url = f"/v1/incidents/{incident['id']}"
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    report = {"recipient": "MSA", "sent_at": future, "copy_text": "x"}
    for change, pointer in (
        ({"aware_at": "2026-10-01T00:00:00Z"}, "/aware_at"),
        ({"reports": [report]}, "/reports/0/sent_at"),
    ):
        response = await client.patch(url, json=change, headers={"If-Match": '"r1"'})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == pointer
    assert (await client.get(url)).json() == incident


async def test_overdue_lists_filters_and_standing(client: httpx.AsyncClient) -> None:
    first, second = await new_system_id(client), await new_system_id(client)
    late_death = await record_incident(
        client, first, triage={**HIGH_RISK_PROVIDER, "harms": ["death"]}
    )
    late_15 = await record_incident(client, second)
    recent = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    fresh = await record_incident(client, first, occurred_at=recent, aware_at=recent)
    closed = await record_incident(client, first)
    closing = await client.patch(
        f"/v1/incidents/{closed['id']}", json={"status": "closed"}, headers={"If-Match": '"r1"'}
    )
    assert closing.json()["next_due_at"] is None

    overdue = (await client.get("/v1/overdue-incidents")).json()
    # Longest overdue first: the death's 10 days end before the 15 days.
    assert [i["id"] for i in overdue["items"]] == [late_death["id"], late_15["id"]]
    page = (await client.get("/v1/overdue-incidents", params={"limit": 1})).json()
    assert [i["id"] for i in page["items"]] == [late_death["id"]]
    rest = await client.get("/v1/overdue-incidents", params={"cursor": page["next_cursor"]})
    assert [i["id"] for i in rest.json()["items"]] == [late_15["id"]]
    of_first = (await client.get(f"/v1/ai-systems/{first}/overdue-incidents")).json()
    assert [i["id"] for i in of_first["items"]] == [late_death["id"]]

    async def ids(**params: Any) -> set[str]:
        return {i["id"] for i in (await client.get("/v1/incidents", params=params)).json()["items"]}

    assert await ids(overdue=True) == {late_death["id"], late_15["id"]}
    assert await ids(overdue=False) == {fresh["id"], closed["id"]}
    assert await ids(status="closed") == {closed["id"]}
    assert await ids(system_id=second) == {late_15["id"]}

    standing = (await client.get(f"/v1/ai-systems/{first}/standing")).json()
    assert standing["incidents"] == {"open": 2, "reported": 0, "closed": 1, "overdue": 1}


async def test_read_scope_cannot_record(
    client: httpx.AsyncClient,
    make_client: Callable[[str | None], httpx.AsyncClient],
    make_key: Callable[..., str],
) -> None:
    sid = await new_system_id(client)
    reader = make_client(make_key(Scope.READ))
    assert (await reader.post("/v1/incidents", json=incident_body(sid))).status_code == 403
    assert (await reader.get("/v1/incidents")).status_code == 200
