"""A questionnaire version's parts, built from its checked source on first use.

The loader in `catalog` checks every file once at start-up and keeps of each version only its
source bytes, hashes and identity; the typed model, its items and options, the compiled
`Program` and the golden scenarios are built here when something first reads them (serving
reads a few versions; only the lint reads every scenario).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from app.controls import ControlCatalog, FileProblem
from app.controls.catalog import read_json, validation_problems
from app.questionnaires import holders as holders_module
from app.questionnaires.models import (
    DisplayItem,
    Item,
    MultiChoiceItem,
    Option,
    Questionnaire,
    Scenario,
    ScenarioFile,
    SingleChoiceItem,
)
from app.questionnaires.version import RELEASED, Parsed, QuestionnaireVersion
from app.rules import (
    BandSpec,
    DerivedSpec,
    ItemSpec,
    ObligationSpec,
    Program,
    QuestionnaireSpec,
    RuleSpec,
    ScoreSpec,
    ScoreTermSpec,
    SectionSpec,
    compile_questionnaire,
)

ProblemAt = Callable[[str, str], None]


def _ignore(pointer: str, message: str) -> None:
    """Problems of a version built again: it passed every check when the catalog loaded."""


# Versions whose typed model a catalog keeps parsed at most: parsing one again takes a few
# milliseconds, and the checks across versions read every model in turn.
PARSED_KEPT: Final = 8


@dataclass(frozen=True)
class Builder:
    """Builds the parts of the versions of one catalog (its control catalog and holders)."""

    root: Path
    controls: ControlCatalog
    holders: holders_module.Holders
    controls_ok: bool = True
    # The versions parsed last, the most recent last (see `PARSED_KEPT`).
    _parsed: OrderedDict[int, QuestionnaireVersion] = field(
        default_factory=OrderedDict, repr=False, compare=False
    )

    def parse(self, version: QuestionnaireVersion) -> Parsed:
        """The typed model of the version's source, its items and their options; the version
        parsed longest ago lets go of its model when more than `PARSED_KEPT` are."""
        model = Questionnaire.model_validate(json.loads(version.source))
        items, options = items_and_options(model, _ignore)
        self._parsed[id(version)] = version
        self._parsed.move_to_end(id(version))
        while len(self._parsed) > PARSED_KEPT:
            _, oldest = self._parsed.popitem(last=False)
            oldest.forget_parsed()
        return Parsed(model, items, options)

    def compile(self, version: QuestionnaireVersion) -> Program:
        """The version's logic compiled for evaluation."""
        model, options = version.model, version.options
        obligations = rule_references(model, self.controls, self.controls_ok, _ignore)
        spec = program_spec(
            model,
            options,
            obligations,
            (self.controls, self.holders),
            (version.content_hash, version.logic_hash),
        )
        return compile_questionnaire(spec)

    def scenarios(self, version: QuestionnaireVersion) -> tuple[Scenario, ...]:
        """The golden scenarios beside the version's file."""
        path = self.root / version.key / f"{version.version}.json"
        found: list[FileProblem] = []
        scenarios, _ = read_scenarios(path, version.file, version.model, found, _ignore)
        return scenarios


def items_and_options(
    model: Questionnaire, problem: ProblemAt
) -> tuple[dict[str, Item], dict[str, tuple[Option, ...]]]:
    """Every item by id, and the options of every choice item (its own or a shared set)."""
    items: dict[str, Item] = {}
    options: dict[str, tuple[Option, ...]] = {}
    for s, section in enumerate(model.sections):
        for i, item in enumerate(section.items):
            items.setdefault(item.id, item)
            if isinstance(item, SingleChoiceItem | MultiChoiceItem):
                options[item.id] = _resolve_options(
                    model, item, f"/sections/{s}/items/{i}", problem
                )
    for set_name, option_list in model.option_sets.items():
        _check_codes(option_list, f"/option_sets/{set_name}", problem)
    return items, options


