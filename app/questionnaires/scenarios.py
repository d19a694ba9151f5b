"""Golden scenarios: check references, run, compare; and the SemVer check between versions."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date
from typing import Final

from app.controls import ControlCatalog, FileProblem
from app.questionnaires.answers import validate_answers
from app.questionnaires.hashing import item_logic
from app.questionnaires.models import DisplayItem, Expect, Scenario, semver
from app.questionnaires.version import Catalog, QuestionnaireVersion
from app.rules import InvalidAnswerError, Result

DEFAULT_AS_OF: Final = date(2026, 11, 27)


def scenario_as_of(scenario: Scenario) -> date:
    """The scenario's evaluation date (2026-11-27 unless it names one)."""
    return date.fromisoformat(scenario.as_of) if scenario.as_of else DEFAULT_AS_OF


def run_scenario(version: QuestionnaireVersion, scenario: Scenario) -> Result:
    """Evaluate a scenario's answers."""
    return version.evaluate(scenario.answers, as_of=scenario_as_of(scenario), trace=False)


def _diff(name: str, expected: Iterable[str], actual: Iterable[str]) -> list[str]:
    exp, act = list(expected), list(actual)
    if sorted(exp) == sorted(act):
        return []
    missing = sorted(set(exp) - set(act))
    extra = sorted(set(act) - set(exp))
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"unexpected {extra}")
    if not parts:
        parts.append(f"expected {exp}, got {act}")
    return [f"{name}: {'; '.join(parts)}"]


def compare(expect: Expect, result: Result) -> list[str]:
    """How a result differs from a scenario's expectation (empty when it matches)."""
    out = []
    if expect.tier != result.tier:
        out.append(f"tier: expected '{expect.tier}', got '{result.tier}'")
    out += _diff("fired", expect.fired, (f.id for f in result.fired))
    if expect.controls is not None:
        out += _diff("controls", expect.controls, (c.id for c in result.controls))
    if expect.obligations is not None:
        out += _diff("obligations", expect.obligations, (o.id for o in result.obligations))
    if expect.flags is not None:
        out += _diff("flags", expect.flags, (f.id for f in result.flags))
    if expect.undetermined is not None:
        out += _diff("undetermined", expect.undetermined, (u.id for u in result.undetermined))
    if expect.final is not None and expect.final != result.final:
        out.append(f"final: expected {expect.final}, got {result.final}")
    return out


def scenario_reference_problems(
    version: QuestionnaireVersion, controls: ControlCatalog | None
) -> list[FileProblem]:
    """Scenarios whose answers are invalid or whose expectations name unknown ids."""
    name = version.scenarios_file or version.file
    out: list[FileProblem] = []
    rules = {r.id for r in version.model.scoring.rules}
    tiers = {t.id for t in version.model.scoring.tiers}
    flags = {f for r in version.model.scoring.rules for f in r.then.flags}
    seen: set[str] = set()
    for i, scenario in enumerate(version.scenarios):
        here = f"/scenarios/{i}"
        if scenario.id in seen:
            out.append(FileProblem(name, f"{here}/id", f"duplicate scenario '{scenario.id}'"))
        seen.add(scenario.id)
        for p in validate_answers(version, scenario.answers):
            out.append(FileProblem(name, f"{here}{p['pointer']}", p["detail"]))
        e = scenario.expect
        if e.tier not in tiers:
            out.append(FileProblem(name, f"{here}/expect/tier", f"unknown tier '{e.tier}'"))
        for field, ids, known in (
            ("fired", e.fired, rules),
            ("undetermined", e.undetermined or [], rules),
            ("flags", e.flags or [], flags),
        ):
            for j, ident in enumerate(ids):
                if ident not in known:
                    out.append(
                        FileProblem(name, f"{here}/expect/{field}/{j}", f"unknown id '{ident}'")
                    )
        if controls is not None:
            for field, ids in (
                ("controls", e.controls or []),
                ("obligations", e.obligations or []),
            ):
                for j, ident in enumerate(ids):
                    if ident not in controls:
                        out.append(
                            FileProblem(
                                name, f"{here}/expect/{field}/{j}", f"unknown control '{ident}'"
                            )
                        )
    return out


def scenario_problems(version: QuestionnaireVersion) -> list[FileProblem]:
    """Run every scenario of a version; one problem per scenario that does not match."""
    name = version.scenarios_file or version.file
    out = []
    for i, scenario in enumerate(version.scenarios):
        try:
            diffs = compare(scenario.expect, run_scenario(version, scenario))
        except InvalidAnswerError as exc:
            diffs = [str(exc)]
        if diffs:
            out.append(
                FileProblem(
                    name, f"/scenarios/{i}/expect", f"scenario '{scenario.id}': " + "; ".join(diffs)
                )
            )
    return out


