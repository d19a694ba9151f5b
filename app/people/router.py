"""HTTP layer of sign-in, sessions, the caller's identity and the organisation's people."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, NamedTuple, TypedDict

from fastapi import Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from fastapi.types import DecoratedCallable as Endpoint
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.auth import (
    SESSION_COOKIE,
    AdminDep,
    CookieDep,
    PrincipalDep,
    Role,
    check_origin,
)
from app.concurrency import etag_response, with_etag
from app.db import SessionDep, after_transaction
from app.delivery import service as outbox
from app.delivery.mail import Mailer
from app.deps import EngineDep, SettingsDep
from app.errors import problem_responses
from app.pagination import Page
from app.people import credentials, oidc, service, views
from app.people.limiter import SignInLimiter
from app.people.models import UserSession
from app.people.passwords import Passwords
from app.people.schemas import (
    Accepted,
    InvitationAccept,
    InvitationCreate,
    InvitationCreated,
    InvitationOrganization,
    InvitationView,
    Me,
    OrganizationSwitch,
    PasswordChange,
    PasswordResetComplete,
    PasswordResetRequest,
    SessionPublic,
    SignIn,
    SignInMethodOidc,
    SignInMethods,
    UserInvitationPublic,
    UserPublic,
    UserUpdate,
)
from app.route_helpers import AdminChange, CallerAccess, CallerListing, ReadListing, page_of
from app.routing import problem_router
from app.settings import Settings

logger = logging.getLogger("app.people")

router = problem_router(tags=["people"])


def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def _limiter(request: Request, session: SessionDep) -> SignInLimiter:
    limiter: SignInLimiter = request.app.state.sign_in_limiter
    # Failures are recorded once the request's transaction has ended: a 401 rolls it back.
    return limiter.after(partial(after_transaction, session))


PasswordsDep = Annotated[Passwords, Depends(_passwords)]
LimiterDep = Annotated[SignInLimiter, Depends(_limiter)]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _public_write(request: Request, settings: SettingsDep) -> None:
    """A public write (sign-in, reset, accept) from a browser must come from our own origin."""
    check_origin(settings, request.headers.get("origin"), required=False)


PublicWrite = Depends(_public_write)

# The session cookie is read when one is sent (a session to end or replace), never required.
OPTIONAL_SESSION: dict[str, Any] = {"security": [{}]}

SET_COOKIE: dict[str, Any] = {
    "Set-Cookie": {
        "description": f"`{SESSION_COOKIE}`: the new session (HttpOnly, Secure, SameSite=Lax).",
        "required": True,
        "schema": {"type": "string"},
    }
}


CLEARED = f"Clears `{SESSION_COOKIE}`."


def _redirect(description: str) -> dict[int | str, dict[str, Any]]:
    """A 302 to a page of the web app, with the cookies of the sign-in flow."""
    headers = {
        "Location": {
            "description": "Where the browser goes next.",
            "required": True,
            "schema": {"type": "string"},
        },
        "Set-Cookie": {
            "description": "The single sign-on state cookie (set or cleared), and the session "
            f"cookie `{SESSION_COOKIE}` once signed in.",
            "required": True,
            "schema": {"type": "string"},
        },
    }
    return {302: {"description": description, "headers": headers}}


def _set_cookie(response: Response, name: str, value: str, *, max_age: int) -> None:
    """A cookie for this site only: HttpOnly, Secure, SameSite=Lax."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="lax"
    )


def _set_session_cookie(response: Response, settings: Settings, secret: str) -> None:
    _set_cookie(response, SESSION_COOKIE, secret, max_age=settings.session_lifetime_hours * 3600)


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def _signed_in(
    session: SessionDep, response: Response, settings: Settings, opened: tuple[UserSession, str]
) -> Me:
    user_session, secret = opened
    _set_session_cookie(response, settings, secret)
    return service.me(session, service.principal_of(session, user_session))


class SignInServices(TypedDict):
    """What every service that opens a session takes: the session, the settings, the password
    hasher and the browser whose session it replaces."""

    session: Session
    settings: Settings
    passwords: Passwords
    browser: service.Browser


