"""Start-up checks every questionnaire version but keeps only its source: the typed model, the
compiled program and the golden scenarios are built when first read (a worker holds only the
versions it serves), and what is built then is what the checks passed."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from app.main import create_app
from app.questionnaires.build import PARSED_KEPT
from app.questionnaires.catalog import DEFAULT_ROOT, Catalog, CatalogError, load_catalog
from app.settings import Settings
from tests.factories import scenario

KEY = "ai-use-triage"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The control catalog and every version of one questionnaire, as shipped."""
    root = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT / "controls", root / "controls")
    shutil.copytree(DEFAULT_ROOT / KEY, root / KEY)
    return root


def test_a_loaded_catalog_holds_no_version_built(root: Path) -> None:
    catalog = load_catalog(root)
    assert len(list(catalog)) == 3
    assert all(version.built == frozenset() for version in catalog)
    assert [s.title for s in catalog.summaries()] == [catalog.get(KEY).model.title]


def test_building_the_app_builds_no_version(root: Path, tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/empty.db", questionnaires_dir=root)
    app = create_app(settings)
    assert [v.built for v in app.state.catalog] == [frozenset()] * 3


def test_a_version_is_built_when_read_and_only_that_version(root: Path) -> None:
    catalog = load_catalog(root)
    latest = catalog.get(KEY)
    golden = scenario(KEY, latest.version)
    result = latest.evaluate(golden["answers"], as_of=date(2026, 11, 27))
    assert result.tier == golden["expect"]["tier"]
    assert latest.built == {"parsed", "program"}
    assert [v.built for v in catalog if v is not latest] == [frozenset(), frozenset()]
    latest.forget()
    assert latest.built == frozenset()
    assert latest.evaluate(golden["answers"], as_of=date(2026, 11, 27)).tier == result.tier


def test_a_catalog_keeps_a_bounded_number_of_versions_parsed(catalog: Catalog) -> None:
    titles = [version.model.title for version in catalog]
    assert len(titles) > PARSED_KEPT
    assert sum("parsed" in version.built for version in catalog) <= PARSED_KEPT
    first = next(iter(catalog))
    assert "parsed" not in first.built
    assert first.model.title == titles[0]


def test_the_scenarios_are_read_only_when_asked_for(root: Path) -> None:
    version = load_catalog(root).get(KEY)
    assert "scenarios" not in version.built
    assert version.scenarios[0].id == scenario(KEY, version.version)["id"]
    assert "scenarios" in version.built


def test_start_up_still_refuses_logic_that_does_not_compile(root: Path) -> None:
    path = root / KEY / "1.0.0.json"
    text = path.read_text(encoding="utf-8")
    tier = '"tier": "'
    at = text.index(tier, text.index('"rules"')) + len(tier)
    path.write_text(text[:at] + "no_such_tier" + text[text.index('"', at) :], encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown tier 'no_such_tier'"):
        load_catalog(root)
