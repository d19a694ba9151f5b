"""The Jinja2 set-up every printable page shares: templates shipped inside a package, autoescape
on for every template, so a value from a person or a supplier is escaped, never trusted."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment  # imported at the first page printed, not at start-up


@cache
def environment(package: str) -> Environment:
    """The environment of the templates in `package`'s `templates` folder."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(package: str, template: str, **context: Any) -> str:
    return environment(package).get_template(template).render(**context)
