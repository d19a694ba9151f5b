"""The committed OpenAPI document is the app's own, with stable ids and problem responses."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import project_root


@pytest.fixture
def document(openapi_document: dict[str, Any]) -> dict[str, Any]:
    return openapi_document


def test_committed_document_matches_the_app(openapi_text: str) -> None:
    committed = (project_root() / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_text, "openapi/openapi.json is stale: run `make openapi`"


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


def test_every_operation_has_an_id_and_declares_problem_responses(document: dict[str, Any]) -> None:
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


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    text = json.dumps(document)
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', text))
    assert refs - set(schemas) == set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            invalid = operation["responses"].get("422")
            if invalid is not None:
                assert "application/problem+json" in invalid["content"], (method, path)


def test_component_schema_names_and_titles_are_unique(document: dict[str, Any]) -> None:
    """Generators name a class after a schema's title or key: two schemas titled alike, or a key
    FastAPI had to qualify with its module (`app__x__schemas__Name`), lose or rename a model."""
    schemas = document["components"]["schemas"]
    qualified = [name for name in schemas if "__" in name]
    assert qualified == [], "give these models distinct class names"
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    duplicates = sorted({title for title in titles if titles.count(title) > 1})
    assert duplicates == []


def test_duplicate_titles_would_be_caught(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    schemas["Copy"] = {**schemas["AssessmentReviewBody"]}
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    assert titles.count("AssessmentReviewBody") == 2


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_list_is_a_page_with_its_order_stated(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    lists = []
    for method, path, operation in _operations(document):
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json")
        if ok is None:
            continue
        schema = ok["schema"]
        assert schema.get("type") != "array", f"{method} {path} returns a bare array"
        properties = (
            schemas[schema["$ref"].rsplit("/", 1)[1]].get("properties", {})
            if ("$ref" in schema)
            else {}
        )
        if properties.get("items", {}).get("type") == "array":
            lists.append(operation["operationId"])
            assert set(properties) == {"items", "next_cursor"}, (method, path)
            description = operation.get("description", "").lower()
            assert "first" in description or "order" in description, (method, path)
    assert "listOverdueSystems" in lists
    assert "listAssessmentRounds" in lists
    assert "listAuditEvents" in lists


def test_if_match_is_required_wherever_it_is_taken(document: dict[str, Any]) -> None:
    taken = 0
    for method, path, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"].lower() == "if-match":
                taken += 1
                assert parameter["required"] is True, (method, path)
                assert "412" in operation["responses"], (method, path)
                assert "428" in operation["responses"], (method, path)
                assert "ETag" in operation["responses"]["412"]["headers"], (method, path)
    assert taken >= 14


def test_every_body_declares_the_400_for_an_unparseable_one(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        if "requestBody" in operation:
            assert "400" in operation["responses"], (method, path)


def test_a_python_client_generates_without_a_warning(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    """openapi-python-client silently dropped an operation when two schemas shared a name; any
    warning from it is a defect of the contract."""
    generator = Path(sys.executable).with_name("openapi-python-client")
    assert generator.exists(), "openapi-python-client is part of the dev extra"
    # Raw file uploads: the generator sends any binary body as application/octet-stream once told
    # which media types are binary (its documented `content_type_overrides`).
    binary = sorted(
        {
            media_type
            for _, _, operation in _operations(document)
            for media_type, body in operation.get("requestBody", {}).get("content", {}).items()
            if body.get("schema", {}).get("format") == "binary"
        }
    )
    assert binary, "the evidence upload takes raw bytes"
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "post_hooks": [],
                "content_type_overrides": {t: "application/octet-stream" for t in binary},
            }
        )
    )
    run = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(project_root() / "openapi" / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "client"),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    api = tmp_path / "client" / "api"
    assert (api / "procurement" / "review_supplier_request.py").is_file()
    generated = {path.stem for path in api.rglob("*.py")} - {"__init__"}
    expected = {
        re.sub(r"(?<!^)(?=[A-Z])", "_", operation["operationId"]).lower()
        for _, _, operation in _operations(document)
    }
    assert expected - generated == set(), "every operation is in the client"
