"""`python -m app audit verify [--full] [--org SLUG]`: check the audit chains from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def verify(args: argparse.Namespace) -> int:
    from sqlmodel import Session, col, select

    from app.audit import service
    from app.audit.schemas import AuditVerification
    from app.auth import command_line
    from app.db import create_db_engine
    from app.organizations.models import Organization
    from app.settings import get_settings

    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    service.configure(engine, service.CheckpointPolicy.of(settings))
    invalid = 0
    try:
        with Session(engine) as session:
            statement = select(Organization).order_by(col(Organization.slug))
            if args.org is not None:
                statement = statement.where(Organization.slug == args.org)
            organizations = list(session.exec(statement).all())
            if args.org is not None and not organizations:
                print(f"no organisation '{args.org}'", file=sys.stderr)
                return 2
            for organization in organizations:
                result = service.verify(
                    session, caller=command_line(organization.id), full=args.full
                )
                report: dict[str, Any] = {
                    "organization": organization.slug,
                    **AuditVerification.model_validate(result, from_attributes=True).model_dump(
                        mode="json"
                    ),
                }
                print(json.dumps(report), flush=True)
                invalid += not result.valid
    finally:
        engine.dispose()
    return 1 if invalid else 0


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit", required=True
    )
    check = audit.add_parser(
        "verify",
        help="check each organisation's chain from its latest checkpoint to its head "
        "(one JSON line each; exit 1 when any is broken)",
    )
    check.add_argument("--full", action="store_true", help="check every event")
    check.add_argument("--org", help="only this organisation (slug)")
    check.set_defaults(func=verify)
