"""API input and output of AI systems."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic.json_schema import SkipJsonSchema

from app.lists import Distinct
from app.partial import PartialUpdate
from app.systems.models import LifecycleStage, Sourcing, SystemStatus
from app.text import Name

Region = Annotated[
    str,
    StringConstraints(pattern=r"^([A-Z]{2}|EU|EEA|GLOBAL)$"),
]
Tag = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$"),
]


class AISystemBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="The name people know the system by.")
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=4000)] = Field(
        description="Intended purpose (EU AI Act Art. 3(12)) in plain words."
    )
    owner: Name = Field(description="Accountable owner (a person or role).")
    business_unit: Annotated[str, StringConstraints(max_length=200)] | None = None
    lifecycle_stage: LifecycleStage = LifecycleStage.INCEPTION
    deployment_regions: Annotated[list[Region], Distinct] = Field(
        default_factory=list,
        max_length=60,
        description="ISO 3166-1 alpha-2 codes, or EU, EEA, GLOBAL.",
    )
    sourcing: Sourcing = Field(description="Built in-house, bought from a supplier, or both.")
    tags: Annotated[list[Tag], Distinct] = Field(default_factory=list, max_length=50)


class AISystemCreate(AISystemBase):
    pass


class AISystemUpdate(PartialUpdate):
    """A partial update: only the fields present change. Retire with the retire operation."""

    nullable = frozenset({"business_unit"})

    name: Name | SkipJsonSchema[None] = None
    purpose: (
        Annotated[str, StringConstraints(min_length=1, max_length=4000)] | SkipJsonSchema[None]
    ) = None
    owner: Name | SkipJsonSchema[None] = None
    business_unit: Annotated[str, StringConstraints(max_length=200)] | None = None
    lifecycle_stage: LifecycleStage | SkipJsonSchema[None] = None
    deployment_regions: (
        Annotated[list[Region], Field(max_length=60), Distinct] | SkipJsonSchema[None]
    ) = None
    sourcing: Sourcing | SkipJsonSchema[None] = None
    tags: Annotated[list[Tag], Field(max_length=50), Distinct] | SkipJsonSchema[None] = None


class AISystemPublic(BaseModel):
    id: uuid.UUID
    name: str
    purpose: str
    owner: str
    business_unit: str | None
    lifecycle_stage: LifecycleStage
    deployment_regions: list[str]
    sourcing: Sourcing
    tags: list[str]
    status: SystemStatus
    revision: int
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None
