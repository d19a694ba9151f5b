"""Command line: `python -m app <command>`; `python -m app --help` lists the commands."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence

from app.auth import Operator
from app.db import command_engine, command_session
from app.settings import PROJECT_ROOT, get_settings


def cmd_migrate(_: argparse.Namespace) -> int:
    from app.migrate import upgrade

    upgrade(get_settings().database_url)
    print("database at the newest migration", file=sys.stderr)
    return 0


def cmd_bootstrap(_: argparse.Namespace) -> int:
    return _bootstrap(get_settings().public_base_url)


def _bootstrap(base_url: str) -> int:
    from app.organizations import service
    from app.people import credentials

    settings = get_settings()
    with command_session(settings.database_url) as session:
        created = service.bootstrap(session)
        sign_in_link = None
        if created is not None:
            first_start = Operator(created.key.organization_id, "first start")
            sign_in_link = credentials.bootstrap_admin(session, settings, caller=first_start)
        session.commit()
    if created is None or sign_in_link is None:
        print("organisations exist already; nothing to do", file=sys.stderr)
        return 0
    _print_first_key(created.secret, sign_in_link, settings.first_admin_email, base_url)
    return 0


def _print_first_key(secret: str, sign_in_link: str, email: str, base_url: str) -> None:
    line = "=" * 72
    print(
        f"{line}\nFirst start: created the organisation 'default' and its first admin API key.\n"
        f"It is shown this once and never again; store it now:\n\n    {secret}\n\n"
        f"Try:  curl -H 'Authorization: Bearer {secret}' {base_url}/v1/me\n\n"
        f"The first admin user ({email}) sets a password and signs in with this link\n"
        f"(one use, valid 24 hours; `python -m app users reset-link {email}` makes a new one):\n\n"
        f"    {sign_in_link}\n{line}",
        flush=True,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import shutil

    from app import serving

    settings = get_settings()
    port = settings.port if args.port is None else args.port
    try:
        # Bound before anything else, so the banner (and the first key's hint) name the port
        # really taken: `--port 0` picks a free one; a taken port stops here with a clear error.
        sock = serving.bind(args.host or settings.host, port)
    except serving.BindError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        if not args.no_migrate:
            cmd_migrate(args)
            _bootstrap(serving.base_url(sock))
        made = serving.share_metrics(args.workers)
        try:
            serving.run(sock, workers=args.workers)
        finally:
            if made is not None:
                shutil.rmtree(made, ignore_errors=True)
    finally:
        sock.close()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Deliver the outbox until SIGTERM/SIGINT; `--once` makes one pass and exits."""
    import signal

    from app.delivery.worker import OutboxWorker, deliver_due
    from app.portfolio import overdue

    settings = get_settings()
    with command_engine(settings.database_url) as engine:
        if args.once:
            report = deliver_due(engine, settings)
            print(json.dumps({"sent": report.sent, "retried": report.retried, "dead": report.dead}))
            return 0
        worker = OutboxWorker(engine, settings, jobs=[overdue.scan])
        signal.signal(signal.SIGTERM, lambda *_: worker.stop(timeout=0))
        with contextlib.suppress(KeyboardInterrupt):
            worker.run()
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from app.openapi_doc import render_openapi

    text = render_openapi()
    if args.check:
        current = (PROJECT_ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
        if current != text:
            print("openapi/openapi.json is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    (PROJECT_ROOT / "openapi" / "openapi.json").write_text(text, encoding="utf-8")
    print("wrote openapi/openapi.json", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from app.audit import cli as audit_cli
    from app.organizations import cli as organizations_cli
    from app.people import cli as people_cli
    from app.questionnaires import cli as questionnaires_cli
    from app.suppliers import cli as suppliers_cli

    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, create the first key on a first start, serve")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int, help="0 takes any free port (the banner names it)")
    serve.add_argument(
        "--workers", type=int, default=1, help="processes (PostgreSQL: one per core; SQLite: 1)"
    )
    serve.add_argument("--no-migrate", action="store_true", help="skip migrations and bootstrap")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply the migrations").set_defaults(func=cmd_migrate)
    worker = sub.add_parser("worker", help="deliver queued e-mail (the outbox) until stopped")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.set_defaults(func=cmd_worker)
    sub.add_parser(
        "bootstrap", help="on an empty database: default organisation and first admin key"
    ).set_defaults(func=cmd_bootstrap)

    organizations_cli.register(sub)
    openapi = sub.add_parser("openapi", help="write openapi/openapi.json from the app")
    openapi.add_argument("--check", action="store_true", help="fail if the file is out of date")
    openapi.set_defaults(func=cmd_openapi)

    for commands in (questionnaires_cli, people_cli, suppliers_cli, audit_cli):
        commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from app.organizations.cli import CommandError

    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())
