"""`python -m app score` prints what `POST .../evaluate` answers, for the same answers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.__main__ import main
from app.questionnaires.catalog import DEFAULT_ROOT

CASES = [
    ("eu-ai-act-classification", "2.1.0"),
    ("ai-use-triage", "1.0.0"),
    ("ai-supplier", "1.0.0"),
]


def _scenarios(key: str, version: str) -> list[dict[str, object]]:
    raw = json.loads((DEFAULT_ROOT / key / f"{version}.scenarios.json").read_text())
    scenarios: list[dict[str, object]] = raw["scenarios"] if isinstance(raw, dict) else raw
    return scenarios


@pytest.mark.parametrize(("key", "version"), CASES)
async def test_score_prints_the_evaluate_response(
    key: str,
    version: str,
    client: httpx.AsyncClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for scenario in _scenarios(key, version)[:3]:
        body = {"answers": scenario["answers"], "as_of": "2026-09-01"}
        answers = tmp_path / "answers.json"
        answers.write_text(json.dumps(body), encoding="utf-8")
        assert main(["score", f"{key}@{version}", str(answers)]) == 0
        printed = capsys.readouterr().out
        answered = await client.post(
            f"/v1/questionnaires/{key}/versions/{version}/evaluate", json=body
        )
        assert answered.status_code == 200, answered.text
        assert json.loads(printed) == answered.json()