def coverage_problems(version: QuestionnaireVersion) -> list[FileProblem]:
    """Rules that fire in no scenario and tiers no scenario reaches."""
    if not version.scenarios:
        return [FileProblem(version.file, "", "no golden scenarios (<version>.scenarios.json)")]
    fired: set[str] = set()
    reached: set[str] = set()
    for scenario in version.scenarios:
        try:
            result = run_scenario(version, scenario)
        except InvalidAnswerError:
            continue
        fired.update(f.id for f in result.fired)
        reached.add(result.tier)
    scoring = version.model.scoring
    unfired = [
        (f"/scoring/rules/{r}", f"rule '{rule.id}' fires in no golden scenario")
        for r, rule in enumerate(scoring.rules)
        if rule.id not in fired
    ]
    unreached = [
        (f"/scoring/tiers/{t}", f"tier '{tier.id}' is reached by no golden scenario")
        for t, tier in enumerate(scoring.tiers)
        if tier.id not in reached
    ]
    return [FileProblem(version.file, pointer, message) for pointer, message in unfired + unreached]


def check_scenarios(catalog: Catalog) -> list[FileProblem]:
    """Run every golden scenario of every version and check coverage."""
    out: list[FileProblem] = []
    for version in catalog:
        out += scenario_problems(version)
        out += coverage_problems(version)
    return out


def semver_problems(catalog: Catalog) -> list[FileProblem]:
    """Check the meaning of each released version number against the previous released one.

    A patch keeps the logic hash; a minor only adds optional items and keeps every golden
    result of the previous version; anything else needs a new major version.
    """
    out: list[FileProblem] = []
    for key in catalog.questionnaire_keys():
        released = [v for v in catalog.versions(key) if v.released]
        for prev, cur in itertools.pairwise(released):
            p_major, p_minor, _ = semver(prev.version)
            c_major, c_minor, _ = semver(cur.version)
            if c_major != p_major:
                continue
            if c_minor == p_minor:
                if cur.logic_hash != prev.logic_hash:
                    out.append(
                        FileProblem(
                            cur.file,
                            "/version",
                            f"{cur.version} is a patch of {prev.version} but changes "
                            "logic (ids, options, visibility or scoring); a patch may "
                            "change wording only",
                        )
                    )
                continue
            reasons = _minor_problems(prev, cur)
            if reasons:
                out.append(
                    FileProblem(
                        cur.file,
                        "/version",
                        f"{cur.version} is a minor release after {prev.version} but "
                        + "; ".join(reasons)
                        + " (that needs a new major version)",
                    )
                )
    return out


def _minor_problems(prev: QuestionnaireVersion, cur: QuestionnaireVersion) -> list[str]:
    reasons = []
    section_of = {i.id: s.id for s in cur.model.sections for i in s.items}
    prev_section_of = {i.id: s.id for s in prev.model.sections for i in s.items}
    for item_id, item in prev.items.items():
        new = cur.items.get(item_id)
        if new is None:
            reasons.append(f"removes item '{item_id}'")
        elif item_logic(
            new, section_of[item_id], cur.model.option_sets, cur.model.conditions
        ) != item_logic(
            item, prev_section_of[item_id], prev.model.option_sets, prev.model.conditions
        ):
            reasons.append(f"changes item '{item_id}'")
    for item_id, item in cur.items.items():
        if item_id not in prev.items and not isinstance(item, DisplayItem) and item.required:
            reasons.append(f"adds required item '{item_id}'")
    for scenario in prev.scenarios:
        try:
            before = run_scenario(prev, scenario)
            after = cur.evaluate(scenario.answers, as_of=scenario_as_of(scenario), trace=False)
        except InvalidAnswerError as exc:
            reasons.append(f"scenario '{scenario.id}' no longer evaluates ({exc})")
            continue
        if _essence(before) != _essence(after):
            reasons.append(f"changes the result of scenario '{scenario.id}'")
    return reasons


def _essence(result: Result) -> tuple[object, ...]:
    return (
        result.tier,
        sorted(f.id for f in result.fired),
        sorted(c.id for c in result.controls),
        sorted(o.id for o in result.obligations),
        sorted(f.id for f in result.flags),
    )
