"""Who holds each obligation and control a questionnaire names, and how binding it is.

Published questionnaire files are immutable (their content hash is locked), so these
attributes live outside them, in ``questionnaires/holders.json``, which applies to every
version of a questionnaire key. Nothing here changes a tier: it only says, in a result, whose
duty a requirement is and whether it is a legal requirement, good practice or optional.

Resolution for an id named by a rule of a questionnaire version, first match wins:

1. the declaration of a rule naming it (``rules.<rule id>.party`` / ``.level``);
2. ``ids.<id>`` (party) and ``levels.<id>`` (level) of the questionnaire;
3. for an obligation, the party its EU AI Act roles map to (``roles``), else ``party``;
   for a control, ``party``; the level is the control catalog entry's (its framework's
   default: EU AI Act must, ISO/IEC 42001 should, NIST AI RMF could).

A questionnaire without a declaration holds everything itself (``organisation``). The lint
reports unknown keys, rules and ids, an obligation whose roles map to different parties, and
an id that two rules of one version give different holders or levels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.controls import ControlCatalog, FileProblem
from app.controls.catalog import read_json, validation_problems
from app.controls.models import Level
from app.questionnaires.models import Questionnaire
from app.rules import Citation

if TYPE_CHECKING:
    from app.questionnaires.catalog import Catalog

FILE_NAME: Final = "holders.json"
Party = Literal["organisation", "supplier"]
PARTIES: Final = ("organisation", "supplier")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RuleHolder(_Strict):
    """What one rule declares for every obligation and control it names."""

    party: Party | None = None
    level: Level | None = None


class QuestionnaireHolders(_Strict):
    """One questionnaire key's declaration (every version)."""

    party: Party = Field(default="organisation", description="Who holds what nothing else assigns.")
    roles: dict[str, Party] = Field(
        default_factory=dict, description="EU AI Act role -> party, for obligations."
    )
    ids: dict[str, Party] = Field(default_factory=dict, description="Obligation/control -> party.")
    levels: dict[str, Level] = Field(default_factory=dict, description="Id -> must/should/could.")
    rules: dict[str, RuleHolder] = Field(default_factory=dict, description="Rule id -> holder.")
    note: str | None = Field(default=None, description="Why, for reviewers of the file.")


class HoldersFile(_Strict):
    """``questionnaires/holders.json``."""

    schema_: str | None = Field(default=None, alias="$schema")
    description: str | None = None
    questionnaires: dict[str, QuestionnaireHolders] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Holders:
    """The loaded declarations and the name of their file (for problems)."""

    by_key: Mapping[str, QuestionnaireHolders]
    file: str = FILE_NAME

    def of(self, key: str) -> QuestionnaireHolders:
        """A key's declaration, or the default (the organisation holds everything)."""
        return self.by_key.get(key) or QuestionnaireHolders()


def load_holders(root: Path, display: str, problems: list[FileProblem]) -> Holders:
    """Read ``<root>/holders.json`` (absent: no declarations)."""
    path = root / FILE_NAME
    if not path.is_file():
        return Holders({}, display)
    raw = read_json(path, problems, display)
    if raw is None:
        return Holders({}, display)
    try:
        parsed = HoldersFile.model_validate(raw)
    except ValidationError as exc:
        problems.extend(validation_problems(display, exc))
        return Holders({}, display)
    return Holders(parsed.questionnaires, display)


def _base(decl: QuestionnaireHolders, cid: str, controls: ControlCatalog) -> tuple[str, str]:
    control = controls.get(cid)
    level = decl.levels.get(cid) or (control.binding if control is not None else "should")
    if cid in decl.ids:
        return decl.ids[cid], level
    roles = control.roles if control is not None and control.roles else ()
    parties = {decl.roles.get(role, decl.party) for role in roles}
    return (parties.pop() if len(parties) == 1 else decl.party), level


def resolve(
    model: Questionnaire, decl: QuestionnaireHolders, controls: ControlCatalog
) -> dict[str, list[tuple[str, str, str]]]:
    """Id -> (rule id, party, level) for every rule of the version that names the id."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for rule in model.scoring.rules:
        own = decl.rules.get(rule.id) or RuleHolder()
        for cid in (*rule.then.obligations, *rule.then.controls):
            party, level = _base(decl, cid, controls)
            out.setdefault(cid, []).append((rule.id, own.party or party, own.level or level))
    return out


def citations(
    model: Questionnaire, decl: QuestionnaireHolders, controls: ControlCatalog
) -> dict[str, Citation]:
    """How a result cites each obligation and control of the version, with holder and level."""
    out: dict[str, Citation] = {}
    for cid, found in resolve(model, decl, controls).items():
        control = controls.get(cid)
        if control is None:
            continue
        _, party, level = found[0]
        roles = tuple(control.roles or ()) if control.framework == "eu-ai-act" else ()
        out[cid] = Citation(control.ref, dict(control.title), party, roles, level)
    return out


def holder_problems(catalog: Catalog, holders: Holders) -> list[FileProblem]:
    """Every declaration naming nothing, and every id held or graded two ways in a version."""
    out: list[FileProblem] = []

    def problem(pointer: str, message: str, file: str = holders.file) -> None:
        out.append(FileProblem(file, pointer, message))

    for key, decl in holders.by_key.items():
        here = f"/questionnaires/{key}"
        if key not in catalog.by_key:
            problem(here, f"no questionnaire '{key}'")
            continue
        versions = catalog.by_key[key]
        rule_ids = {r.id for v in versions for r in v.model.scoring.rules}
        named = {
            cid
            for v in versions
            for r in v.model.scoring.rules
            for cid in (*r.then.obligations, *r.then.controls)
        }
        for rule_id in decl.rules:
            if rule_id not in rule_ids:
                problem(f"{here}/rules/{rule_id}", f"no rule '{rule_id}' in any version of {key}")
        for field, ids in (("ids", decl.ids), ("levels", decl.levels)):
            for cid in _sorted(ids):
                if cid not in named:
                    problem(f"{here}/{field}/{cid}", f"no rule of {key} names '{cid}'")
    for version in catalog:
        out.extend(_version_problems(version.model, holders, catalog.controls, version.file))
    return out


def _version_problems(
    model: Questionnaire, holders: Holders, controls: ControlCatalog, file: str
) -> list[FileProblem]:
    out: list[FileProblem] = []
    decl = holders.of(model.key)
    for cid, found in resolve(model, decl, controls).items():
        control = controls.get(cid)
        if control is not None and control.roles and cid not in decl.ids:
            parties = {decl.roles.get(role, decl.party) for role in control.roles}
            if len(parties) > 1:
                out.append(
                    FileProblem(
                        holders.file,
                        f"/questionnaires/{model.key}/ids",
                        f"'{cid}' binds {', '.join(control.roles)}, held by different parties "
                        f"in {model.key}: say who holds it",
                    )
                )
        if len({(party, level) for _, party, level in found}) > 1:
            how = "; ".join(f"{rule}: {party}/{level}" for rule, party, level in found)
            out.append(
                FileProblem(
                    file,
                    "/scoring/rules",
                    f"'{cid}' is held or graded differently by its rules ({how}); "
                    f"declare one holder in {holders.file}",
                )
            )
    return out


def _sorted(ids: Iterable[str]) -> list[str]:
    return sorted(ids)


__all__ = [
    "FILE_NAME",
    "PARTIES",
    "Holders",
    "HoldersFile",
    "QuestionnaireHolders",
    "RuleHolder",
    "citations",
    "holder_problems",
    "load_holders",
    "resolve",
]
