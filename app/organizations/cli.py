"""`python -m app keys create|list|revoke`: API keys for operators; and what every command that
acts in one organisation shares (its `--org` option, its session and caller, its refusal)."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session

from app.auth import Operator, command_line
from app.db import command_session
from app.errors import AppError
from app.settings import get_settings


class CommandError(Exception):
    """A refused command: `python -m app` prints the message and exits with status 2."""


def add_org_command(
    commands: Any, name: str, func: Callable[[argparse.Namespace], int], *, help: str
) -> argparse.ArgumentParser:
    """A sub-command that acts in one organisation (`--org`, the default one unless named)."""
    command: argparse.ArgumentParser = commands.add_parser(name, help=help)
    command.add_argument("--org", default="default", help="organisation slug")
    command.set_defaults(func=func)
    return command


@contextmanager
def organization_session(slug: str) -> Iterator[tuple[Session, Operator]]:
    """A command's session and its caller: the command line acting in organisation `slug`."""
    from app.organizations import service

    with command_session(get_settings().database_url) as session:
        caller = service.command_line_for(session, slug=slug)
        if caller is None:
            raise CommandError(f"no organisation '{slug}'")
        yield session, caller


def _refusal(exc: AppError) -> str:
    """A refused command's reason, with the first detail of what was wrong."""
    first = exc.errors[0].get("detail") if exc.errors else None
    return f"{exc.detail} ({first})" if first else str(exc.detail)


def cmd_keys_create(args: argparse.Namespace) -> int:
    from app.organizations import service

    with command_session(get_settings().database_url) as session:
        org = service.get_organization_by_slug(session, slug=args.org)
        if org is None:
            if not args.create_org:
                raise CommandError(f"no organisation '{args.org}' (add --create-org to create it)")
            try:
                org = service.create_organization(
                    session, slug=args.org, name=args.org_name or args.org
                )
            except AppError as exc:
                raise CommandError(_refusal(exc)) from exc
        try:
            created = service.create_key(
                session, caller=command_line(org.id), name=args.name, scopes=args.scopes
            )
        except AppError as exc:
            raise CommandError(_refusal(exc)) from exc
        except ValueError as exc:
            raise CommandError(f"bad scope: {exc}") from exc
        session.commit()
    print(
        json.dumps(
            {
                "organization": args.org,
                "id": str(created.key.id),
                "name": args.name,
                "scopes": created.key.scopes,
                "secret": created.secret,
            },
            indent=2,
        )
    )
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from app.organizations import service

    with organization_session(args.org) as (session, caller):
        keys, _ = service.list_keys(
            session, caller=caller, include_revoked=True, cursor=None, limit=200
        )
    for key in keys:
        state = "revoked" if key.revoked_at else "active"
        print(f"{key.id}  {key.prefix}…  {state:8}  {','.join(key.scopes):30}  {key.name}")
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from app.organizations import service

    with organization_session(args.org) as (session, caller):
        try:
            service.revoke_key(session, caller=caller, key_id=uuid.UUID(args.key_id))
        except (AppError, ValueError) as exc:
            raise CommandError(getattr(exc, "detail", None) or str(exc)) from exc
        session.commit()
    print(f"revoked {args.key_id}", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    from app.auth import Scope

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys", required=True)
    create = add_org_command(
        keys, "create", cmd_keys_create, help="create a key and print its secret once"
    )
    create.add_argument("--create-org", action="store_true", help="create the organisation too")
    create.add_argument("--org-name", help="display name of a created organisation")
    create.add_argument("--name", required=True, help="what or who uses the key")
    create.add_argument(
        "--scopes", nargs="+", default=[Scope.READ.value], choices=[s.value for s in Scope]
    )
    add_org_command(keys, "list", cmd_keys_list, help="list the keys of an organisation")
    revoke = add_org_command(keys, "revoke", cmd_keys_revoke, help="revoke a key")
    revoke.add_argument("key_id")
