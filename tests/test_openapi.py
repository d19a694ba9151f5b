"""The committed OpenAPI document is the app's own, with stable ids and problem responses."""

import json
import re

from app.openapi_doc import render_openapi
from tests.conftest import project_root


def test_committed_document_matches_the_app() -> None:
    committed = (project_root() / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == render_openapi(), "openapi/openapi.json is stale: run `make openapi`"


# Public sign-in steps: nobody is authenticated yet, so there is no 401 to declare.
PUBLIC = {
    "getSignInMethods",
    "signOut",
    "requestPasswordReset",
    "completePasswordReset",
    "getInvitation",
    "startOidcSignIn",
    "finishOidcSignIn",
}


def test_every_operation_has_an_id_and_declares_problem_responses() -> None:
    document = json.loads(render_openapi())
    ids = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            ids.append(operation["operationId"])
            assert operation["operationId"][0].islower(), (path, method)
            if path.startswith("/v1") and operation["operationId"] not in PUBLIC:
                problem = operation["responses"]["401"]["content"]["application/problem+json"]
                assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert len(ids) == len(set(ids))
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_reference_resolves() -> None:
    document = json.loads(render_openapi())
    schemas = document["components"]["schemas"]
    text = json.dumps(document)
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', text))
    assert refs - set(schemas) == set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            invalid = operation["responses"].get("422")
            if invalid is not None:
                assert "application/problem+json" in invalid["content"], (method, path)