def rule_references(
    model: Questionnaire, controls: ControlCatalog, controls_ok: bool, problem: ProblemAt
) -> dict[str, ObligationSpec]:
    """The obligations and controls rules name are in the control catalog; the obligations'
    application dates, by id."""
    obligation_specs: dict[str, ObligationSpec] = {}
    for r, rule in enumerate(model.scoring.rules):
        here = f"/scoring/rules/{r}/then"
        for o, oid in enumerate(rule.then.obligations):
            control = controls.get(oid)
            if control is None:
                if controls_ok:
                    problem(f"{here}/obligations/{o}", f"unknown obligation '{oid}'")
            elif control.framework != "eu-ai-act":
                problem(
                    f"{here}/obligations/{o}",
                    f"'{oid}' is not an EU AI Act obligation; list it under controls",
                )
            elif control.applies_from is not None:
                obligation_specs[oid] = ObligationSpec(oid, control.applies_from.as_mapping())
        for c, cid in enumerate(rule.then.controls):
            if cid not in controls and controls_ok:
                problem(f"{here}/controls/{c}", f"unknown control '{cid}'")
    required = {oid for rule in model.scoring.rules for oid in rule.then.obligations}
    for r, rule in enumerate(model.scoring.rules):
        for d, deferral in enumerate(rule.then.defer):
            for o, oid in enumerate(deferral.obligations):
                if oid not in required:
                    problem(
                        f"/scoring/rules/{r}/then/defer/{d}/obligations/{o}",
                        f"'{oid}' is required by no rule of this questionnaire: nothing to defer",
                    )
    return obligation_specs


def read_scenarios(
    path: Path,
    name: str,
    model: Questionnaire,
    found: list[FileProblem],
    problem: ProblemAt,
) -> tuple[tuple[Scenario, ...], str]:
    """The golden scenarios beside the file (a released version must have them)."""
    scenario_file = path.with_name(f"{path.stem}.scenarios.json")
    scenario_name = str(Path(name).with_name(scenario_file.name))
    scenarios: tuple[Scenario, ...] = ()
    if scenario_file.exists():
        raw_scenarios = read_json(scenario_file, found, scenario_name)
        if raw_scenarios is not None:
            try:
                scenarios = tuple(ScenarioFile.model_validate(raw_scenarios).scenarios)
            except ValidationError as exc:
                found.extend(validation_problems(scenario_name, exc))
    elif model.status in RELEASED:
        problem("", f"a {model.status} version needs golden scenarios in {scenario_file.name}")
    return scenarios, scenario_name


def _resolve_options(
    model: Questionnaire,
    item: SingleChoiceItem | MultiChoiceItem,
    pointer: str,
    problem: Any,
) -> tuple[Option, ...]:
    if item.options is not None:
        _check_codes(item.options, f"{pointer}/options", problem)
        resolved = tuple(item.options)
    else:
        name = item.option_set or ""
        if name not in model.option_sets:
            problem(f"{pointer}/option_set", f"unknown option set '{name}'")
            return ()
        resolved = tuple(model.option_sets[name])
    unknown = [i for i, o in enumerate(resolved) if o.unknown]
    if unknown and isinstance(item, MultiChoiceItem):
        problem(
            f"{pointer}/options/{unknown[0]}/unknown", "an unknown option is for single choices"
        )
    elif len(unknown) > 1:
        problem(f"{pointer}/options/{unknown[1]}/unknown", "a second unknown option")
    if isinstance(item, MultiChoiceItem):
        for bound in ("min_selected", "max_selected"):
            value = getattr(item, bound)
            if value is not None and value > len(resolved):
                problem(
                    f"{pointer}/{bound}", f"{bound} {value} exceeds the {len(resolved)} options"
                )
    return resolved


