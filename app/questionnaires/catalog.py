"""The questionnaire catalog: load, validate, hash and compile every questionnaire version.

`load_catalog(root)` reads ``<root>/<key>/<version>.json`` (and its ``.scenarios.json``) and the
control catalog in ``<root>/controls``, checks the shape (typed models) and every cross
reference, compiles the logic once, and returns an immutable `Catalog`. Anything wrong raises
`CatalogError` listing every problem as ``file:pointer: message``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from app.controls import ControlCatalog, ControlCatalogError, FileProblem, load_controls
from app.controls.catalog import pointer_of, read_json, validation_problems
from app.questionnaires import hashing
from app.questionnaires import holders as holders_module
from app.questionnaires import lock as lock_module
from app.questionnaires import scenarios as scenario_module
from app.questionnaires.models import (
    ITEM_ID_PATTERN,
    KEY_PATTERN,
    SEMVER_PATTERN,
    DisplayItem,
    Item,
    MultiChoiceItem,
    Option,
    Questionnaire,
    Scenario,
    ScenarioFile,
    SingleChoiceItem,
    semver,
)
from app.questionnaires.version import (
    RELEASED,
    Catalog,
    CatalogError,
    QuestionnaireNotFoundError,
    QuestionnaireSummary,
    QuestionnaireVersion,
    VersionSummary,
)
from app.rules import (
    ITEM_TYPES,
    BandSpec,
    CompileError,
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

DEFAULT_ROOT: Final = Path(__file__).resolve().parents[2] / "questionnaires"
RESERVED_DIRS: Final = frozenset({"controls", "schema"})
_ITEM_TYPE_TAGS: Final = frozenset(ITEM_TYPES)


# Catalogs already compiled by this process, by their folder and the bytes of its files.
_COMPILED: OrderedDict[tuple[Path, str], Catalog] = OrderedDict()
_COMPILED_KEPT: Final = 4


def load_catalog(root: Path = DEFAULT_ROOT) -> Catalog:
    """Load, check and compile everything under `root`; raise `CatalogError` on any problem.

    A catalog is immutable, so a process that loads the same files again (an app factory called
    twice, the OpenAPI renderer, the tests) gets the catalog it compiled before; a change to any
    byte of any file under `root` is a new load.
    """
    key = (root.resolve(), _files_digest(root))
    if (compiled := _COMPILED.get(key)) is not None:
        _COMPILED.move_to_end(key)
        return compiled
    catalog, problems = load_catalog_with_problems(root)
    if problems:
        raise CatalogError(problems)
    _COMPILED[key] = catalog
    if len(_COMPILED) > _COMPILED_KEPT:
        _COMPILED.popitem(last=False)
    return catalog


def _files_digest(root: Path) -> str:
    """One hash of every file's path and bytes under `root` ("" when `root` is not a folder)."""
    if not root.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load_catalog_with_problems(root: Path) -> tuple[Catalog, list[FileProblem]]:
    """Load what can be loaded and return it with every problem found (used by lint)."""
    problems: list[FileProblem] = []
    display_root = root.parent

    def display(path: Path) -> str:
        try:
            return str(path.relative_to(display_root))
        except ValueError:
            return str(path)

    if not root.is_dir():
        problems.append(FileProblem(str(root), "", "no such directory"))
        return Catalog(root, ControlCatalog({})), problems
    try:
        controls = load_controls(root / "controls", display_root=display_root)
        controls_ok = True
    except ControlCatalogError as exc:
        problems.extend(exc.problems)
        controls = ControlCatalog({})
        controls_ok = False

    holders = holders_module.load_holders(root, display(root / holders_module.FILE_NAME), problems)
    by_key: dict[str, list[QuestionnaireVersion]] = {}
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        if directory.name in RESERVED_DIRS or directory.name.startswith("."):
            continue
        if not re.match(KEY_PATTERN, directory.name):
            problems.append(
                FileProblem(
                    display(directory),
                    "",
                    f"a questionnaire folder is named by its key ({KEY_PATTERN})",
                )
            )
            continue
        for path in sorted(directory.glob("*.json")):
            if path.name.endswith(".scenarios.json"):
                if not path.with_name(path.name.removesuffix(".scenarios.json") + ".json").exists():
                    problems.append(
                        FileProblem(display(path), "", "scenarios without a questionnaire version")
                    )
                continue
            loaded = _load_version(path, display(path), (controls, holders), controls_ok, problems)
            if loaded is not None:
                by_key.setdefault(loaded.key, []).append(loaded)
    ordered = {
        key: tuple(sorted(versions, key=lambda v: semver(v.version)))
        for key, versions in sorted(by_key.items())
    }
    catalog = Catalog(root, controls, ordered)
    problems.extend(migration_problems(catalog))
    problems.extend(plan_problems(catalog))
    problems.extend(prefill_problems(catalog))
    if controls_ok:
        problems.extend(holders_module.holder_problems(catalog, holders))
    problems.extend(lock_module.lock_mismatches(catalog))
    problems.extend(scenario_module.semver_problems(catalog))
    return catalog, problems


