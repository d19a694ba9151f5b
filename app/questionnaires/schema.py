"""Generate the JSON Schema (2020-12) of the questionnaire file format from the typed models.

Run ``python -m app.questionnaires.schema`` to rewrite the files in questionnaires/schema/
(``--check`` exits 1 when a committed file is stale).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Final

from app.controls.models import LOCALIZED_TEXT_SCHEMA
from app.questionnaires.models import ITEM_ID_PATTERN, Questionnaire, ScenarioFile
from app.rules.language import COMPARISON_OPS

SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_SCHEMA_DIR: Final = Path(__file__).resolve().parents[2] / "questionnaires" / "schema"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _op(name: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: value},
        "required": [name],
        "additionalProperties": False,
    }


def _pair(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "prefixItems": [left, right], "items": False, "minItems": 2}


def condition_defs() -> dict[str, Any]:
    """The condition language as JSON Schema definitions (shape only; meaning is checked later)."""
    conditions = {"type": "array", "items": _ref("Condition"), "minItems": 1}
    codes = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    literal = {"type": ["boolean", "string", "number"]}
    return {
        "Condition": {
            "description": (
                "A condition of the condition language (three-valued: true, false, unknown). "
                "See questionnaires/README.md."
            ),
            "anyOf": [
                {"type": "boolean"},
                _op("all", conditions),
                _op("any", conditions),
                _op("not", _ref("Condition")),
                *(
                    _op(op, _pair({"anyOf": [_ref("Var"), _ref("NumberExpression")]}, literal))
                    for op in COMPARISON_OPS
                ),
                _op("in", _pair(_ref("Var"), {"type": "array", "items": literal, "minItems": 1})),
                _op("includes", _pair(_ref("Var"), {"type": "string"})),
                _op("includes_any", _pair(_ref("Var"), codes)),
                _op("includes_all", _pair(_ref("Var"), codes)),
                _op("answered", {"type": "string"}),
                _op(
                    "condition",
                    {
                        "type": "string",
                        "pattern": ITEM_ID_PATTERN,
                        "description": "The name of a condition in the top-level 'conditions'.",
                    },
                ),
            ],
        },
        "Var": _op("var", {"type": "string", "description": "An item id."}),
        "NumberExpression": {
            "anyOf": [_op("count", conditions), _op("score", {"type": "string"})],
        },
    }


def _swap_markers(node: Any) -> Any:
    if isinstance(node, dict):
        if "x-ref" in node:
            rest = {k: v for k, v in node.items() if k != "x-ref"}
            return {**_ref(node["x-ref"]), **rest}
        return {k: _swap_markers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_swap_markers(v) for v in node]
    return node


def _finish(schema: dict[str, Any], schema_id: str, title: str) -> dict[str, Any]:
    schema = _swap_markers(schema)
    defs = schema.setdefault("$defs", {})
    defs.update(condition_defs())
    defs["LocalizedText"] = LOCALIZED_TEXT_SCHEMA
    schema.setdefault("properties", {}).setdefault("$schema", {"type": "string"})
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_id,
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }


def questionnaire_schema() -> dict[str, Any]:
    """The JSON Schema of a questionnaire version file."""
    raw = Questionnaire.model_json_schema(by_alias=True, mode="validation")
    return _finish(raw, "questionnaire.schema.json", "Questionnaire version")


def scenarios_schema() -> dict[str, Any]:
    """The JSON Schema of a golden scenarios file."""
    raw = ScenarioFile.model_json_schema(by_alias=True, mode="validation")
    return _finish(raw, "scenarios.schema.json", "Golden scenarios")


def render(schema: dict[str, Any]) -> str:
    """The committed text of a schema."""
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def schema_files() -> dict[str, str]:
    """File name -> text of every generated schema."""
    return {
        "questionnaire.schema.json": render(questionnaire_schema()),
        "scenarios.schema.json": render(scenarios_schema()),
    }


def write_schemas(directory: Path = DEFAULT_SCHEMA_DIR, *, check: bool = False) -> list[str]:
    """Write (or with `check`, compare) the schema files; return the names that differ."""
    stale = []
    for name, text in schema_files().items():
        path = directory / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(name)
            if not check:
                directory.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    """Command line: write the schemas, or check that the committed ones are current."""
    parser = argparse.ArgumentParser(prog="python -m app.questionnaires.schema")
    parser.add_argument("--dir", type=Path, default=DEFAULT_SCHEMA_DIR)
    parser.add_argument("--check", action="store_true", help="exit 1 when a file is stale")
    args = parser.parse_args(argv)
    stale = write_schemas(args.dir, check=args.check)
    for name in stale:
        print(f"{'stale' if args.check else 'wrote'}: {args.dir / name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
