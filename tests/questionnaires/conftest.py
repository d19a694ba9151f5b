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
    """A copy of the control catalog and the triage questionnaire only."""
    root = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT / "controls", root / "controls")
    shutil.copytree(DEFAULT_ROOT / "ai-use-triage", root / "ai-use-triage")
    return root
