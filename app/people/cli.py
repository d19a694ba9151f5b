"""`python -m app users create|list|deactivate|reset-link`: people for operators."""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.audit.service import Actor
from app.auth import COMMAND_LINE, Role
from app.db import command_session
from app.errors import AppError
from app.organizations.cli import add_org_command, organization_session
from app.settings import get_settings

CLI_ACTOR = Actor(key_id=None, name=COMMAND_LINE)


def _session() -> AbstractContextManager[Session]:
    return command_session(get_settings().database_url)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def cmd_create(args: argparse.Namespace) -> int:
    from app.people import credentials, service
    from app.people.schemas import InvitationCreate

    try:
        data = InvitationCreate(email=args.email, role=args.role, display_name=args.name)
    except ValidationError as exc:
        return _fail(f"invalid: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    settings = get_settings()
    with organization_session(args.org) as (session, caller):
        try:
            user = service.create_user(
                session,
                caller=caller,
                email=data.email,
                display_name=data.display_name or data.email,
                role=data.role,
            )
        except AppError as exc:
            return _fail(exc.detail or exc.title)
        reset_link = credentials.create_reset_link(session, settings, user=user)
        session.commit()
    print(f"created {user.id} ({data.email}, {data.role.value} of '{args.org}')", file=sys.stderr)
    print(f"sign-in link (one use, {settings.password_reset_valid_hours} h): {reset_link}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from app.people import service

    with organization_session(args.org) as (session, caller):
        members, _ = service.list_members(session, caller=caller, cursor=None, limit=200)
    for member in members:
        user = member.user
        status = member.public().status
        print(f"{user.id}  {member.membership.role:12} {status:12} {user.email}")
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    from app.people import service

    with organization_session(args.org) as (session, caller):
        user = service.find_user_by_email(session, email=args.email.strip().lower())
        if user is None:
            return _fail(f"no user {args.email}")
        try:
            service.deactivate(
                session,
                caller=caller,
                user_id=user.id,
                if_match=None,
                check_revision=False,
            )
        except AppError as exc:
            return _fail(exc.detail or exc.title)
        session.commit()
    print(f"deactivated {args.email}; their sessions and personal keys stop now", file=sys.stderr)
    return 0


def cmd_reset_link(args: argparse.Namespace) -> int:
    from app.people import credentials, service

    settings = get_settings()
    with _session() as session:
        user = service.find_user_by_email(session, email=args.email.strip().lower())
        if user is None or user.status != service.ACTIVE:
            return _fail(f"no active user {args.email}")
        reset_link = credentials.create_reset_link(session, settings, user=user)
        session.commit()
    print(reset_link)
    return 0


def cmd_pseudonymise(args: argparse.Namespace) -> int:
    from app.people import service

    with _session() as session:
        user = service.find_user_by_email(session, email=args.email.strip().lower())
        if user is None:
            return _fail(f"no user {args.email}")
        try:
            service.pseudonymise(session, user_id=user.id, actor=CLI_ACTOR)
        except AppError as exc:
            return _fail(exc.detail or exc.title)
        session.commit()
    print(f"pseudonymised {user.id}: e-mail and name erased, account deactivated", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="manage people").add_subparsers(
        dest="users", required=True
    )
    create = add_org_command(
        users, "create", cmd_create, help="add a person and print a one-time sign-in link"
    )
    create.add_argument("email")
    create.add_argument("--name", help="display name (default: the e-mail address)")
    create.add_argument("--role", default=Role.VIEWER.value, choices=[r.value for r in Role])
    add_org_command(users, "list", cmd_list, help="list the people of an organisation")
    deactivate = add_org_command(users, "deactivate", cmd_deactivate, help="deactivate a person")
    deactivate.add_argument("email")
    reset = users.add_parser("reset-link", help="print a one-time link to set a new password")
    reset.add_argument("email")
    reset.set_defaults(func=cmd_reset_link)
    forget = users.add_parser(
        "pseudonymise", help="erase a leaver's e-mail and name (the audit log keeps their id)"
    )
    forget.add_argument("email")
    forget.set_defaults(func=cmd_pseudonymise)
