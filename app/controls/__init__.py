"""The control catalog: ISO/IEC 42001 Annex A, EU AI Act obligations, NIST AI RMF, crosswalks."""

from app.controls.catalog import (
    ControlCatalog,
    ControlCatalogError,
    FileProblem,
    load_controls,
)
from app.controls.models import CALENDARS, FRAMEWORKS, Control, CrosswalkLink

__all__ = [
    "CALENDARS",
    "FRAMEWORKS",
    "Control",
    "ControlCatalog",
    "ControlCatalogError",
    "CrosswalkLink",
    "FileProblem",
    "load_controls",
]
