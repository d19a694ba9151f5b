"""Localised text: pick a language from Accept-Language and resolve texts with English fallback."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

FALLBACK: Final = "en"


def is_localized_text(value: object) -> bool:
    """True for a localised text map (has 'en', every value a string)."""
    return (
        isinstance(value, dict)
        and FALLBACK in value
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


def languages_in(value: Any) -> set[str]:
    """Every language some localised text inside `value` is written in."""
    out: set[str] = set()
    if is_localized_text(value):
        out.update(value)
    elif isinstance(value, dict):
        for v in value.values():
            out |= languages_in(v)
    elif isinstance(value, list):
        for v in value:
            out |= languages_in(v)
    return out


def pick_language(accept_language: str | None, available: Iterable[str]) -> str:
    """The best available language for an Accept-Language header (RFC 9110), else English.

    Exact tags win over a shared primary subtag ("de-AT" takes "de"); q=0 excludes.
    """
    avail = {a.lower(): a for a in available}
    if not accept_language:
        return FALLBACK
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag = pieces[0].lower()
        if not tag:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, val = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, position, tag))
    for _, _, tag in sorted(ranges):
        if tag == "*":
            return FALLBACK
        if tag in avail:
            return avail[tag]
        primary = tag.split("-")[0]
        if primary in avail:
            return avail[primary]
        for lower, original in avail.items():
            if lower.split("-")[0] == primary:
                return original
    return FALLBACK


def text_in(value: dict[str, str], language: str) -> str:
    """One localised text in `language`, falling back to English."""
    return value.get(language) or value[FALLBACK]


def localize(value: Any, language: str) -> Any:
    """A copy of a JSON value with every localised text map replaced by its text in `language`."""
    if is_localized_text(value):
        return text_in(value, language)
    if isinstance(value, dict):
        return {k: localize(v, language) for k, v in value.items()}
    if isinstance(value, list):
        return [localize(v, language) for v in value]
    return value