def migration_problems(catalog: Catalog) -> list[FileProblem]:
    """Check every declared migration against the versions it connects.

    `from` names an earlier version of the same key (once per version); renamed and dropped
    ids existed in that version; renamed targets and recoded items exist in this one (recoded
    items are choice items) and every new code is one of their options.
    """
    out: list[FileProblem] = []
    for key in catalog.questionnaire_keys():
        versions = {v.version: v for v in catalog.versions(key)}
        for version in versions.values():
            seen: set[str] = set()
            for m, step in enumerate(version.model.migrations or []):
                here = f"/migrations/{m}"

                def problem(pointer: str, message: str, file: str = version.file) -> None:
                    out.append(FileProblem(file, pointer, message))

                source = versions.get(step.from_)
                if step.from_ in seen:
                    problem(f"{here}/from", f"a second migration from {step.from_}")
                seen.add(step.from_)
                if source is None or semver(step.from_) >= semver(version.version):
                    problem(
                        f"{here}/from",
                        f"{step.from_} is not an earlier version of '{key}' in the catalog",
                    )
                for old, new in step.renamed.items():
                    ptr = f"{here}/renamed/{old}"
                    if source is not None and old not in source.items:
                        problem(ptr, f"'{old}' is not an item of {key}@{step.from_}")
                    if not _answerable(version, new):
                        problem(ptr, f"'{new}' is not an answerable item of {version.ref}")
                for item_id, table in step.recoded.items():
                    ptr = f"{here}/recoded/{item_id}"
                    if item_id not in version.options:
                        problem(ptr, f"'{item_id}' is not a choice item of {version.ref}")
                        continue
                    codes = {o.code for o in version.options[item_id]}
                    for old_code, new_code in table.items():
                        if new_code not in codes:
                            problem(
                                f"{ptr}/{old_code}",
                                f"'{new_code}' is not an option of '{item_id}' in {version.ref}",
                            )
                for d, old in enumerate(step.dropped):
                    if source is not None and old not in source.items:
                        problem(
                            f"{here}/dropped/{d}", f"'{old}' is not an item of {key}@{step.from_}"
                        )
    return out


def _source_facts(
    catalog: Catalog, key: str
) -> tuple[QuestionnaireVersion | None, set[str], set[str]]:
    """The latest published version of a source key (what new drafts are filled from), its tier
    ids and the flags its rules can raise."""
    if key not in catalog.by_key:
        return None, set(), set()
    source = catalog.latest(key)
    if source is None:
        return None, set(), set()
    scoring = source.model.scoring
    tiers = {t.id for t in scoring.tiers}
    flags = {f for rule in scoring.rules for f in rule.then.flags}
    return source, tiers, flags


def _check_result_test(
    catalog: Catalog,
    key: str,
    tier_in: Sequence[str] | None,
    flag: str | None,
    pointer: str,
    problem: Any,
) -> None:
    source, tiers, flags = _source_facts(catalog, key)
    if source is None:
        return
    for t, tier in enumerate(tier_in or []):
        if tier not in tiers:
            problem(f"{pointer}/tier_in/{t}", f"'{tier}' is not a tier of {source.ref}")
    if flag is not None and flag not in flags:
        problem(f"{pointer}/flag", f"no rule of {source.ref} raises the flag '{flag}'")


