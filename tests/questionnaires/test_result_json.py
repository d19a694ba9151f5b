"""The evaluation routes encode the engine's result directly: it must be exactly what the declared
response model (`EvaluationResult`) would have produced, for every golden scenario."""

from __future__ import annotations

import orjson
from pydantic import TypeAdapter

from app.json_bytes import JSONBytes
from app.questionnaires.catalog import Catalog
from app.questionnaires.scenarios import scenario_as_of
from app.questionnaires.schemas import EvaluationResult, evaluation_document

MODEL = TypeAdapter(EvaluationResult)


def test_every_scenario_encodes_as_the_model_would(catalog: Catalog) -> None:
    checked = 0
    for version in catalog:
        for scenario in version.scenarios:
            for trace in (True, False)[: 2 if checked == 0 else 1]:
                result = version.evaluate(
                    scenario.answers, as_of=scenario_as_of(scenario), trace=trace
                )
                data = result.to_dict()
                expected = MODEL.dump_python(MODEL.validate_python(data), mode="json")
                body = JSONBytes(evaluation_document(result.to_dict())).body
                assert orjson.loads(body) == expected, (version.ref, scenario.id)
                checked += 1
    assert checked > 100


def test_the_encoded_trace_is_the_trace_orjson_would_encode(catalog: Catalog) -> None:
    """The evaluation routes encode the trace without building it as data (`Trace.to_json`):
    byte for byte what encoding `to_dict()` gives, for every golden scenario."""
    checked = 0
    for version in catalog:
        for scenario in version.scenarios:
            result = version.evaluate(scenario.answers, as_of=scenario_as_of(scenario), trace=True)
            assert result.trace is not None
            assert result.trace.to_json() == orjson.dumps(result.trace.to_list())
            encoded = JSONBytes(evaluation_document(result.to_dict(encoded_trace=True))).body
            plain = JSONBytes(evaluation_document(result.to_dict())).body
            assert encoded == plain, (version.ref, scenario.id)
            checked += 1
    assert checked > 100
