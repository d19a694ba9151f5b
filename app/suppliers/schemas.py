"""API input and output of suppliers, vendor requests and the supplier portal."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from app.assessments.schemas import (
    Answers,
    ItemComments,
    Progress,
    QuestionnairePin,
    ReviewComment,
)
from app.isodate import TextDate
from app.partial import PartialUpdate
from app.text import Name

Email = Annotated[
    str,
    StringConstraints(
        min_length=3,
        max_length=320,
        # Not stripped: the pattern allows no whitespace around, and pydantic would strip before
        # it matches, accepting what the contract refuses.
        # Deliberately loose: one @, no spaces, a dot in the domain; the mail server decides.
        # Control characters and the BOM spelled out: `\s` alone means other characters in
        # the contract's regex dialect (ECMA-262) than in the server's (Rust).
        pattern=r"^[^@\s<>\"\x00-\x1f\x7f-\x9f\ufeff]+@[^@\s<>\"\x00-\x1f\x7f-\x9f\ufeff]+"
        r"\.[^@\s<>\"\x00-\x1f\x7f-\x9f\ufeff]+$",
    ),
]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Description = Annotated[str, StringConstraints(max_length=4000)]


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email = Field(description="Where invitations and reminders go.")
    role: Annotated[str, StringConstraints(max_length=200)] | None = None


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description | None = None
    system_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=100,
        description="AI systems of the inventory that are (built on) this product.",
    )


class ContactUpdate(PartialUpdate):
    """A partial update of a contact: only the fields present change."""

    nullable = frozenset({"role"})

    name: Name | SkipJsonSchema[None] = None
    email: Email | SkipJsonSchema[None] = Field(
        default=None, description="Later invitations (and resends) go to the new address."
    )
    role: Annotated[str, StringConstraints(max_length=200)] | None = None


class ProductUpdate(PartialUpdate):
    """A partial update of a product; `system_ids`, when present, replaces the linked systems."""

    nullable = frozenset({"description"})

    name: Name | SkipJsonSchema[None] = None
    description: Description | None = None
    system_ids: Annotated[list[uuid.UUID], Field(max_length=100)] | SkipJsonSchema[None] = None


class SupplierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    website: Annotated[str, StringConstraints(max_length=500)] | None = None
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2 code.")
    description: Description | None = None
    contacts: list[ContactCreate] = Field(default_factory=list, max_length=50)
    products: list[ProductCreate] = Field(default_factory=list, max_length=100)


class SupplierUpdate(PartialUpdate):
    """A partial update: only the fields present change."""

    nullable = frozenset({"website", "country", "description"})

    name: Name | SkipJsonSchema[None] = None
    website: Annotated[str, StringConstraints(max_length=500)] | None = None
    country: Country | None = None
    description: Description | None = None


class ContactPublic(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    role: str | None
    created_at: datetime


class ProductPublic(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    system_ids: list[uuid.UUID]
    created_at: datetime


class RequestStatus(StrEnum):
    """Where a vendor request stands, derived from its answers."""

    OPEN = "open"
    SUBMITTED = "submitted"
    CLARIFICATION_REQUESTED = "clarification_requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class InvitationState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Delivery(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    NOT_CONFIGURED = "not_configured"


class InvitationPublic(BaseModel):
    """The current invitation of a request (never its token, which is shown once)."""

    id: uuid.UUID
    recipient_email: str
    state: InvitationState
    delivery: Delivery
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    first_opened_at: datetime | None


class HistoryEntry(BaseModel):
    """One vendor request of a supplier and what was decided on it."""

    request_id: uuid.UUID
    questionnaire: QuestionnairePin
    status: RequestStatus
    sent_at: datetime
    due_date: date
    submitted_at: datetime | None
    decided_at: datetime | None
    tier: str | None = Field(description="The tier of the latest submitted answers.")


class Standing(BaseModel):
    """The supplier's current tier: from its latest accepted answers."""

    tier: str
    tier_label: str | None
    request_id: uuid.UUID | None
    assessment_id: uuid.UUID
    questionnaire: QuestionnairePin
    accepted_at: datetime | None
    review_due_at: datetime | None = Field(description="When the supplier is due a re-request.")
    controls: list[dict[str, Any]] = Field(description="Contractual controls to require.")
    obligations: list[dict[str, Any]]
    flags: list[dict[str, Any]]


class SupplierPublic(BaseModel):
    id: uuid.UUID
    name: str
    website: str | None
    country: str | None
    description: str | None
    revision: int
    tier: str | None = Field(description="Current tier (null until answers are accepted).")
    created_at: datetime
    updated_at: datetime


class SupplierProfile(SupplierPublic):
    contacts: list[ContactPublic]
    products: list[ProductPublic]
    standing: Standing | None
    history: list[HistoryEntry] = Field(description="Vendor requests, newest first.")


class RequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: uuid.UUID = Field(description="The supplier contact who answers.")
    questionnaire_key: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        default="ai-supplier", description="Any published questionnaire; `ai-supplier` by default."
    )
    questionnaire_version: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="A published version; the latest one when left out."
    )
    product_id: uuid.UUID | None = Field(default=None, description="The product asked about.")
    due_date: TextDate = Field(description="The date the answers are due (today or later).")
    message: Annotated[str, StringConstraints(max_length=4000)] = Field(
        default="", description="A note to the supplier, sent with the invitation."
    )
    prefill_from_last_accepted: bool = Field(
        default=False,
        description="Start from the supplier's last accepted answers to this questionnaire, "
        "moved to the requested version (the annual re-request).",
    )


class Resend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_date: TextDate | None = Field(default=None, description="A new due date (optional).")
    message: Annotated[str, StringConstraints(max_length=4000)] | None = None


class PrefillReport(BaseModel):
    """How the last accepted answers were carried into the new request."""

    source: str = Field(description="key@version of the accepted answers.")
    target: str
    from_assessment_id: uuid.UUID
    carried: list[str]
    renamed: list[dict[str, str]]
    recoded: list[dict[str, Any]]
    dropped: list[dict[str, str]] = Field(description="Answers left behind, with the reason.")
    to_answer: list[str] = Field(description="Required questions to answer (again).")


class EvidencePublic(BaseModel):
    id: uuid.UUID
    item_id: str | None
    round: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str


class VendorRequestPublic(BaseModel):
    """A vendor request as procurement sees it."""

    id: uuid.UUID
    supplier_id: uuid.UUID
    contact_id: uuid.UUID
    product_id: uuid.UUID | None
    assessment_id: uuid.UUID
    recipient_email: str
    message: str
    due_date: date
    overdue: bool
    status: RequestStatus
    questionnaire: QuestionnairePin
    round: int
    revision: int = Field(description="Revision of the answers; the ETag to send to review.")
    answers: Answers
    progress: Progress
    tier: str | None = Field(description="Derived supplier tier of the latest submitted answers.")
    controls: list[dict[str, Any]] = Field(
        description="Contractual controls the latest submitted answers call for."
    )
    obligations: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    review_comments: dict[str, str]
    evidence: list[EvidencePublic]
    invitation: InvitationPublic | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None


class VendorRequestSummary(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    supplier_name: str = Field(description="The supplier's name.")
    product_id: uuid.UUID | None = Field(default=None, description="The product asked about.")
    recipient_email: str
    due_date: date
    overdue: bool
    status: RequestStatus
    questionnaire: QuestionnairePin
    tier: str | None
    created_at: datetime


class VendorRequestCreated(VendorRequestPublic):
    """The new request; `link` is shown only when no e-mail went out (forward it yourself)."""

    delivery: Delivery
    message_id: uuid.UUID | None = Field(
        default=None,
        description="The queued e-mail (`getOutboxMessage` shows whether it went out).",
    )
    link: str | None = Field(
        description="The invitation link, when e-mail is off; shown once, never stored."
    )
    prefill: PrefillReport | None


class ProcurementDecision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    REQUEST_CLARIFICATION = "request_clarification"


class VendorRequestReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: ProcurementDecision
    comment: ReviewComment | None = Field(
        default=None, description="Required to reject or to ask for clarification."
    )
    item_comments: ItemComments = Field(
        default_factory=dict, description="Questions to clarify, by item id, with what is unclear."
    )


class PortalStatus(StrEnum):
    """Where a request stands, as its supplier sees it."""

    OPEN = "open"
    CLARIFICATION_REQUESTED = "clarification_requested"
    SUBMITTED = "submitted"
    CLOSED = "closed"


class PortalRequest(BaseModel):
    """The one request an invitation opens: what is asked, the answers so far, the evidence."""

    organization: str = Field(description="Who asks.")
    supplier: str
    recipient_email: str
    message: str
    due_date: date
    status: PortalStatus
    outcome: Literal["accepted", "rejected"] | None = Field(
        default=None, description="The decision, once the request is closed."
    )
    read_only: bool = Field(description="True once submitted and after the decision.")
    questionnaire: QuestionnairePin
    round: int
    revision: int = Field(description="The ETag to send with If-Match when saving.")
    answers: Answers
    progress: Progress
    review_comments: dict[str, str] = Field(
        description="Questions procurement asked to clarify, by item id."
    )
    evidence: list[EvidencePublic]
    submitted_at: datetime | None


class PortalQuestionnaire(BaseModel):
    """The questionnaire to answer (its scoring stays with the organisation)."""

    model_config = ConfigDict(extra="allow")

    key: str
    version: str
    language: str
    title: str
    content_hash: str
    sections: list[dict[str, Any]]
