"""The control catalog loader and queries, on fixtures and on the shipped files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.controls import ControlCatalogError, load_controls
from app.questionnaires.catalog import DEFAULT_ROOT

FIXTURES = Path(__file__).parent / "fixtures"


def test_good_fixture_queries() -> None:
    catalog = load_controls(FIXTURES / "good")
    assert catalog.frameworks == ("iso-42001", "eu-ai-act")
    assert [c.id for c in catalog.list_controls("iso-42001")] == [
        "iso-42001:A.2.2",
        "iso-42001:A.5.2",
    ]
    assert len(catalog.list_controls()) == 4
    assert catalog.list_controls("nist-ai-rmf") == []
    fria = catalog.get("eu-ai-act:deployer.fria")
    assert fria is not None
    assert fria.applies_from is not None
    assert fria.applies_from.as_mapping() == {
        "original": date(2026, 8, 2),
        "omnibus": date(2027, 12, 2),
    }
    csam = catalog.get("eu-ai-act:all.prohibition-csam")
    assert csam is not None
    assert csam.applies_from is not None
    assert csam.applies_from.original is None
    assert catalog.get("iso-42001:A.9.9") is None
    (link,) = catalog.crosswalk("eu-ai-act:deployer.fria")
    assert (link.from_, link.to, link.kind) == (
        "iso-42001:A.5.2",
        "eu-ai-act:deployer.fria",
        "analyst",
    )
    assert catalog.crosswalk("iso-42001:A.2.2") == []


def test_bad_fixture_reports_every_problem() -> None:
    with pytest.raises(ControlCatalogError) as info:
        load_controls(FIXTURES / "bad")
    problems = {(p.file.split("/")[-1], p.pointer, p.message) for p in info.value.problems}
    pointers = {(f, ptr) for f, ptr, _ in problems}
    assert ("iso-42001.json", "/controls/1/id") in pointers  # duplicate id
    assert ("iso-42001.json", "/controls/2/id") in pointers  # wrong framework prefix
    assert ("iso-42001.json", "/controls/3/title") in pointers  # no English title
    assert ("eu-ai-act.json", "/controls/0") in pointers  # no applies_from, no roles
    assert ("crosswalk.json", "/0/to") in pointers  # unresolved id
    assert ("crosswalk.json", "/1/kind") in pointers  # not analyst|official


def test_shipped_control_catalog_is_valid() -> None:
    catalog = load_controls(DEFAULT_ROOT / "controls")
    assert "iso-42001" in catalog.frameworks
    a52 = catalog.get("iso-42001:A.5.2")
    assert a52 is not None
    assert a52.title["en"] == "AI system impact assessment process"
    for control in catalog.list_controls("eu-ai-act"):
        assert control.applies_from is not None, control.id
