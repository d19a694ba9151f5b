"""Imports every table module so that SQLModel.metadata knows the whole schema (for Alembic)."""

from sqlmodel import SQLModel

from app import idempotency
from app.assessments import models as assessments_models
from app.audit import models as audit_models
from app.counters import models as counters_models
from app.delivery import models as delivery_models
from app.incidents import models as incidents_models
from app.organizations import models as organizations_models
from app.people import models as people_models
from app.portfolio import models as portfolio_models
from app.suppliers import models as suppliers_models
from app.systems import models as systems_models
from app.webhooks import models as webhooks_models

metadata = SQLModel.metadata

__all__ = [
    "assessments_models",
    "audit_models",
    "counters_models",
    "delivery_models",
    "idempotency",
    "incidents_models",
    "metadata",
    "organizations_models",
    "people_models",
    "portfolio_models",
    "suppliers_models",
    "systems_models",
    "webhooks_models",
]
