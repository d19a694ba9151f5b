"""Who did it: audit events, submissions and reviews name the person; four eyes compare people."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.assessments.models import Assessment
from app.auth import Role
from tests.conftest import Org
from tests.factories import CV_SCREENING, review, start, submit
from tests.people.conftest import PASSWORD, Person, sign_in


async def test_audit_events_name_the_person_by_id_only(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
) -> None:
    client = browser()
    alice = make_person("alice@acme.example", Role.ASSESSOR)
    await sign_in(client, alice)
    system = {"name": "Bot", "purpose": "p", "owner": "o", "sourcing": "bought"}
    created = await client.post("/v1/ai-systems", json=system)
    assert created.status_code == 201
    admin = make_client(org.admin_key)
    events = (await admin.get("/v1/audit-events", params={"action": "ai_system.created"})).json()
    (event,) = events["items"]
    assert event["actor_user_id"] == str(alice.id)
    assert event["actor_key_id"] is None
    assert event["actor"] == f"user {alice.id}"
    everything = json.dumps((await admin.get("/v1/audit-events")).json())
    assert "alice@acme.example" not in everything
    assert "Alice" not in everything
    verified = (await admin.get("/v1/audit-events/verify")).json()
    assert verified["valid"] is True


async def test_nobody_approves_their_own_submission_even_through_their_own_key(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
    engine: Engine,
) -> None:
    admin_key = make_client(org.admin_key)
    carol_browser = browser()
    carol = make_person("carol@acme.example", Role.ADMIN)
    await sign_in(carol_browser, carol)
    personal = await carol_browser.post(
        "/v1/api-keys",
        json={"name": "ci", "scopes": ["read", "assessments:write"], "personal": True},
    )
    carol_key = make_client(personal.json()["secret"])

    assessment = await start(admin_key, carol_key, CV_SCREENING)
    submitted = await submit(carol_key, assessment)
    assert submitted.status_code == 200, submitted.text
    assessment = submitted.json()
    with Session(engine) as session:
        row = session.get(Assessment, uuid.UUID(assessment["id"]))
        assert row is not None
        assert row.submitted_by_user_id == carol.id

    own = await review(carol_browser, assessment, decision="approve")
    assert own.status_code == 403
    assert own.json()["type"] == "/problems/own-submission"

    reviewer = browser()
    rita = make_person("rita@acme.example", Role.REVIEWER)
    await sign_in(reviewer, rita)
    approved = await review(reviewer, assessment, decision="approve")
    assert approved.status_code == 200, approved.text
    rounds = (await admin_key.get(f"/v1/assessments/{assessment['id']}/rounds")).json()["items"]
    assert rounds[0]["submitted_by"] == f"user {carol.id}"
    assert rounds[0]["decided_by"] == f"user {rita.id}"


async def test_a_leaver_is_pseudonymised_and_the_chain_still_holds(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
    engine: Engine,
) -> None:
    from app.people import service
    from app.people.models import User
    from tests.conftest import TEST_ACTOR

    client = browser()
    leaver = make_person("leo@acme.example", Role.ASSESSOR)
    await sign_in(client, leaver)
    system = {"name": "Bot", "purpose": "p", "owner": "o", "sourcing": "bought"}
    assert (await client.post("/v1/ai-systems", json=system)).status_code == 201
    admin = make_client(org.admin_key)
    before = (await admin.get("/v1/audit-events")).json()["items"]

    with Session(engine) as session:
        service.pseudonymise(session, user_id=leaver.id, actor=TEST_ACTOR)
        session.commit()
        user = session.get(User, leaver.id)
        assert user is not None
        assert "leo" not in user.email
        assert user.display_name == "Former user"
    assert (await client.get("/v1/me")).status_code == 401
    after = (await admin.get("/v1/audit-events")).json()["items"]
    # Newest first: the pseudonymisation on top, the history below it untouched, naming the same id.
    assert after[1:] == before
    assert after[0]["action"] == "user.pseudonymised"
    assert (await admin.get("/v1/audit-events/verify")).json()["valid"] is True


async def test_the_audit_log_names_who_added_and_deactivated_people(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
) -> None:
    admin = make_client(org.admin_key)
    bob = make_person("bob@acme.example", Role.VIEWER, organization_id=make_org("globex").id)
    for email, password in (("new@acme.example", "a long new password"), (bob.email, PASSWORD)):
        invited = await admin.post("/v1/users/invitations", json={"email": email, "role": "viewer"})
        assert invited.status_code == 201, invited.text
        token = invited.json()["link"].partition("#token=")[2]
        accepted = await browser().post(
            "/v1/auth/invitations/accept",
            json={"token": token, "display_name": "New", "password": password},
        )
        assert accepted.status_code == 200, accepted.text
    added = (await admin.get("/v1/audit-events", params={"action": "user.added"})).json()["items"]
    # Newest first: bob joined as himself; the newcomer is named by the link that let them in.
    assert [(e["actor"], e["actor_user_id"]) for e in added] == [
        (f"user {bob.id}", str(bob.id)),
        ("invitation accepted", None),
    ]
    gone = await admin.post(f"/v1/users/{bob.id}/deactivate", headers={"If-Match": '"r1"'})
    assert gone.status_code == 200, gone.text
    params = {"action": "user.deactivated"}
    (event,) = (await admin.get("/v1/audit-events", params=params)).json()["items"]
    assert event["actor"] == "api key 'admin'"
    assert event["actor_key_id"] is not None
    assert event["after"] == {"id": str(bob.id), "role": "viewer", "status": "deactivated"}
    assert event["before"] == {"id": str(bob.id), "role": "viewer", "status": "active"}
