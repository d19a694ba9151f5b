"""FastAPI dependencies of the questionnaire routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.questionnaires.catalog import Catalog


async def get_catalog(request: Request) -> Catalog:
    """The catalog loaded at start-up (``app.state.catalog``)."""
    catalog = request.app.state.catalog
    if not isinstance(catalog, Catalog):
        raise RuntimeError("app.state.catalog is not a loaded questionnaire Catalog")
    return catalog


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
