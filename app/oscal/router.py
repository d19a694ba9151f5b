"""The OSCAL exports over HTTP (JSON, OSCAL's JSON format with its root key)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app import __version__
from app.auth import ReadDep
from app.controls.router import ControlCatalogDep
from app.db import SessionDep, utcnow
from app.errors import problem_responses
from app.oscal import catalog as oscal_catalog
from app.oscal import results as oscal_results
from app.routing import problem_router

router = problem_router(tags=["oscal"])


class OscalCatalogDocument(BaseModel):
    """An OSCAL catalog document (OSCAL 1.1 JSON, validated by compliance-trestle)."""

    model_config = ConfigDict(title="OscalCatalogDocument")

    catalog: dict[str, Any] = Field(
        description="The catalog: `uuid`, `metadata`, one group per framework with its controls."
    )


class OscalAssessmentResultsDocument(BaseModel):
    """An OSCAL assessment-results document (OSCAL 1.1 JSON, validated by compliance-trestle)."""

    model_config = ConfigDict(title="OscalAssessmentResultsDocument")

    assessment_results: dict[str, Any] = Field(
        alias="assessment-results",
        description="One result per current approved assessment, with findings per control.",
    )


@router.get(
    "/v1/controls/oscal-catalog",
    response_model=OscalCatalogDocument,
    responses=problem_responses(401, 403, 501),
    summary="The control catalog as an OSCAL catalog",
)
def get_oscal_catalog(controls: ControlCatalogDep, principal: ReadDep) -> dict[str, Any]:
    """Every framework of the control catalog as an OSCAL group, each control with its citation
    (`label`), paraphrased statement and crosswalk links. Control ids become OSCAL tokens
    (`iso-42001:A.2.2` → `iso-42001_A.2.2`); the original id is the `control-id` property.
    501 when the installation left out the `oscal` extra."""
    built = oscal_catalog.build_catalog(controls, generated_at=utcnow(), version=__version__)
    document: dict[str, Any] = built.oscal_dict()
    return document


@router.get(
    "/v1/ai-systems/{system_id}/oscal-assessment-results",
    response_model=OscalAssessmentResultsDocument,
    response_model_by_alias=True,
    responses=problem_responses(401, 403, 404, 409, 422, 501),
    summary="An AI system's approved results as OSCAL assessment results",
)
def get_ai_system_oscal_assessment_results(
    system_id: uuid.UUID, session: SessionDep, principal: ReadDep
) -> dict[str, Any]:
    """One OSCAL result per current approved assessment of the system (questionnaire, tier,
    approval), an observation of its scored answers and a finding per required control or
    obligation: `satisfied` when the control's implementation record says implemented.
    409 before any approval; 501 when the installation left out the `oscal` extra."""
    found = oscal_results.gather(session, caller=principal, system_id=system_id)
    built = oscal_results.build_results(found, generated_at=utcnow(), version=__version__)
    document: dict[str, Any] = built.oscal_dict()
    return document
