"""FastAPI dependencies of the questionnaire routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.deps import app_state
from app.questionnaires.catalog import Catalog

# The catalog loaded at start-up (``app.state.catalog``).
get_catalog = app_state("catalog", Catalog)
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
