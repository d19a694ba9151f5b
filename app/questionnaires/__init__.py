"""Questionnaires: the file format, the catalog (load, validate, hash, compile) and its routes."""

from app.questionnaires.catalog import (
    DEFAULT_ROOT,
    Catalog,
    CatalogError,
    QuestionnaireNotFoundError,
    QuestionnaireVersion,
    load_catalog,
)

__all__ = [
    "DEFAULT_ROOT",
    "Catalog",
    "CatalogError",
    "QuestionnaireNotFoundError",
    "QuestionnaireVersion",
    "load_catalog",
]
