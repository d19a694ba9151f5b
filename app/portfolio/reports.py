"""Printable HTML of the portfolio (Statement of Applicability, dossier) from Jinja2 templates
with autoescape on: every value from a person or a supplier is escaped, never trusted."""

from __future__ import annotations

from typing import Any

from app import templating


def render(template: str, **context: Any) -> str:
    return templating.render("app.portfolio", template, **context)
