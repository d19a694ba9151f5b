"""The questionnaire command line (through a local entry point calling `register`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from app.questionnaires.cli import register


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="app")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


def test_lint_clean_scratch_copy(scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["questionnaires", "lock", "--root", str(scratch)]) == 0
    assert run(["questionnaires", "lint", str(scratch)]) == 0
    assert "0 problem(s) in 1 loaded" in capsys.readouterr().out


def test_lint_prints_every_problem(scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scratch / "ai-use-triage" / "1.0.0.json"
    data = json.loads(path.read_text())
    data["scoring"]["default_tier"] = "nowhere"
    data["scoring"]["rules"][0]["when"] = {"==": [{"var": "ghost"}, 1]}
    path.write_text(json.dumps(data))
    assert run(["questionnaires", "lint", str(scratch)]) == 1
    out = capsys.readouterr().out
    assert "questionnaires/ai-use-triage/1.0.0.json:/scoring/default_tier: unknown tier" in out
    assert "/scoring/rules/0/when/==/0/var: unknown item 'ghost'" in out


def test_score_prints_the_result(
    tmp_path: Path, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"answers": {"uses_ai": "no"}, "as_of": "2026-01-01"}))
    for argv in (["score"], ["questionnaires", "score"]):
        assert run([*argv, "ai-use-triage@1.0.0", str(answers), "--root", str(scratch)]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["tier"] == "register_only"
        assert result["as_of"] == "2026-01-01"
        assert result["questionnaire"]["key"] == "ai-use-triage"


def test_score_rejects_invalid_answers(
    tmp_path: Path, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"uses_ai": "perhaps", "ghost": 1}))
    assert (
        run(
            [
                "score",
                "ai-use-triage",
                str(answers),
                "--root",
                str(scratch),
                "--as-of",
                "2026-11-27",
            ]
        )
        == 1
    )
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert {e["pointer"] for e in errors} == {"/answers/uses_ai", "/answers/ghost"}


def test_score_unknown_questionnaire(
    tmp_path: Path, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{}")
    assert run(["score", "nope@1.0.0", str(answers), "--root", str(scratch)]) == 2
    assert "no questionnaire 'nope'" in capsys.readouterr().out
