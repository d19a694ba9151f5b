"""A loaded questionnaire version and the immutable catalog of all of them: what the loader in
`catalog` builds and what the rest of the app reads."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Final, Protocol

from app.controls import ControlCatalog, FileProblem
from app.controls.i18n import languages_in, localize
from app.questionnaires.answers import AnswerProblem, answer_schema, validate_answers
from app.questionnaires.models import Item, Option, Questionnaire, Scenario
from app.rules import Program, Result, State, evaluate

RELEASED: Final = ("published", "retired")


class CatalogError(ValueError):
    """The catalog cannot load; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the questionnaire files:\n{lines}")


class QuestionnaireNotFoundError(LookupError):
    """No such questionnaire key, version, or no published version of it."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """A version's typed model, its items by id and the options of its choice items."""

    model: Questionnaire
    items: Mapping[str, Item]
    options: Mapping[str, tuple[Option, ...]]


class PartsBuilder(Protocol):
    """Builds a version's parts from its source (`app.questionnaires.build.Builder`)."""

    def parse(self, version: QuestionnaireVersion) -> Parsed: ...
    def compile(self, version: QuestionnaireVersion) -> Program: ...
    def scenarios(self, version: QuestionnaireVersion) -> tuple[Scenario, ...]: ...


# The parts of a version built on first use, and let go by `forget`.
_BUILT_PARTS: Final = ("parsed", "program", "scenarios", "answer_schema", "languages")


@dataclass(frozen=True, eq=False)
class QuestionnaireVersion:
    """One loaded and checked questionnaire version.

    It holds its source and identity; the typed model, the compiled program and the golden
    scenarios are built from the source when first read (every version passed every check when
    the catalog loaded), so a process holds only the versions it uses.
    """

    key: str
    version: str
    status: str
    file: str
    # The file's JSON, encoded and compressed (`source`): parsed again where it is read (the
    # model at first use, languages, each served body once), so the process does not hold
    # every version's document tree for life.
    packed_source: bytes
    content_hash: str
    logic_hash: str
    title: Mapping[str, str]
    subject: str
    builder: PartsBuilder = field(repr=False)
    scenarios_file: str | None = None

    @property
    def source(self) -> bytes:
        """The file's JSON as compact bytes (that decode to an object equal to the file's)."""
        return zlib.decompress(self.packed_source)

    @cached_property
    def parsed(self) -> Parsed:
        """The typed model, items and options, parsed from the source at first use."""
        return self.builder.parse(self)

    @property
    def model(self) -> Questionnaire:
        return self.parsed.model

    @property
    def items(self) -> Mapping[str, Item]:
        return self.parsed.items

    @property
    def options(self) -> Mapping[str, tuple[Option, ...]]:
        return self.parsed.options

    @cached_property
    def program(self) -> Program:
        """The compiled logic, compiled at first use."""
        return self.builder.compile(self)

    @cached_property
    def scenarios(self) -> tuple[Scenario, ...]:
        """The golden scenarios (read by the checks and the lint, never by serving)."""
        return self.builder.scenarios(self) if self.scenarios_file else ()

    @property
    def built(self) -> frozenset[str]:
        """The parts built from the source so far (none once the catalog has loaded)."""
        return frozenset(_BUILT_PARTS) & self.__dict__.keys()

    def forget_parsed(self) -> None:
        """Let go of the typed model, items and options (parsed again when next read)."""
        self.__dict__.pop("parsed", None)

    def forget(self) -> None:
        """Let go of the parts built so far; they are built again when next read."""
        for name in _BUILT_PARTS:
            self.__dict__.pop(name, None)

    @property
    def ref(self) -> str:
        """``key@version``."""
        return f"{self.key}@{self.version}"

    @property
    def released(self) -> bool:
        """Published or retired: immutable and locked."""
        return self.status in RELEASED

    @property
    def raw(self) -> dict[str, Any]:
        """The file's JSON object, a fresh copy."""
        raw: dict[str, Any] = json.loads(self.source)
        return raw

    @cached_property
    def answer_schema(self) -> dict[str, Any]:
        """The JSON Schema of an answers object."""
        return answer_schema(self)

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """Languages the texts are written in, English first."""
        found = languages_in(self.raw)
        return ("en", *sorted(found - {"en"}))

    def document(self, language: str | None = None) -> dict[str, Any]:
        """The questionnaire as served: the file plus its identity and hashes, localised."""
        body = self.raw
        body.pop("$schema", None)
        body["content_hash"] = self.content_hash
        body["logic_hash"] = self.logic_hash
        if language is None:
            return body
        localized: dict[str, Any] = localize(body, language)
        localized["language"] = language
        return localized

    def validate(self, answers: object) -> list[AnswerProblem]:
        """Every problem with a set of answers."""
        return validate_answers(self, answers)

    def evaluate(
        self,
        answers: Mapping[str, Any],
        *,
        as_of: date,
        trace: bool = True,
        state: State | None = None,
    ) -> Result:
        """Score answers (validate them first; `state`: their settled state, if at hand)."""
        return evaluate(self.program, answers, as_of=as_of, trace=trace, state=state)


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """A version of a questionnaire in a listing."""

    version: str
    status: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class QuestionnaireSummary:
    """A questionnaire in a listing: its versions and the latest published one."""

    key: str
    title: Mapping[str, str]
    latest: str | None
    versions: tuple[VersionSummary, ...]
    subject: str = "ai_system"


@dataclass(frozen=True)
class Catalog:
    """Every questionnaire version and the control catalog; immutable after loading."""

    root: Path
    controls: ControlCatalog
    by_key: Mapping[str, tuple[QuestionnaireVersion, ...]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[QuestionnaireVersion]:
        for versions in self.by_key.values():
            yield from versions

    def forget(self) -> None:
        """Let every version go of the parts it built (see `QuestionnaireVersion.forget`)."""
        for version in self:
            version.forget()

    def questionnaire_keys(self) -> list[str]:
        """Questionnaire keys, sorted."""
        return sorted(self.by_key)

    def versions(self, key: str) -> tuple[QuestionnaireVersion, ...]:
        """Every version of a key, oldest first."""
        if key not in self.by_key:
            raise QuestionnaireNotFoundError(f"no questionnaire '{key}'")
        return self.by_key[key]

    def latest(self, key: str) -> QuestionnaireVersion | None:
        """The highest published version of a key, if any."""
        published = [v for v in self.versions(key) if v.status == "published"]
        return published[-1] if published else None

    def get(self, key: str, version: str | None = None) -> QuestionnaireVersion:
        """A version by key and version; without a version, the latest published one."""
        if version is None:
            found = self.latest(key)
            if found is None:
                raise QuestionnaireNotFoundError(f"no published version of '{key}'")
            return found
        for candidate in self.versions(key):
            if candidate.version == version:
                return candidate
        raise QuestionnaireNotFoundError(f"no version {version} of '{key}'")

    def summaries(self) -> list[QuestionnaireSummary]:
        """One summary per key, sorted by key."""
        out = []
        for key in self.questionnaire_keys():
            versions = self.by_key[key]
            latest = self.latest(key)
            shown = latest or versions[-1]
            out.append(
                QuestionnaireSummary(
                    key,
                    shown.title,
                    latest.version if latest else None,
                    tuple(VersionSummary(v.version, v.status, v.content_hash) for v in versions),
                    shown.subject,
                )
            )
        return out
