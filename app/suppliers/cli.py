"""`python -m app suppliers remind [--loop SECONDS]`: send the reminders that are due."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Any

logger = logging.getLogger("app.suppliers.cli")


def remind(args: argparse.Namespace) -> int:
    from app.db import create_db_engine
    from app.questionnaires.catalog import load_catalog
    from app.settings import get_settings
    from app.suppliers.reminders import send_reminders

    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    catalog = load_catalog(settings.questionnaires_dir)
    try:
        while True:
            report = send_reminders(engine, settings, catalog=catalog)
            print(
                json.dumps(
                    {
                        "due_soon": report.due_soon,
                        "overdue": report.overdue,
                        "failed": report.failed,
                        "mail_enabled": report.mail_enabled,
                    }
                ),
                flush=True,
            )
            if not report.mail_enabled:
                print("e-mail is off: set APP_SMTP_HOST to send reminders", file=sys.stderr)
                return 2
            if args.loop is None:
                return 1 if report.failed else 0
            time.sleep(args.loop)
    except KeyboardInterrupt:
        return 0
    finally:
        engine.dispose()


def _seconds(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1 second")
    return value


def register(subparsers: Any) -> None:
    """Add the supplier commands to an argparse sub-parser collection."""
    group = subparsers.add_parser("suppliers", help="supplier requests: reminders")
    commands = group.add_subparsers(dest="suppliers_command", required=True)
    p_remind = commands.add_parser(
        "remind", help="e-mail due-soon and overdue reminders (each at most once per request)"
    )
    p_remind.add_argument(
        "--loop", type=_seconds, default=None, metavar="SECONDS", help="repeat every SECONDS"
    )
    p_remind.set_defaults(func=remind)
