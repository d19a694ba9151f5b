"""Fixtures: the real catalog, and a scratch copy of the questionnaire folder to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.questionnaires.catalog import DEFAULT_ROOT, Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DEFAULT_ROOT)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of the control catalog and version 1.0.0 of the triage questionnaire only."""
    root = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT / "controls", root / "controls")
    (root / "ai-use-triage").mkdir()
    for name in ("1.0.0.json", "1.0.0.scenarios.json"):
        shutil.copy(DEFAULT_ROOT / "ai-use-triage" / name, root / "ai-use-triage" / name)
    return root
