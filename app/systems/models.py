"""The AI-system table."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from app.db import JSONType, Revised, UTCDateTime


class LifecycleStage(StrEnum):
    """AI system life-cycle stages after ISO/IEC 22989 (section 6)."""

    INCEPTION = "inception"
    DESIGN_AND_DEVELOPMENT = "design_and_development"
    VERIFICATION_AND_VALIDATION = "verification_and_validation"
    DEPLOYMENT = "deployment"
    OPERATION_AND_MONITORING = "operation_and_monitoring"
    RE_EVALUATION = "re_evaluation"
    RETIREMENT = "retirement"


class Sourcing(StrEnum):
    """Whether the organisation builds the system or buys it (which decides its AI Act role)."""

    IN_HOUSE = "in_house"
    BOUGHT = "bought"
    HYBRID = "hybrid"


class SystemStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class AISystem(Revised, table=True):
    __tablename__ = "ai_systems"
    __table_args__ = (
        sa.Index("ix_ai_systems_org_created", "organization_id", "created_at", "id"),
        sa.Index("ix_ai_systems_org_status", "organization_id", "status"),
    )

    name: str = Field(max_length=200)
    purpose: str = Field(max_length=4000)
    owner: str = Field(max_length=200)
    business_unit: str | None = Field(default=None, max_length=200)
    lifecycle_stage: str = Field(max_length=40)
    deployment_regions: list[str] = Field(sa_type=JSONType)
    sourcing: str = Field(max_length=20)
    tags: list[str] = Field(sa_type=JSONType)
    status: str = Field(default=SystemStatus.ACTIVE.value, max_length=20)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