def plan_problems(catalog: Catalog) -> list[FileProblem]:
    """Check every plan declaration: the questionnaire it depends on is another published key,
    and the tiers and flags it tests exist in that key's latest published version."""
    out: list[FileProblem] = []
    for version in catalog:
        if version.model.subject == "organization":
            # Plans and carried-over answers are about one AI system; the organisation has none.
            for name in ("plan", "prefill"):
                if getattr(version.model, name) is not None:
                    out.append(
                        FileProblem(
                            version.file,
                            f"/{name}",
                            "not for an organisation-level questionnaire (subject 'organization')",
                        )
                    )
            continue
        if version.model.plan is None:
            continue

        def problem(pointer: str, message: str, file: str = version.file) -> None:
            out.append(FileProblem(file, pointer, message))

        for t, trigger in enumerate(version.model.plan.required_when):
            here = f"/plan/required_when/{t}"
            key = trigger.questionnaire
            if key is None:
                continue
            if key == version.key:
                problem(f"{here}/questionnaire", "a questionnaire cannot depend on itself")
            elif key not in catalog.by_key or catalog.latest(key) is None:
                problem(f"{here}/questionnaire", f"no published questionnaire '{key}'")
            else:
                _check_result_test(catalog, key, trigger.tier_in, trigger.flag, here, problem)
    return out


def prefill_problems(catalog: Catalog) -> list[FileProblem]:
    """Check every prefill declaration against this version and the source's latest published
    version: the item is answerable, the source exists, the copied answer has the same type and
    every code it can carry (after recoding) is an option here, result cases test existing
    tiers and flags and give valid values; and no two questionnaires fill each other (cycle)."""
    out: list[FileProblem] = []
    edges: dict[str, set[str]] = {}
    for version in catalog:
        for p, fill in enumerate(version.model.prefill or []):
            here = f"/prefill/{p}"

            def problem(pointer: str, message: str, file: str = version.file) -> None:
                out.append(FileProblem(file, pointer, message))

            if not _answerable(version, fill.item):
                problem(f"{here}/item", f"'{fill.item}' is not an answerable item of {version.ref}")
                continue
            key = fill.questionnaire
            if key == version.key:
                problem(f"{here}/questionnaire", "a questionnaire cannot fill itself")
                continue
            source, _, _ = _source_facts(catalog, key)
            if source is None:
                problem(f"{here}/questionnaire", f"no published questionnaire '{key}'")
                continue
            edges.setdefault(version.key, set()).add(key)
            target = version.items[fill.item]
            if fill.answer is not None:
                origin = source.items.get(fill.answer)
                if origin is None or isinstance(origin, DisplayItem):
                    problem(
                        f"{here}/answer",
                        f"'{fill.answer}' is not an answerable item of {source.ref}",
                    )
                    continue
                if origin.type != target.type:
                    problem(
                        f"{here}/answer",
                        f"'{fill.answer}' of {source.ref} is {origin.type}, "
                        f"'{fill.item}' is {target.type}",
                    )
                    continue
                if fill.item in version.options:
                    source_codes = {o.code for o in source.options.get(fill.answer, ())}
                    for old in fill.recode:
                        if old not in source_codes:
                            problem(
                                f"{here}/recode/{old}",
                                f"'{old}' is not an option of '{fill.answer}' in {source.ref}",
                            )
                    codes = {o.code for o in version.options[fill.item]}
                    for code in sorted(source_codes):
                        mapped = fill.recode.get(code, code)
                        if mapped is not None and mapped not in codes:
                            problem(
                                f"{here}/recode",
                                f"'{code}' of '{fill.answer}' in {source.ref} maps to '{mapped}', "
                                f"not an option of '{fill.item}'",
                            )
                elif fill.recode:
                    problem(f"{here}/recode", f"'{fill.item}' has no options to recode")
            for c, case in enumerate(fill.cases or []):
                ptr = f"{here}/cases/{c}"
                _check_result_test(catalog, key, case.tier_in, case.flag, ptr, problem)
                for answer_problem in version.validate({fill.item: case.value}):
                    problem(f"{ptr}/value", answer_problem["detail"])
    out.extend(_prefill_cycles(catalog, edges))
    return out


def _prefill_cycles(catalog: Catalog, edges: Mapping[str, set[str]]) -> list[FileProblem]:
    """One problem per questionnaire that fills itself through others."""
    out = []
    for start in sorted(edges):
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            key = stack.pop()
            if key == start:
                latest = catalog.latest(start) or catalog.versions(start)[-1]
                out.append(
                    FileProblem(
                        latest.file, "/prefill", f"'{start}' is prefilled from itself (a cycle)"
                    )
                )
                break
            if key not in seen:
                seen.add(key)
                stack.extend(edges.get(key, ()))
    return out