@dataclass(frozen=True)
class SignInFlow:
    """A person signing in from a browser: the session it opens replaces the one its cookie
    names (if any), and the answer sets the new session's cookie."""

    request: Request
    response: Response
    session: Session
    settings: Settings
    passwords: Passwords
    replaces: str | None

    @property
    def browser(self) -> service.Browser:
        return service.Browser(self.request.headers.get("user-agent"), self.replaces)

    @property
    def services(self) -> SignInServices:
        return SignInServices(
            session=self.session,
            settings=self.settings,
            passwords=self.passwords,
            browser=self.browser,
        )

    def signed_in(self, opened: tuple[UserSession, str]) -> Me:
        return _signed_in(self.session, self.response, self.settings, opened)


def _sign_in_flow(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    cookie: CookieDep,
) -> SignInFlow:
    return SignInFlow(request, response, session, settings, passwords, cookie)


SignInFlowDep = Annotated[SignInFlow, Depends(_sign_in_flow)]


def _signing_in(
    path: str, problems: tuple[int, ...], summary: str
) -> Callable[[Endpoint], Endpoint]:
    """A public write from a browser that signs in: it sets the session cookie and, sent with
    one, replaces the session that cookie names."""
    return router.post(
        path,
        responses={**problem_responses(*problems), 200: {"headers": SET_COOKIE}},
        dependencies=[PublicWrite],
        openapi_extra=OPTIONAL_SESSION,
        summary=summary,
    )


@router.get(
    "/v1/auth/methods",
    summary="How people can sign in here",
)
def get_sign_in_methods(settings: SettingsDep) -> SignInMethods:
    oidc = None
    if settings.oidc_issuer:
        oidc = SignInMethodOidc(name=settings.oidc_name, start_url="/v1/auth/oidc/start")
    return SignInMethods(password=True, oidc=oidc)


@_signing_in(
    "/v1/auth/sign-in",
    (401, 403, 422, 429),
    summary="Sign in with e-mail and password; sets the session cookie",
)
def sign_in(body: SignIn, flow: SignInFlowDep, limiter: LimiterDep) -> Me:
    opened = service.sign_in(
        **flow.services,
        limiter=limiter,
        email=body.email,
        password=body.password,
        client=_client(flow.request),
    )
    return flow.signed_in(opened)


@router.post(
    "/v1/auth/sign-out",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **problem_responses(403),
        204: {"headers": {"Set-Cookie": {**SET_COOKIE["Set-Cookie"], "description": CLEARED}}},
    },
    openapi_extra=OPTIONAL_SESSION,
    summary="Sign out: the session ends and the cookie is cleared",
)
def sign_out(
    request: Request, session: SessionDep, settings: SettingsDep, cookie: CookieDep
) -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    if cookie:
        check_origin(settings, request.headers.get("origin"), required=True)
        service.end_cookie_session(session, secret=cookie)
    _clear_cookie(response)
    return response


@router.get(
    "/v1/me",
    responses=problem_responses(401),
    summary="Who is calling: a person or an API key, organisation, role, scopes",
)
def get_me(session: SessionDep, principal: PrincipalDep) -> Me:
    return service.me(session, principal)


@router.put(
    "/v1/auth/session/organization",
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Make another of your organisations the active one of this session",
)
def switch_organization(body: OrganizationSwitch, access: CallerAccess) -> Me:
    switched = service.switch_organization(**access, organization_id=body.organization_id)
    return service.me(access["session"], switched)


@router.get(
    "/v1/auth/sessions",
    responses=problem_responses(400, 401, 422),
    summary="Your open sign-in sessions",
    description="Newest first (by sign-in time, then id).",
)
def list_my_sessions(listing: CallerListing) -> Page[SessionPublic]:
    current = listing["caller"].session_id
    found = service.list_sessions(**listing)
    return page_of(found, lambda s: views.session_public(s, current=s.id == current))


