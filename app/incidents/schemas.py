"""API input and output of incidents: the record, its triage facts and its computed deadlines."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from app.assessments.models import AssessmentStatus
from app.incidents.deadlines import ClockStatus, Harm, OperatorRole
from app.incidents.models import IncidentStatus
from app.partial import PartialUpdate
from app.text import Name

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    try:
        converted = value.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 with an offset
        raise ValueError("out of range") from exc
    if converted < EARLIEST:
        raise ValueError("must be 1970 or later")
    return converted


Moment = Annotated[AwareDatetime, AfterValidator(_utc)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=8000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Link = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^https?://\S+$")]
ClockId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class Triage(BaseModel):
    """The facts that decide who reports and by when; null means not known yet."""

    model_config = ConfigDict(extra="forbid")

    serious: bool | None = Field(
        default=None, description="A serious incident under EU AI Act Art. 3(49)."
    )
    harms: list[Harm] = Field(
        default_factory=list, max_length=5, description="The Art. 3(49)(a)-(d) harms (death apart)."
    )
    widespread_infringement: bool = Field(default=False, description="Art. 3(61), Art. 73(3).")
    high_risk_obligations_apply: bool | None = Field(
        default=None,
        description="The system's high-risk obligations apply (under its calendar); Art. 73.",
    )
    role: OperatorRole | None = Field(
        default=None, description="Provider (3(3)) or deployer (3(4))."
    )
    provider_reachable: bool | None = Field(
        default=None, description="Deployer only: the provider can be reached (Art. 26(5))."
    )
    sectoral_regime: bool = Field(
        default=False,
        description="A device under MDR/IVDR or an equivalent sectoral regime (Art. 73(9)-(10)).",
    )
    gpai_systemic_risk: bool = Field(
        default=False, description="A GPAI model with systemic risk (Art. 55(1)(c))."
    )
    personal_data_breach: bool = Field(default=False, description="GDPR Art. 4(12), Art. 33.")
    nis2_in_scope: bool = Field(default=False, description="An essential or important entity.")
    nis2_significant: bool = Field(default=False, description="NIS2 Art. 23(3).")


class CorrectiveAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: ShortText
    owner: Name
    due_on: date | None = None
    done: bool = False


class ReportSent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient: Name
    sent_at: Moment
    clock_id: ClockId | None = Field(
        default=None, description="The deadline this report meets (a clock's `id`)."
    )
    copy_text: Text = Field(description="A copy of what was sent.")


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system_id: uuid.UUID
    title: Name
    description: Text
    occurred_at: Moment = Field(description="When it happened (not in the future).")
    aware_at: Moment | None = Field(
        default=None,
        description="When the organisation became aware; deadlines run from it. Not before "
        "`occurred_at`, not in the future; without it deadlines are undetermined.",
    )
    affected: ShortText = Field(description="Who or what is affected.")
    people_involved: list[Name] = Field(default_factory=list, max_length=50)
    triage: Triage = Field(default_factory=Triage)
    corrective_actions: list[CorrectiveAction] = Field(default_factory=list, max_length=100)
    evidence_links: list[Link] = Field(default_factory=list, max_length=50)


class IncidentUpdate(PartialUpdate):
    """A partial update: only the fields present change."""

    nullable = frozenset({"aware_at"})

    title: Name | SkipJsonSchema[None] = None
    description: Text | SkipJsonSchema[None] = None
    occurred_at: Moment | SkipJsonSchema[None] = None
    aware_at: Moment | None = None
    affected: ShortText | SkipJsonSchema[None] = None
    people_involved: Annotated[list[Name], Field(max_length=50)] | SkipJsonSchema[None] = None
    status: IncidentStatus | SkipJsonSchema[None] = None
    triage: Triage | SkipJsonSchema[None] = None
    corrective_actions: (
        Annotated[list[CorrectiveAction], Field(max_length=100)] | SkipJsonSchema[None]
    ) = None
    reports: Annotated[list[ReportSent], Field(max_length=100)] | SkipJsonSchema[None] = None
    evidence_links: Annotated[list[Link], Field(max_length=50)] | SkipJsonSchema[None] = None


class ClockPublic(BaseModel):
    id: str
    regime: str
    reporter: str
    recipient: str
    status: ClockStatus
    due_at: datetime | None
    period: str | None
    met_by_report: bool
    overdue: bool
    explanation: str
    refs: list[str]


class Deadlines(BaseModel):
    clocks: list[ClockPublic]
    notes: list[str]
    undetermined: list[str] = Field(description="Facts still missing, each with its effect.")


class TriageAssessmentLink(BaseModel):
    """An `ai-incident-triage` assessment answered on the incident (read and answer it through
    /v1/assessments/{id}: autosave, submit, review)."""

    assessment_id: uuid.UUID
    questionnaire: str = Field(description="`key@version` it is pinned to.")
    status: AssessmentStatus
    round: int
    tier: str | None = Field(description="Tier of its latest submitted round.")
    submitted_at: datetime | None
    decided_at: datetime | None


class TriageFactsSource(BaseModel):
    """The submitted triage round whose answers are the incident's triage facts."""

    assessment_id: uuid.UUID
    round: int


class TriageStart(BaseModel):
    """Start the incident's triage; it begins with the facts known so far as its answers."""

    model_config = ConfigDict(extra="forbid")

    questionnaire_version: (
        Annotated[str, StringConstraints(max_length=32, pattern=r"^\d+\.\d+\.\d+$")] | None
    ) = Field(default=None, description="A published version; the latest when omitted.")


class IncidentPublic(BaseModel):
    id: uuid.UUID
    system_id: uuid.UUID
    title: str
    description: str
    occurred_at: datetime
    aware_at: datetime | None
    affected: str
    people_involved: list[str]
    status: IncidentStatus
    triage: Triage = Field(
        description="The facts the deadlines are computed from. Written directly until a triage "
        "assessment is started; from then on only its submissions write them."
    )
    triage_assessment: TriageAssessmentLink | None = Field(
        description="The latest triage assessment answered on the incident (null: none yet)."
    )
    triage_facts_from: TriageFactsSource | None = Field(
        description="The submitted triage round the facts come from (null: entered directly)."
    )
    corrective_actions: list[CorrectiveAction]
    reports: list[ReportSent]
    evidence_links: list[str]
    next_due_at: datetime | None = Field(
        description="The earliest deadline no report has met yet (null when closed)."
    )
    deadlines: Deadlines
    revision: int
    created_at: datetime
    updated_at: datetime


class IncidentCounts(BaseModel):
    """A system's incidents by status, and how many have a passed, unmet reporting deadline."""

    open: int
    reported: int
    closed: int
    overdue: int
