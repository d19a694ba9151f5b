"""The OpenAPI document: finished from the routes (what FastAPI cannot say by itself), and the
committed copy rendered from the app the same way every time."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi.openapi.utils import get_openapi

from app.errors import PROBLEM_MEDIA_TYPE, Problem, ProblemItem, problem_responses

if TYPE_CHECKING:
    from fastapi import FastAPI

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        webhooks=app.webhooks.routes,
        tags=app.openapi_tags,
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Problem"].pop("$defs", None)
    schemas["ProblemItem"] = ProblemItem.model_json_schema()
    # FastAPI's default 422 models are replaced by problem details on every route.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            _finish_operation(operation)
    for operations in schema.get("webhooks", {}).values():
        for operation in operations.values():
            # What the receiver answers is its own business: no problem details are promised.
            operation["responses"] = {"204": {"description": "Received (any 2xx will do)."}}
    return schema


def _finish_operation(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    invalid = responses.get("422")
    if invalid is not None:
        invalid["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
        invalid.setdefault("description", "Invalid request")
    # A body that is not JSON at all (or cut short) is refused before validation, with a 400.
    if "requestBody" in operation and "400" not in responses:
        responses["400"] = problem_responses(400)[400]
    for parameter in operation.get("parameters", []):
        # The route takes If-Match as optional only so that a missing one is a 428 problem (RFC
        # 6585) rather than a 422; every write that takes it refuses to run without it.
        if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
            parameter["required"] = True
            # A header is never null; a blank one counts as missing (428).
            parameter["schema"] = {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "pattern": "\\S",
                "description": parameter["schema"].get("description", ""),
                "title": "If-Match",
            }
    operation["responses"] = dict(sorted(responses.items()))


def render_openapi() -> str:
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(database_url="sqlite://"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
