"""The questionnaire catalog: load, validate, hash and compile every questionnaire version.

`load_catalog(root)` reads ``<root>/<key>/<version>.json`` (and its ``.scenarios.json``) and the
control catalog in ``<root>/controls``, checks the shape (typed models) and every cross
reference, compiles the logic once to check it, and returns an immutable `Catalog`. Anything
wrong raises `CatalogError` listing every problem as ``file:pointer: message``. The catalog
keeps each version's source; its model and program are built again when first read
(`app.questionnaires.build`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from app.controls import ControlCatalog, ControlCatalogError, FileProblem, load_controls
from app.controls.catalog import pointer_of, read_json
from app.questionnaires import hashing
from app.questionnaires import holders as holders_module
from app.questionnaires import lock as lock_module
from app.questionnaires import scenarios as scenario_module
from app.questionnaires.build import (
    Builder,
    ProblemAt,
    items_and_options,
    program_spec,
    read_scenarios,
    rule_references,
)
from app.questionnaires.models import (
    ITEM_ID_PATTERN,
    KEY_PATTERN,
    SEMVER_PATTERN,
    DisplayItem,
    Item,
    Questionnaire,
    semver,
)
from app.questionnaires.version import (
    Catalog,
    CatalogError,
    QuestionnaireNotFoundError,
    QuestionnaireSummary,
    QuestionnaireVersion,
    VersionSummary,
)
from app.rules import ITEM_TYPES, CompileError, compile_questionnaire

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
    builder = Builder(root, controls, holders, controls_ok)
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
            loaded = _load_version(path, display(path), builder, problems)
            if loaded is not None:
                by_key.setdefault(loaded.key, []).append(loaded)
    ordered = {
        key: tuple(sorted(versions, key=lambda v: semver(v.version)))
        for key, versions in sorted(by_key.items())
    }
    catalog = Catalog(root, controls, ordered)
    problems.extend(_cross_version_problems(catalog, holders if controls_ok else None))
    return catalog, problems


def _cross_version_problems(
    catalog: Catalog, holders: holders_module.Holders | None
) -> list[FileProblem]:
    """The checks across versions. The versions let go of what a check built after each check,
    and after each questionnaire for the checks within one (migrations, and SemVer, which
    compiles and runs the scenarios), so the process never holds every version built at once."""
    out: list[FileProblem] = []
    for key, versions in catalog.by_key.items():
        one = Catalog(catalog.root, catalog.controls, {key: versions})
        out.extend(migration_problems(one))
        one.forget()
    checks: list[Callable[[Catalog], list[FileProblem]]] = [plan_problems, prefill_problems]
    if holders is not None:
        checks.append(lambda whole: holders_module.holder_problems(whole, holders))
    checks.append(lock_module.lock_mismatches)
    for check in checks:
        out.extend(check(catalog))
        catalog.forget()
    for key, versions in catalog.by_key.items():
        released = [v for v in versions if v.released]
        for pair in itertools.pairwise(released):
            out.extend(
                scenario_module.semver_problems(
                    Catalog(catalog.root, catalog.controls, {key: pair})
                )
            )
            pair[0].forget()
        catalog.forget()
    return out


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


def _load_version(
    path: Path, name: str, builder: Builder, problems: list[FileProblem]
) -> QuestionnaireVersion | None:
    """Read and check one version and compile its logic once; the version keeps its source
    and builds its parts again when they are first read."""
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
    items, options = items_and_options(model, problem)
    _check_derived_and_tiers(model, items, problem)
    obligation_specs = rule_references(model, builder.controls, builder.controls_ok, problem)

    content_hash = hashing.content_hash(raw)
    logic_hash = hashing.logic_hash(model)
    catalogs = (builder.controls, builder.holders)
    try:
        compile_questionnaire(
            program_spec(model, options, obligation_specs, catalogs, (content_hash, logic_hash))
        )
    except CompileError as exc:
        for p in exc.problems:
            problem(p.pointer, p.message)
    scenarios, scenario_name = read_scenarios(path, name, model, found, problem)

    problems.extend(found)
    if found:
        return None
    version = QuestionnaireVersion(
        key=model.key,
        version=model.version,
        status=model.status,
        file=name,
        packed_source=zlib.compress(encode_source(raw)),
        content_hash=content_hash,
        logic_hash=logic_hash,
        title=model.title,
        subject=model.subject,
        builder=builder,
        scenarios_file=scenario_name if scenarios else None,
    )
    scenario_problems = scenario_module.scenario_reference_problems(
        version, builder.controls if builder.controls_ok else None
    )
    version.forget()
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
