"""Command line for authors and pipelines: lint the questionnaire files, score answers offline.

`register(subparsers)` adds ``questionnaires {lint,score,lock,schema}`` (and ``score`` as a
shortcut) to the app's command line; each sub-command sets ``func``, a function taking the
parsed arguments and returning the exit status. ``python -m app.questionnaires.cli`` runs it alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from app.controls import FileProblem
from app.questionnaires import lock as lock_module
from app.questionnaires.catalog import (
    DEFAULT_ROOT,
    CatalogError,
    QuestionnaireNotFoundError,
    load_catalog,
    load_catalog_with_problems,
)
from app.questionnaires.scenarios import check_scenarios
from app.questionnaires.schema import DEFAULT_SCHEMA_DIR, write_schemas
from app.questionnaires.schemas import EvaluationResult


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {value}") from exc


def lint(root: Path, out: TextIO | None = None) -> int:
    """Run every load-time check, the lock, the golden scenarios and the committed schema."""
    out = out or sys.stdout
    catalog, problems = load_catalog_with_problems(root)
    problems = [*problems, *lock_module.missing_from_lock(catalog), *check_scenarios(catalog)]
    if root.resolve() == DEFAULT_ROOT.resolve():
        for name in write_schemas(DEFAULT_SCHEMA_DIR, check=True):
            problems.append(
                FileProblem(
                    f"questionnaires/schema/{name}",
                    "",
                    "stale; run python -m app.questionnaires.schema",
                )
            )
    for problem in problems:
        print(problem, file=out)
    versions = sum(1 for _ in catalog)
    print(
        f"{len(problems)} problem(s) in {versions} loaded questionnaire version(s)",
        file=out,
    )
    return 1 if problems else 0


def score(
    ref: str,
    answers_path: Path,
    *,
    as_of: date | None,
    root: Path,
    out: TextIO | None = None,
) -> int:
    """Score an answers file and print the result JSON (the API's evaluate response)."""
    out = out or sys.stdout
    key, _, version = ref.partition("@")
    try:
        catalog = load_catalog(root)
        questionnaire = catalog.get(key, version or None)
    except CatalogError as exc:
        print(exc, file=out)
        return 2
    except QuestionnaireNotFoundError as exc:
        print(f"error: {exc}", file=out)
        return 2
    try:
        body = json.loads(answers_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"error: cannot read {answers_path}: {exc}", file=out)
        return 2
    # Accept a bare answers object or the API's request body {"answers": ..., "as_of": ...}.
    if isinstance(body, dict) and isinstance(body.get("answers"), dict):
        if as_of is None and isinstance(body.get("as_of"), str):
            as_of = _date(body["as_of"])
        body = body["answers"]
    problems = questionnaire.validate(body)
    if problems:
        print(json.dumps({"errors": problems}, indent=2), file=out)
        return 1
    # Today in UTC when no date is given, as the API reckons it.
    result = questionnaire.evaluate(body, as_of=as_of or datetime.now(UTC).date())
    # Through the API's response model, so the JSON is the evaluate endpoint's, field for field.
    shown = EvaluationResult.model_validate(result.to_dict()).model_dump(mode="json")
    print(json.dumps(shown, indent=2, ensure_ascii=False), file=out)
    return 0


def update_lock(root: Path, out: TextIO | None = None) -> int:
    """Add newly released versions to lock.json (never changes a locked entry)."""
    out = out or sys.stdout
    try:
        catalog = load_catalog(root)
        added = lock_module.update_lock(catalog)
    except (CatalogError, lock_module.LockError) as exc:
        print(exc, file=out)
        return 1
    for ref in added:
        print(f"locked {ref}", file=out)
    if not added:
        print("lock.json is up to date", file=out)
    return 0


def register(subparsers: Any) -> None:
    """Add the questionnaire commands to an argparse sub-parser collection."""
    group = subparsers.add_parser("questionnaires", help="lint, score and lock questionnaires")
    commands = group.add_subparsers(dest="questionnaires_command", required=True)

    p_lint = commands.add_parser("lint", help="check every questionnaire file")
    p_lint.add_argument("path", nargs="?", type=Path, default=DEFAULT_ROOT)
    p_lint.set_defaults(func=lambda a: lint(a.path))

    for target in (commands, subparsers):
        p_score = target.add_parser("score", help="score answers offline: KEY@VERSION answers.json")
        p_score.add_argument("ref", help="KEY@VERSION, or KEY for the latest published version")
        p_score.add_argument("answers", type=Path, help="answers JSON file")
        p_score.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (today)")
        p_score.add_argument("--root", type=Path, default=DEFAULT_ROOT)
        p_score.set_defaults(func=lambda a: score(a.ref, a.answers, as_of=a.as_of, root=a.root))

    p_lock = commands.add_parser("lock", help="add newly published versions to lock.json")
    p_lock.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    p_lock.set_defaults(func=lambda a: update_lock(a.root))

    p_schema = commands.add_parser("schema", help="regenerate questionnaires/schema/*.json")
    p_schema.add_argument("--check", action="store_true")
    p_schema.set_defaults(
        func=lambda a: 1 if write_schemas(DEFAULT_SCHEMA_DIR, check=a.check) and a.check else 0
    )


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m app.questionnaires.cli``)."""
    parser = argparse.ArgumentParser(prog="python -m app.questionnaires.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
