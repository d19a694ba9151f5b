"""The `subject` of a questionnaire: an AI system by default, or the organisation itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from app.questionnaires.catalog import DEFAULT_ROOT, Catalog, load_catalog_with_problems


def test_subjects_of_the_catalog(catalog: Catalog) -> None:
    subjects = {s.key: s.subject for s in catalog.summaries()}
    assert subjects["aims-readiness"] == "organization"
    assert {k for k, v in subjects.items() if v == "organization"} == {"aims-readiness"}
    assert subjects["post-market-monitoring"] == "ai_system"


def test_an_organisation_level_version_declares_no_plan_nor_prefill(scratch: Path) -> None:
    source = DEFAULT_ROOT / "aims-readiness"
    (scratch / "aims-readiness").mkdir()
    for name in ("1.0.0.json", "1.0.0.scenarios.json"):
        shutil.copy(source / name, scratch / "aims-readiness" / name)
    path = scratch / "aims-readiness" / "1.0.0.json"
    document = json.loads(path.read_text())
    document["status"] = "draft"  # a draft: the lock of the published file does not apply
    document["plan"] = {"required_when": [{"every_system": True}]}
    path.write_text(json.dumps(document))
    _, problems = load_catalog_with_problems(scratch)
    found = {
        (p.pointer, p.message) for p in problems if p.file.endswith("aims-readiness/1.0.0.json")
    }
    assert (
        "/plan",
        "not for an organisation-level questionnaire (subject 'organization')",
    ) in found


def test_the_questionnaire_list_names_each_subject(catalog: Catalog) -> None:
    # Files written before `subject` existed are about an AI system: their hashes are unchanged.
    triage = next(s for s in catalog.summaries() if s.key == "ai-use-triage")
    assert triage.subject == "ai_system"