def _check_codes(option_list: Sequence[Option], pointer: str, problem: Any) -> None:
    seen: set[str] = set()
    for i, option in enumerate(option_list):
        if option.code in seen:
            problem(f"{pointer}/{i}/code", f"duplicate option code '{option.code}'")
        seen.add(option.code)


def program_spec(
    model: Questionnaire,
    options: Mapping[str, tuple[Option, ...]],
    obligations: Mapping[str, ObligationSpec],
    catalogs: tuple[ControlCatalog, holders_module.Holders],
    hashes: tuple[str, str],
) -> QuestionnaireSpec:
    """Translate the typed model into the engine's spec."""
    controls, holders = catalogs
    sections = tuple(
        SectionSpec(section.id, f"/sections/{s}", section.enable_when)
        for s, section in enumerate(model.sections)
    )
    return QuestionnaireSpec(
        key=model.key,
        version=model.version,
        content_hash=hashes[0],
        logic_hash=hashes[1],
        sections=sections,
        items=_item_specs(model, options),
        tiers=tuple(t.id for t in model.scoring.tiers),
        default_tier=model.scoring.default_tier,
        rules=_rule_specs(model),
        scores=_score_specs(model),
        obligations=obligations,
        citations=holders_module.citations(model, holders.of(model.key), controls),
        calendars=controls.calendars,
        conditions=model.conditions,
        derived=tuple(DerivedSpec(f.id, f.from_, f.days) for f in model.derived),
    )


def _item_specs(
    model: Questionnaire, options: Mapping[str, tuple[Option, ...]]
) -> tuple[ItemSpec, ...]:
    """Every item, then every derived fact (a boolean item enabled once its date is answered)."""
    item_specs = []
    for s, section in enumerate(model.sections):
        for i, item in enumerate(section.items):
            opts = options.get(item.id, ())
            item_specs.append(
                ItemSpec(
                    id=item.id,
                    type=item.type,
                    section=section.id,
                    pointer=f"/sections/{s}/items/{i}",
                    options=tuple(o.code for o in opts),
                    exclusive=frozenset(o.code for o in opts if o.exclusive),
                    unknown=frozenset(o.code for o in opts if o.unknown),
                    required=False if isinstance(item, DisplayItem) else item.required,
                    enable_when=item.enable_when,
                )
            )
    for d, fact in enumerate(model.derived):
        source = next(i for i in item_specs if i.id == fact.from_)
        item_specs.append(
            ItemSpec(
                id=fact.id,
                type="boolean",
                section=source.section,
                pointer=f"/derived/{d}",
                enable_when={"answered": fact.from_},
            )
        )
    return tuple(item_specs)


def _score_specs(model: Questionnaire) -> tuple[ScoreSpec, ...]:
    return tuple(
        ScoreSpec(
            id=score.id,
            pointer=f"/scoring/scores/{k}",
            terms=tuple(
                ScoreTermSpec(
                    t.when,
                    t.points,
                    f"/scoring/scores/{k}/terms/{j}",
                    t.id,
                    t.section,
                    t.label or {},
                )
                for j, t in enumerate(score.terms)
            ),
            bands=tuple(BandSpec(b.id, b.max, b.label) for b in score.bands),
            label=score.label,
        )
        for k, score in enumerate(model.scoring.scores)
    )


def _rule_specs(model: Questionnaire) -> tuple[RuleSpec, ...]:
    return tuple(
        RuleSpec(
            id=rule.id,
            pointer=f"/scoring/rules/{r}",
            when=rule.when,
            tier=rule.then.tier,
            obligations=tuple(rule.then.obligations),
            controls=tuple(rule.then.controls),
            flags=tuple(rule.then.flags),
            deferrals=tuple((tuple(d.obligations), d.until) for d in rule.then.defer),
            rationale=rule.rationale,
            caveat=rule.caveat,
            refs=tuple(rule.refs),
        )
        for r, rule in enumerate(model.scoring.rules)
    )
