"""Single sign-on end to end against a real identity provider on 127.0.0.1, and its refusals."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from joserfc.jwk import RSAKey
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from app.auth import SESSION_COOKIE
from app.main import create_app
from app.people.oidc import STATE_COOKIE
from app.settings import Settings
from tests.conftest import Org, count_rows
from tests.people.conftest import ORIGIN
from tests.people.idp import CLIENT_ID, CLIENT_SECRET, IdentityProvider, TestProvider


@pytest.fixture(scope="module")
def idp() -> Iterator[TestProvider]:
    with IdentityProvider() as provider:
        yield provider


@pytest.fixture
def provider(idp: TestProvider) -> TestProvider:
    idp.claims = {}
    idp.signing_key = None
    return idp


def _app(people_settings: Settings, engine: Engine, app: FastAPI, issuer: str) -> FastAPI:
    settings = people_settings.model_copy(
        update={
            "oidc_issuer": issuer,
            "oidc_name": "Acme SSO",
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
            "oidc_allowed_domains": "acme.example, acme.test",
            "oidc_organization": "acme",
            "oidc_default_role": "assessor",
        }
    )
    return create_app(settings, engine=engine, catalog=app.state.catalog)


@pytest_asyncio.fixture
async def browser(
    provider: TestProvider, people_settings: Settings, engine: Engine, app: FastAPI, org: Org
) -> AsyncIterator[httpx.AsyncClient]:
    sso_app = _app(people_settings, engine, app, provider.issuer)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sso_app), base_url=ORIGIN
    ) as client:
        yield client


async def _to_provider(browser: httpx.AsyncClient) -> str:
    """Start sign-on; the provider approves at once; the callback URL it sends the browser to."""
    started = await browser.get("/v1/auth/oidc/start")
    assert started.status_code == 302, started.text
    assert STATE_COOKIE in browser.cookies
    authorize = started.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [f"{ORIGIN}/v1/auth/oidc/callback"]
    async with httpx.AsyncClient() as network:
        approved = await network.get(authorize)
    assert approved.status_code == 302
    callback = approved.headers["location"]
    assert callback.startswith(f"{ORIGIN}/v1/auth/oidc/callback?")
    return callback[len(ORIGIN) :]


def _error(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith("/sign-in?error="), location
    return location.partition("=")[2]


async def test_sign_on_end_to_end_provisions_and_signs_in(
    browser: httpx.AsyncClient, provider: TestProvider, engine: Engine
) -> None:
    keys_fetched = provider.requests.count("/jwks")
    methods = (await browser.get("/v1/auth/methods")).json()
    assert methods == {
        "password": True,
        "oidc": {"name": "Acme SSO", "start_url": "/v1/auth/oidc/start"},
    }
    callback = await _to_provider(browser)
    finished = await browser.get(callback)
    assert finished.status_code == 302
    assert finished.headers["location"] == "/"
    assert SESSION_COOKIE in browser.cookies
    me = (await browser.get("/v1/me")).json()
    assert me["kind"] == "person"
    assert me["user"]["email"] == "dana@acme.example"
    assert me["user"]["display_name"] == "Dana Example"
    assert me["role"] == "assessor"
    assert me["organization"]["slug"] == "acme"
    # A second sign-on finds the same person; discovery and keys came from the cache.
    browser.cookies.clear()
    await browser.get(await _to_provider(browser))
    assert (await browser.get("/v1/me")).json()["user"]["id"] == me["user"]["id"]
    assert count_rows(engine, "users") == 1
    assert provider.requests.count("/jwks") - keys_fetched == 1


async def test_a_replayed_state_is_refused(browser: httpx.AsyncClient) -> None:
    callback = await _to_provider(browser)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    assert (await browser.get(callback)).headers["location"] == "/"
    browser.cookies.clear()
    browser.cookies.set(STATE_COOKIE, state, domain="assess.example")
    assert _error(await browser.get(callback)) == "oidc-invalid-state"
    assert SESSION_COOKIE not in browser.cookies


async def test_a_state_from_another_browser_is_refused(browser: httpx.AsyncClient) -> None:
    callback = await _to_provider(browser)
    browser.cookies.clear()  # the callback arrives in a browser that did not start it
    assert _error(await browser.get(callback)) == "oidc-invalid-state"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"aud": "another-client"}, "oidc-invalid-token"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "oidc-invalid-token"),
        ({"iss": "https://impostor.example"}, "oidc-invalid-token"),
        ({"nonce": "not-the-nonce"}, "oidc-invalid-token"),
        ({"email": "mallory@evil.example"}, "oidc-domain-not-allowed"),
        ({"email_verified": False}, "oidc-email-not-verified"),
        ({"email": "dana\u0007@acme.example"}, "oidc-invalid-token"),
    ],
    ids=["wrong-audience", "expired", "wrong-issuer", "wrong-nonce", "domain", "unverified", "ctl"],
)
async def test_bad_tokens_are_refused(
    browser: httpx.AsyncClient,
    provider: TestProvider,
    engine: Engine,
    claims: dict[str, object],
    expected: str,
) -> None:
    provider.claims = claims
    assert _error(await browser.get(await _to_provider(browser))) == expected
    assert SESSION_COOKIE not in browser.cookies
    assert count_rows(engine, "users") == 0


async def test_a_bad_signature_is_refused(
    browser: httpx.AsyncClient, provider: TestProvider, engine: Engine
) -> None:
    provider.signing_key = RSAKey.generate_key(2048, {"kid": "idp-1"})
    assert _error(await browser.get(await _to_provider(browser))) == "oidc-invalid-token"
    assert count_rows(engine, "user_sessions") == 0


async def test_provider_errors_become_a_sign_in_page_error_never_a_500(
    browser: httpx.AsyncClient,
) -> None:
    refused = await browser.get("/v1/auth/oidc/callback", params={"error": "access_denied"})
    assert _error(refused) == "oidc-provider-error"
    assert _error(await browser.get("/v1/auth/oidc/callback")) == "oidc-provider-error"
    callback = await _to_provider(browser)
    forged = callback.replace("code=", "code=x")  # the provider refuses an unknown code
    assert _error(await browser.get(forged)) == "oidc-provider-error"


async def test_an_unreachable_provider_is_a_sign_in_page_error(
    people_settings: Settings, engine: Engine, app: FastAPI
) -> None:
    down = _app(people_settings, engine, app, "http://127.0.0.1:9")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url=ORIGIN) as c:
        assert _error(await c.get("/v1/auth/oidc/start")) == "oidc-unavailable"


async def test_without_a_provider_sign_on_is_off(
    people_settings: Settings, engine: Engine, app: FastAPI
) -> None:
    plain = create_app(people_settings, engine=engine, catalog=app.state.catalog)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url=ORIGIN) as c:
        assert _error(await c.get("/v1/auth/oidc/start")) == "oidc-disabled"


async def test_a_deactivated_person_cannot_sign_on_again(
    browser: httpx.AsyncClient,
    make_client: Callable[[str | None], httpx.AsyncClient],
    org: Org,
) -> None:
    await browser.get(await _to_provider(browser))
    me = (await browser.get("/v1/me")).json()
    admin = make_client(org.admin_key)
    gone = await admin.post(
        f"/v1/users/{me['user']['id']}/deactivate", headers={"If-Match": '"r1"'}
    )
    assert gone.status_code == 200
    browser.cookies.clear()
    assert _error(await browser.get(await _to_provider(browser))) == "oidc-account-deactivated"