@router.delete(
    "/v1/auth/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
    summary="End one of your sessions (sign out there)",
)
def end_my_session(session_id: uuid.UUID, access: CallerAccess) -> Response:
    service.end_own_session(**access, session_id=session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422, 429),
    summary="Change your password; your other sessions end",
)
def change_password(
    body: PasswordChange,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    passwords: PasswordsDep,
    limiter: LimiterDep,
) -> Response:
    credentials.change_password(
        session,
        passwords,
        limiter,
        caller=principal,
        client=_client(request),
        current=body.current_password,
        new=body.new_password,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


RESET_ACCEPTED = (
    "If an active account has this address, a link to set a new password is on its way."
)


@router.post(
    "/v1/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(403, 422),
    dependencies=[PublicWrite],
    summary="Ask for a password-reset link by e-mail (the same answer for any address)",
)
def request_password_reset(
    body: PasswordResetRequest, session: SessionDep, settings: SettingsDep
) -> Accepted:
    found = credentials.request_reset(session, settings, email=body.email)
    mailer = Mailer.from_settings(settings)
    if found is not None and mailer.enabled:
        user, reset_link = found
        outbox.enqueue_email(
            session,
            settings=settings,
            organization_id=None,  # a person's own message: no organisation reads its state
            purpose="password_reset",
            to=user.email,
            subject="Set a new password",
            body=(
                f"Hello {user.display_name},\n\nset a new password here (the link works once, "
                f"for {settings.password_reset_valid_hours} hours):\n\n    {outbox.SECRET}\n\n"
                "If you did not ask for this, ignore this message.\n"
            ),
            secret=reset_link,
        )
    return Accepted(detail=RESET_ACCEPTED)


@_signing_in(
    "/v1/auth/password-reset/complete",
    (403, 404, 422),
    summary="Set a new password with a reset link; signs in",
)
def complete_password_reset(body: PasswordResetComplete, flow: SignInFlowDep) -> Me:
    opened = credentials.complete_reset(
        **flow.services, secret=body.token, new_password=body.new_password
    )
    return flow.signed_in(opened)


@router.get("/v1/auth/invitations/accept", include_in_schema=False)
def accept_takes_only_post() -> None:
    """`accept` is no invitation token: GET on it is a 405 naming POST, not a 404 about a token."""
    raise StarletteHTTPException(status_code=405)


@router.get(
    "/v1/auth/invitations/{token}",
    responses=problem_responses(404, 422),
    summary="What an invitation link invites to",
)
def get_invitation(token: str, session: SessionDep) -> InvitationView:
    invitation, organization = credentials.view_invitation(session, secret=token)
    assert invitation.role is not None
    return InvitationView(
        email=invitation.email,
        organization=InvitationOrganization(name=organization.name),
        role=Role(invitation.role),
        expires_at=invitation.expires_at,
    )


@_signing_in(
    "/v1/auth/invitations/accept",
    (401, 403, 404, 422),
    summary="Accept an invitation (a new person sets a password); signs in",
)
def accept_invitation(body: InvitationAccept, flow: SignInFlowDep) -> Me:
    opened = credentials.accept_invitation(
        **flow.services,
        secret=body.token,
        display_name=body.display_name,
        password=body.password,
    )
    return flow.signed_in(opened)


@router.get(
    "/v1/users",
    responses=problem_responses(400, 401, 403, 422),
    summary="The organisation's people",
    description="Newest members first (by the time they joined, then id).",
)
def list_users(listing: ReadListing) -> Page[UserPublic]:
    return page_of(service.list_members(**listing), service.Member.public)


@router.post(
    "/v1/users/invitations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
    summary="Invite a colleague by e-mail (the link is returned once when e-mail is off)",
)
def invite_user(
    body: InvitationCreate, session: SessionDep, settings: SettingsDep, principal: AdminDep
) -> InvitationCreated:
    token, invite_link = credentials.invite(
        session,
        settings,
        caller=principal,
        email=body.email,
        role=body.role,
        display_name=body.display_name,
    )
    mailer = Mailer.from_settings(settings)
    returned: str | None = invite_link
    if mailer.enabled:
        outbox.enqueue_email(
            session,
            settings=settings,
            organization_id=principal.organization_id,
            purpose="user_invitation",
            to=token.email,
            subject="You are invited to the AI assessment service",
            body=(
                f"Hello,\n\nyou are invited as {body.role.value}. Accept here (the link works "
                f"once, until {token.expires_at.date().isoformat()}):\n\n    {outbox.SECRET}\n"
            ),
            secret=invite_link,
        )
        returned = None
    return InvitationCreated(
        invitation=UserInvitationPublic.model_validate(token, from_attributes=True),
        link=returned,
    )


@router.patch("/v1/users/invitations", include_in_schema=False)
def invitations_take_only_post() -> None:
    """`invitations` is no user id: PATCH on it is a 405 naming POST (see the 405 handler), not a
    422 about an id, which `/v1/users/{user_id}` below would answer."""
    raise StarletteHTTPException(status_code=405)


MEMBER_CHANGED = {**problem_responses(401, 403, 404, 409, 412, 422, 428), **etag_response(200)}


def _member(member: service.Member, response: Response) -> UserPublic:
    return with_etag(response, member.membership.revision, member.public())


@router.patch(
    "/v1/users/{user_id}",
    responses=MEMBER_CHANGED,
    summary="Change a person's role (needs If-Match)",
)
def update_user(
    user_id: uuid.UUID, body: UserUpdate, response: Response, change: AdminChange
) -> UserPublic:
    return _member(service.change_role(**change, user_id=user_id, role=body.role), response)


@router.post(
    "/v1/users/{user_id}/deactivate",
    responses=MEMBER_CHANGED,
    summary="Deactivate a person: their sessions and personal keys stop working at once",
)
def deactivate_user(user_id: uuid.UUID, response: Response, change: AdminChange) -> UserPublic:
    return _member(service.deactivate(**change, user_id=user_id), response)


class SingleSignOn(NamedTuple):
    """The identity provider and what its sign-in flow works with."""

    engine: Engine
    settings: Settings
    provider: oidc.OidcProvider


def _single_sign_on(
    request: Request, settings: SettingsDep, engine: EngineDep
) -> SingleSignOn | None:
    """None when single sign-on is off."""
    provider: oidc.OidcProvider | None = request.app.state.oidc
    return None if provider is None else SingleSignOn(engine, settings, provider)


SingleSignOnDep = Annotated[SingleSignOn | None, Depends(_single_sign_on)]


def _sign_in_error(slug: str) -> RedirectResponse:
    response = RedirectResponse(f"/sign-in?error={slug}", status_code=status.HTTP_302_FOUND)
    response.delete_cookie(oidc.STATE_COOKIE, path="/", secure=True, httponly=True)
    return response


@router.get(
    "/v1/auth/oidc/start",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses=_redirect("To the identity provider (or to /sign-in?error=...)"),
    summary="Start single sign-on: redirects to the identity provider",
)
def start_oidc_sign_in(sso: SingleSignOnDep) -> RedirectResponse:
    if sso is None:
        return _sign_in_error("oidc-disabled")
    try:
        url, state = oidc.start(*sso)
    except oidc.OidcError as exc:
        logger.warning("single sign-on not started: %s", exc.detail)
        return _sign_in_error(exc.slug)
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    _set_cookie(response, oidc.STATE_COOKIE, state, max_age=oidc.LOGIN_VALID_SECONDS)
    return response


OidcParam = Annotated[str | None, Query(max_length=2048)]


@router.get(
    "/v1/auth/oidc/callback",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses=_redirect("To / when signed in, else to /sign-in?error=<slug>"),
    openapi_extra=OPTIONAL_SESSION,
    summary="Where the identity provider sends the browser back; signs in",
)
def finish_oidc_sign_in(
    request: Request,
    sso: SingleSignOnDep,
    cookie: CookieDep,
    code: OidcParam = None,
    state: OidcParam = None,
    error: OidcParam = None,
) -> RedirectResponse:
    if sso is None:
        return _sign_in_error("oidc-disabled")
    if error is not None or not code or not state:
        logger.warning("single sign-on refused by the provider: %s", (error or "no code")[:100])
        return _sign_in_error("oidc-provider-error")
    try:
        opened = oidc.finish(
            *sso,
            code=code,
            state=state,
            bound_state=request.cookies.get(oidc.STATE_COOKIE),
            browser=service.Browser(request.headers.get("user-agent"), cookie),
        )
    except oidc.OidcError as exc:
        logger.warning("single sign-on refused: %s", exc.detail)
        return _sign_in_error(exc.slug)
    response = RedirectResponse("/", status_code=status.HTTP_302_FOUND)
    response.delete_cookie(oidc.STATE_COOKIE, path="/", secure=True, httponly=True)
    _set_session_cookie(response, sso.settings, opened[1])
    return response
