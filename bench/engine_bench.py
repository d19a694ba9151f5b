"""Engine throughput on the largest shipped questionnaire, against a jsonschema baseline.

Run from the repository root::

    .venv/bin/python -m bench.engine_bench             # about 10 s
    .venv/bin/python -m bench.engine_bench --seconds 3 --key eu-ai-act-classification

It evaluates a full answer set and the same set with every second answer removed, with and
without the per-rule trace, and, as a baseline measured in the same run, validates the same
answers with ``jsonschema`` against the version's answer schema. One core, no timing asserts;
the last line says whether the full, untraced case meets the target of 10,000 evaluations/s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from app.questionnaires.catalog import DEFAULT_ROOT, QuestionnaireVersion, load_catalog
from app.questionnaires.models import (
    BooleanItem,
    DateItem,
    DecimalItem,
    IntegerItem,
    MultiChoiceItem,
    SingleChoiceItem,
    StringItem,
    TextItem,
)

AS_OF = date(2026, 11, 27)
TARGET = 10_000  # full evaluations per second, no trace, largest questionnaire, one core


def synthetic_answers(version: QuestionnaireVersion) -> dict[str, Any]:
    """A valid answer for every answerable item, overlaid with the largest golden scenario."""
    answers: dict[str, Any] = {}
    for item in version.items.values():
        options = [o for o in version.options.get(item.id, ()) if not o.exclusive]
        if isinstance(item, BooleanItem):
            answers[item.id] = True
        elif isinstance(item, SingleChoiceItem) and options:
            answers[item.id] = options[0].code
        elif isinstance(item, MultiChoiceItem) and options:
            answers[item.id] = [options[0].code]
        elif isinstance(item, IntegerItem):
            answers[item.id] = item.minimum if item.minimum is not None else 1
        elif isinstance(item, DecimalItem):
            answers[item.id] = item.minimum if item.minimum is not None else 1.5
        elif isinstance(item, StringItem) and item.pattern is None:
            answers[item.id] = "benchmark"
        elif isinstance(item, TextItem):
            answers[item.id] = "benchmark text"
        elif isinstance(item, DateItem):
            answers[item.id] = item.minimum or "2026-01-01"
    if version.scenarios:
        largest = max(version.scenarios, key=lambda s: len(s.answers))
        answers.update(largest.answers)
    problems = version.validate(answers)
    for problem in problems:  # drop anything the synthetic filler got wrong
        answers.pop(problem["pointer"].removeprefix("/answers/"), None)
    return answers


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of `fn`, measured for about `seconds`."""
    n = 0
    batch = 100
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            fn()
        n += batch
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=1.2, help="per measurement")
    parser.add_argument("--key", help="questionnaire key (default: the largest)")
    args = parser.parse_args(argv)

    catalog = load_catalog(DEFAULT_ROOT)
    versions = list(catalog)
    if args.key:
        versions = [catalog.get(args.key)]
    version = max(versions, key=lambda v: len(v.items) + len(v.program.rules))
    full = synthetic_answers(version)
    half = {k: v for i, (k, v) in enumerate(full.items()) if i % 2 == 0}
    validator = jsonschema.Draft202012Validator(version.answer_schema)
    program = version.program

    print(
        f"{version.ref}: {len(version.items)} items, {len(program.rules)} rules, "
        f"{len(program.scores)} scores; full set {len(full)} answers, half set {len(half)}"
    )
    rows = []
    for label, answers in (("full", full), ("half", half)):
        result = version.evaluate(answers, as_of=AS_OF)
        run = partial(version.evaluate, answers, as_of=AS_OF)
        baseline = rate(partial(validator.is_valid, answers), args.seconds)
        no_trace = rate(partial(run, trace=False), args.seconds)
        traced = rate(partial(run, trace=True), args.seconds)

        def run_to_dict(a: dict[str, Any] = answers) -> object:
            return version.evaluate(a, as_of=AS_OF).to_dict()

        rows.append((f"{label}: jsonschema validation (baseline)", baseline))
        rows.append((f"{label}: evaluate, no trace", no_trace))
        rows.append((f"{label}: evaluate, with trace", traced))
        rows.append((f"{label}: evaluate + to_dict, with trace", rate(run_to_dict, args.seconds)))
        print(
            f"  {label}: tier={result.tier} final={result.final} fired={len(result.fired)} "
            f"undetermined={len(result.undetermined)}"
        )
    width = max(len(name) for name, _ in rows)
    print(f"\n{'case':<{width}}  {'evals/s':>10}  {'µs/eval':>8}  {'vs baseline':>11}")
    base = {"full": rows[0][1], "half": rows[4][1]}
    for name, per_second in rows:
        ratio = per_second / base[name.split(":")[0]]
        print(f"{name:<{width}}  {per_second:>10,.0f}  {1e6 / per_second:>8.1f}  {ratio:>10.1f}x")
    full_rate = rows[1][1]
    verdict = "met" if full_rate >= TARGET else "NOT met"
    print(f"\ntarget {TARGET:,} full evaluations/s without trace: {verdict} ({full_rate:,.0f}/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
