"""Typed models of the control catalog files (`questionnaires/controls/*.json`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

FRAMEWORKS: Final = ("iso-42001", "eu-ai-act", "nist-ai-rmf")
Framework = Literal["iso-42001", "eu-ai-act", "nist-ai-rmf"]
Role = Literal[
    "provider",
    "deployer",
    "importer",
    "distributor",
    "authorised_representative",
    "product_manufacturer",
]
Confidence = Literal["high", "medium", "low"]
# How binding a control is, as the ICO AI and data protection risk toolkit grades its
# statements: must (a legal requirement), should (good practice), could (optional).
Level = Literal["must", "should", "could"]
LEVELS: Final = ("must", "should", "could")
# A framework's entries are this unless an entry (or a questionnaire's holders.json) says
# otherwise: the EU AI Act is law; ISO/IEC 42001 Annex A is the reference set of controls an
# AI management system considers; the NIST AI RMF is voluntary (NIST AI 100-1) and offered
# here as a crosswalk.
FRAMEWORK_LEVELS: Final[dict[str, Level]] = {
    "eu-ai-act": "must",
    "iso-42001": "should",
    "nist-ai-rmf": "could",
}
Calendar = Literal["original", "omnibus"]

# The application calendars of EU AI Act obligations; results name the one(s) they report.
CALENDARS: Final[dict[str, str]] = {
    "original": "Regulation (EU) 2024/1689 as published in the Official Journal on 12 July 2024",
    "omnibus": (
        "the dates as changed by the 2026 Digital Omnibus on AI (reported as Regulation (EU) "
        "2026/1744, in force 27 July 2026; verify against the Official Journal)"
    ),
}


def _has_english(value: dict[str, str]) -> dict[str, str]:
    if "en" not in value:
        raise ValueError("localised text needs an 'en' entry")
    if any(not text.strip() for text in value.values()):
        raise ValueError("localised text may not be empty")
    return value


LOCALIZED_TEXT_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": "Localised text: language tag -> text; 'en' is required.",
    "properties": {"en": {"type": "string", "minLength": 1}},
    "additionalProperties": {"type": "string", "minLength": 1},
    "propertyNames": {"pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
    "required": ["en"],
}

LocalizedText = Annotated[
    dict[
        Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")],
        Annotated[str, Field(min_length=1)],
    ],
    AfterValidator(_has_english),
    # Generators swap {"x-ref": name} for a reference to a shared definition.
    WithJsonSchema({"x-ref": "LocalizedText"}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AppliesFrom(_Strict):
    """When an EU AI Act obligation applies under each calendar (null: not under that one)."""

    original: date | None = None
    omnibus: date | None = None

    @model_validator(mode="after")
    def _one_date(self) -> AppliesFrom:
        if self.original is None and self.omnibus is None:
            raise ValueError("give the application date under at least one calendar")
        return self

    def as_mapping(self) -> dict[str, date | None]:
        """Calendar id -> date, in the order of `CALENDARS`."""
        return {"original": self.original, "omnibus": self.omnibus}


class Control(_Strict):
    """One control, obligation or framework category."""

    id: str = Field(pattern=r"^(iso-42001|eu-ai-act|nist-ai-rmf):[A-Za-z0-9][A-Za-z0-9._-]*$")
    ref: str = Field(min_length=1, description="The citation shown to users.")
    title: LocalizedText
    summary: LocalizedText | None = None
    group: str | None = None
    roles: list[Role] | None = None
    applies_from: AppliesFrom | None = None
    confidence: Confidence | None = None
    level: Level | None = Field(
        default=None, description="must | should | could; default: the framework's level."
    )

    @property
    def framework(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def binding(self) -> Level:
        """The entry's level, else its framework's."""
        return self.level or FRAMEWORK_LEVELS[self.framework]


class ControlFile(_Strict):
    """One framework's file."""

    schema_: str | None = Field(default=None, alias="$schema")
    framework: Framework
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    controls: list[Control]


class CrosswalkLink(_Strict):
    """A mapping between two controls of (usually) different frameworks."""

    from_: str = Field(alias="from")
    to: str
    kind: Literal["analyst", "official"]
    note: str | None = None


class CrosswalkFile(_Strict):
    """`crosswalk.json`: an object with `links` (a bare list of links is accepted too)."""

    schema_: str | None = Field(default=None, alias="$schema")
    title: str | None = None
    note: str | None = None
    links: list[CrosswalkLink]
