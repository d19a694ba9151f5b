"""Invitations, roles, deactivation, passwords, own sessions, switching organisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.auth import SESSION_COOKIE, Role
from app.db import utcnow
from app.people.models import UserToken
from tests.conftest import Org, count_rows
from tests.people.conftest import PASSWORD, Person, sign_in


async def _invite(admin: httpx.AsyncClient, email: str, role: str = "reviewer") -> str:
    response = await admin.post("/v1/users/invitations", json={"email": email, "role": role})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["invitation"]["email"] == email.lower()
    link: str = body["link"]
    assert link.startswith("https://assess.example/accept-invitation#token=")
    return link.partition("#token=")[2]


async def test_an_invitation_is_accepted_once_and_signs_in(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    engine: Engine,
) -> None:
    admin = browser()
    await sign_in(admin, make_person("alice@acme.example"))
    token = await _invite(admin, "Bob@Acme.example")
    with engine.connect() as connection:
        stored = connection.execute(sa.select(UserToken.secret_hash)).scalar_one()  # type: ignore[call-overload]
    assert token not in stored

    newcomer = browser()
    view = await newcomer.get(f"/v1/auth/invitations/{token}")
    assert view.status_code == 200
    assert view.json()["email"] == "bob@acme.example"
    assert view.json()["organization"] == {"name": "Acme"}
    assert view.json()["role"] == "reviewer"

    accepted = await newcomer.post(
        "/v1/auth/invitations/accept",
        json={"token": token, "display_name": "Bob", "password": "bobs long password"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "reviewer"
    assert SESSION_COOKIE in newcomer.cookies
    assert (await newcomer.get("/v1/me")).json()["user"]["display_name"] == "Bob"

    for attempt in (
        newcomer.get(f"/v1/auth/invitations/{token}"),
        newcomer.post(
            "/v1/auth/invitations/accept",
            json={"token": token, "display_name": "Eve", "password": "eves long password"},
        ),
    ):
        response = await attempt
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/invalid-token"
    users = (await admin.get("/v1/users")).json()["items"]
    assert sorted(u["email"] for u in users) == ["alice@acme.example", "bob@acme.example"]


async def test_an_expired_or_unknown_invitation_is_the_same_404(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    engine: Engine,
) -> None:
    admin = browser()
    await sign_in(admin, make_person("alice@acme.example"))
    token = await _invite(admin, "bob@acme.example")
    with engine.begin() as connection:
        connection.execute(sa.update(UserToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = await browser().get(f"/v1/auth/invitations/{token}")
    unknown = await browser().get("/v1/auth/invitations/" + "x" * 43)
    assert expired.status_code == unknown.status_code == 404
    assert expired.json()["detail"] == unknown.json()["detail"]


async def test_only_admins_invite_and_members_are_not_invited_twice(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    viewer = browser()
    await sign_in(viewer, make_person("vera@acme.example", Role.VIEWER))
    refused = await viewer.post(
        "/v1/users/invitations", json={"email": "x@acme.example", "role": "viewer"}
    )
    assert refused.status_code == 403
    admin = browser()
    await sign_in(admin, make_person("alice@acme.example"))
    twice = await admin.post(
        "/v1/users/invitations", json={"email": "vera@acme.example", "role": "viewer"}
    )
    assert twice.status_code == 409
    bad = await admin.post(
        "/v1/users/invitations",
        json={"email": "z@acme.example", "role": "viewer", "display_name": "Zed\x1b[31m"},
    )
    assert bad.status_code == 422


async def test_role_change_needs_if_match_and_takes_effect_at_once(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    admin, bob = browser(), browser()
    await sign_in(admin, make_person("alice@acme.example"))
    person = make_person("bob@acme.example", Role.VIEWER)
    await sign_in(bob, person)
    url = f"/v1/users/{person.id}"
    assert (await admin.patch(url, json={"role": "assessor"})).status_code == 428
    stale = await admin.patch(url, json={"role": "assessor"}, headers={"If-Match": '"r9"'})
    assert stale.status_code == 412
    changed = await admin.patch(url, json={"role": "assessor"}, headers={"If-Match": '"r1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "assessor"
    assert changed.headers["ETag"] == '"r2"'
    assert (await bob.get("/v1/me")).json()["scopes"] == [
        "assessments:write",
        "read",
        "systems:write",
    ]


async def test_the_last_admin_can_be_neither_demoted_nor_deactivated(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    admin = browser()
    alice = make_person("alice@acme.example")
    await sign_in(admin, alice)
    demoted = await admin.patch(
        f"/v1/users/{alice.id}", json={"role": "viewer"}, headers={"If-Match": '"r1"'}
    )
    assert demoted.status_code == 409
    assert demoted.json()["type"] == "/problems/last-admin"
    gone = await admin.post(f"/v1/users/{alice.id}/deactivate", headers={"If-Match": '"r1"'})
    assert gone.status_code == 409
    assert (await admin.get("/v1/me")).json()["role"] == "admin"
    # With a second admin, the first can step down.
    make_person("carol@acme.example", Role.ADMIN)
    stepped = await admin.patch(
        f"/v1/users/{alice.id}", json={"role": "viewer"}, headers={"If-Match": '"r1"'}
    )
    assert stepped.status_code == 200


async def test_deactivation_ends_sessions_and_personal_keys_at_once(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
) -> None:
    bob_browser = browser()
    bob = make_person("bob@acme.example", Role.ADMIN)
    await sign_in(bob_browser, bob)
    created = await bob_browser.post(
        "/v1/api-keys", json={"name": "bob's laptop", "scopes": ["read"], "personal": True}
    )
    assert created.status_code == 201, created.text
    assert created.json()["user_id"] == str(bob.id)
    key_client = make_client(created.json()["secret"])
    me = (await key_client.get("/v1/me")).json()
    assert me["kind"] == "key"
    assert me["user"]["id"] == str(bob.id)
    assert me["role"] == "admin"

    make_person("alice@acme.example", Role.ADMIN)  # bob is not the last admin
    admin = make_client(org.admin_key)
    response = await admin.post(f"/v1/users/{bob.id}/deactivate", headers={"If-Match": '"r1"'})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "deactivated"
    assert (await bob_browser.get("/v1/me")).status_code == 401
    assert (await key_client.get("/v1/me")).status_code == 401
    again = await browser().post(
        "/v1/auth/sign-in", json={"email": bob.email, "password": bob.password}
    )
    assert again.status_code == 401


async def test_a_personal_key_is_narrowed_to_its_owners_role(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
) -> None:
    bob_browser = browser()
    bob = make_person("bob@acme.example", Role.ADMIN)
    await sign_in(bob_browser, bob)
    created = await bob_browser.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["admin"], "personal": True}
    )
    key_client = make_client(created.json()["secret"])
    make_person("alice@acme.example", Role.ADMIN)  # bob is not the last admin
    admin = make_client(org.admin_key)
    await admin.patch(f"/v1/users/{bob.id}", json={"role": "viewer"}, headers={"If-Match": '"r1"'})
    me = (await key_client.get("/v1/me")).json()
    assert me["scopes"] == ["read"]
    assert (await key_client.get("/v1/api-keys")).status_code == 403
    # A service key cannot be made personal by an API-key caller.
    refused = await admin.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["read"], "personal": True}
    )
    assert refused.status_code == 422


async def test_a_password_change_ends_the_other_sessions(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    alice = make_person("alice@acme.example", Role.VIEWER)
    laptop, phone = browser(), browser()
    await sign_in(laptop, alice)
    await sign_in(phone, alice)
    wrong = await laptop.post(
        "/v1/auth/password",
        json={"current_password": "not my password", "new_password": "a brand new password"},
    )
    assert wrong.status_code == 403
    assert (await phone.get("/v1/me")).status_code == 200
    short = await laptop.post(
        "/v1/auth/password", json={"current_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422
    changed = await laptop.post(
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
    )
    assert changed.status_code == 204
    assert (await laptop.get("/v1/me")).status_code == 200
    assert (await phone.get("/v1/me")).status_code == 401
    old = await browser().post(
        "/v1/auth/sign-in", json={"email": alice.email, "password": PASSWORD}
    )
    assert old.status_code == 401
    new = await browser().post(
        "/v1/auth/sign-in", json={"email": alice.email, "password": "a brand new password"}
    )
    assert new.status_code == 200


async def test_a_reset_request_answers_the_same_for_any_address(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    engine: Engine,
) -> None:
    make_person("alice@acme.example")
    client = browser()
    known = await client.post("/v1/auth/password-reset", json={"email": "alice@acme.example"})
    unknown = await client.post("/v1/auth/password-reset", json={"email": "nobody@acme.example"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert count_rows(engine, "user_tokens") == 1  # a link only for the real account


async def test_a_reset_link_sets_the_password_ends_sessions_and_signs_in(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    engine: Engine,
    people_settings: object,
) -> None:
    from sqlmodel import Session

    from app.people import credentials
    from app.people.models import User

    alice = make_person("alice@acme.example", Role.VIEWER)
    old = browser()
    await sign_in(old, alice)
    with Session(engine) as session:
        user = session.get(User, alice.id)
        assert user is not None
        link = credentials.create_reset_link(session, people_settings, user=user)  # type: ignore[arg-type]
        session.commit()
    token = link.partition("#token=")[2]
    client = browser()
    bad = await client.post(
        "/v1/auth/password-reset/complete", json={"token": "x" * 43, "new_password": "x" * 12}
    )
    assert bad.status_code == 404
    done = await client.post(
        "/v1/auth/password-reset/complete",
        json={"token": token, "new_password": "my new long password"},
    )
    assert done.status_code == 200, done.text
    assert SESSION_COOKIE in client.cookies
    assert (await old.get("/v1/me")).status_code == 401
    reused = await client.post(
        "/v1/auth/password-reset/complete",
        json={"token": token, "new_password": "my other password"},
    )
    assert reused.status_code == 404


async def test_people_list_and_end_their_own_sessions_only(
    browser: Callable[..., httpx.AsyncClient], make_person: Callable[..., Person]
) -> None:
    alice = make_person("alice@acme.example", Role.VIEWER)
    laptop, phone, bob = browser(), browser(), browser()
    await sign_in(laptop, alice)
    await sign_in(phone, alice)
    await sign_in(bob, make_person("bob@acme.example", Role.VIEWER))
    sessions = (await laptop.get("/v1/auth/sessions")).json()["items"]
    assert len(sessions) == 2
    current = [s for s in sessions if s["current"]]
    other = [s for s in sessions if not s["current"]]
    assert len(current) == len(other) == 1
    bobs = (await bob.get("/v1/auth/sessions")).json()["items"]
    assert (await laptop.delete(f"/v1/auth/sessions/{bobs[0]['id']}")).status_code == 404
    assert (await bob.get("/v1/me")).status_code == 200
    ended = await laptop.delete(f"/v1/auth/sessions/{other[0]['id']}")
    assert ended.status_code == 204
    assert (await phone.get("/v1/me")).status_code == 401
    assert (await laptop.get("/v1/me")).status_code == 200


async def test_switching_organisation_changes_what_the_session_acts_on(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
) -> None:
    other = make_org("globex")
    alice = make_person("alice@acme.example", Role.VIEWER)
    make_person("alice@acme.example", Role.ASSESSOR, organization_id=other.id)
    stranger = make_org("initech")
    client = browser()
    me = (await sign_in(client, alice)).json()
    assert {o["slug"]: o["role"] for o in me["organizations"]} == {
        "acme": "viewer",
        "globex": "assessor",
    }
    assert me["organization"]["slug"] == "acme"
    refused = await client.put(
        "/v1/auth/session/organization", json={"organization_id": str(stranger.id)}
    )
    assert refused.status_code == 404
    switched = await client.put(
        "/v1/auth/session/organization", json={"organization_id": str(other.id)}
    )
    assert switched.status_code == 200, switched.text
    assert switched.json()["organization"]["slug"] == "globex"
    assert switched.json()["role"] == "assessor"
    system = {"name": "Bot", "purpose": "p", "owner": "o", "sourcing": "bought"}
    created = await client.post("/v1/ai-systems", json=system)
    assert created.status_code == 201
    # The system is globex's: acme's admin key does not see it.
    acme = make_client(org.admin_key)
    assert (await acme.get(f"/v1/ai-systems/{created.json()['id']}")).status_code == 404


async def test_deactivation_in_one_organisation_leaves_the_others_alone(
    browser: Callable[..., httpx.AsyncClient],
    make_person: Callable[..., Person],
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
) -> None:
    other = make_org("globex")
    bob = make_person("bob@acme.example", Role.VIEWER)
    make_person("bob@acme.example", Role.VIEWER, organization_id=other.id)
    in_acme, in_globex = browser(), browser()
    await sign_in(in_acme, bob)
    await sign_in(in_globex, bob)
    switched = await in_globex.put(
        "/v1/auth/session/organization", json={"organization_id": str(other.id)}
    )
    assert switched.status_code == 200
    acme_admin = make_client(org.admin_key)
    gone = await acme_admin.post(f"/v1/users/{bob.id}/deactivate", headers={"If-Match": '"r1"'})
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "deactivated"
    assert (await in_acme.get("/v1/me")).status_code == 401
    me = await in_globex.get("/v1/me")
    assert me.status_code == 200
    assert [o["slug"] for o in me.json()["organizations"]] == ["globex"]
    # Signing in again lands in the organisation still open to him; acme is closed.
    again = await sign_in(browser(), bob)
    assert again.json()["organization"]["slug"] == "globex"
    back = await in_globex.put(
        "/v1/auth/session/organization", json={"organization_id": str(org.id)}
    )
    assert back.status_code == 404
    globex_view = (await make_client(other.admin_key).get("/v1/users")).json()["items"]
    assert [u["status"] for u in globex_view] == ["active"]