def _answerable(version: QuestionnaireVersion, item_id: str) -> bool:
    item = version.items.get(item_id)
    return item is not None and not isinstance(item, DisplayItem)


ProblemAt = Callable[[str, str], None]


def _load_version(
    path: Path,
    name: str,
    catalogs: tuple[ControlCatalog, holders_module.Holders],
    controls_ok: bool,
    problems: list[FileProblem],
) -> QuestionnaireVersion | None:
    controls = catalogs[0]
    loaded = _read_model(path, name, problems)
    if loaded is None:
        return None
    raw, model = loaded
    found: list[FileProblem] = []

    def problem(pointer: str, message: str) -> None:
        found.append(FileProblem(name, pointer, message))

    if model.key != path.parent.name:
        problem("/key", f"key '{model.key}' differs from the folder name '{path.parent.name}'")
    if not re.match(SEMVER_PATTERN, path.stem) or model.version != path.stem:
        problem("/version", f"version '{model.version}' differs from the file name '{path.name}'")
    items, options = _items_and_options(model, problem)
    _check_derived_and_tiers(model, items, problem)
    obligation_specs = _check_rule_references(model, controls, controls_ok, problem)

    content_hash = hashing.content_hash(raw)
    logic_hash = hashing.logic_hash(model)
    try:
        program: Program | None = compile_questionnaire(
            _spec(model, options, obligation_specs, catalogs, (content_hash, logic_hash))
        )
    except CompileError as exc:
        for p in exc.problems:
            problem(p.pointer, p.message)
        program = None
    scenarios, scenario_name = _read_scenarios(path, name, model, found, problem)

    problems.extend(found)
    if found or program is None:
        return None
    version = QuestionnaireVersion(
        key=model.key,
        version=model.version,
        status=model.status,
        file=name,
        model=model,
        source=encode_source(raw),
        content_hash=content_hash,
        logic_hash=logic_hash,
        program=program,
        items=items,
        options=options,
        scenarios=scenarios,
        scenarios_file=scenario_name if scenarios else None,
    )
    scenario_problems = scenario_module.scenario_reference_problems(
        version, controls if controls_ok else None
    )
    if scenario_problems:
        problems.extend(scenario_problems)
        return None
    return version


def encode_source(raw: dict[str, Any]) -> bytes:
    """A questionnaire file's JSON as compact bytes that decode to an equal object."""
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode()


def _read_model(
    path: Path, name: str, problems: list[FileProblem]
) -> tuple[dict[str, Any], Questionnaire] | None:
    """The file's JSON and its typed model, or None with the problems recorded."""
    raw = read_json(path, problems, name)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(FileProblem(name, "", "a questionnaire file holds a JSON object"))
        return None
    try:
        model = Questionnaire.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            problems.append(FileProblem(name, _model_pointer(err["loc"]), err["msg"]))
        return None
    return raw, model


def _items_and_options(
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


def _check_derived_and_tiers(
    model: Questionnaire, items: Mapping[str, Item], problem: ProblemAt
) -> None:
    for d, fact in enumerate(model.derived):
        if fact.id in items or any(f.id == fact.id for f in model.derived[:d]):
            problem(f"/derived/{d}/id", f"duplicate id '{fact.id}'")
        source = items.get(fact.from_)
        if source is None or source.type != "date":
            problem(f"/derived/{d}/from", f"'{fact.from_}' is not a date item")
    tier_ids = {t.id for t in model.scoring.tiers}
    for tier in model.reassessment_months or {}:
        if tier not in tier_ids:
            problem(f"/reassessment_months/{tier}", f"unknown tier '{tier}'")


def _check_rule_references(
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


def _read_scenarios(
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


def _model_pointer(loc: Sequence[int | str]) -> str:
    """JSON pointer from a pydantic location, without the union tags pydantic inserts."""
    parts: list[int | str] = []
    for i, part in enumerate(loc):
        if (
            isinstance(part, str)
            and i > 0
            and isinstance(loc[i - 1], int)
            and part in _ITEM_TYPE_TAGS
        ):
            continue
        parts.append(part)
    return pointer_of(parts)


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


def _spec(
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


__all__ = [
    "DEFAULT_ROOT",
    "ITEM_ID_PATTERN",
    "Catalog",
    "CatalogError",
    "QuestionnaireNotFoundError",
    "QuestionnaireSummary",
    "QuestionnaireVersion",
    "VersionSummary",
    "load_catalog",
    "load_catalog_with_problems",
    "semver",
]
