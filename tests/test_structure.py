"""The shape of the code: no module in app/ over 800 lines, no function over 80, and imports
between app/ packages that follow the one-way flow of the design (../shared/DESIGN.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Final

APP: Final = Path(__file__).resolve().parents[1] / "app"
MAX_MODULE_LINES: Final = 800
MAX_FUNCTION_LINES: Final = 80

# Over the limits today and being split by the restructuring of the HTTP side (suppliers,
# assessments and people services, the app factory) and by their owners (the audit chain's
# verification, the portfolio's standing). This allowlist must be empty: remove an entry as
# soon as its module or function is within the limits.
OVERSIZED_ALLOWLIST: Final[frozenset[str]] = frozenset()

# Which app/ packages each package may import (DESIGN.md's "may import" column, and what it
# may import in turn: data moves one way). Where the page and the code differ, this is the
# code's truth: the page has no row for `audit` and `organizations`, whose people part the page
# calls "people (or organizations grown)"; the audit log is keyed by organisation and every
# organisation change is audited, so the two import each other. `portfolio` also reads
# incidents (counts on a system's standing) and people (who holds a task).
MAY_IMPORT: Final[dict[str, frozenset[str]]] = {
    "rules": frozenset(),
    "controls": frozenset(),
    # The outbox's worker sends webhook rows with the webhooks package's signer and pinned
    # transport, which writes its rows to the outbox: one infrastructure pair, no domain.
    "delivery": frozenset({"webhooks"}),
    "webhooks": frozenset({"delivery", "audit"}),
    "audit": frozenset({"organizations"}),
    "organizations": frozenset({"audit"}),
    "people": frozenset({"organizations"}),
    "systems": frozenset(),
    "questionnaires": frozenset({"rules", "controls"}),
    "assessments": frozenset({"questionnaires", "rules", "controls", "systems"}),
    "suppliers": frozenset({"assessments", "organizations"}),
    "incidents": frozenset({"assessments", "systems"}),
    "portfolio": frozenset({"assessments", "suppliers", "controls", "incidents", "people"}),
    # Exports of the catalog and of a system's approved results (and their control records).
    "oscal": frozenset({"assessments", "controls", "systems", "portfolio"}),
    # Shared counters (rate limits) in the database or Redis: infrastructure, no domain.
    "counters": frozenset(),
}
# Every domain writes to these; they import no domain ("domains write to it").
SINKS: Final = frozenset({"audit", "delivery", "webhooks", "counters"})
# The composition modules wire every part together.
COMPOSITION: Final = frozenset({"main.py", "__main__.py", "tables.py"})
# Imports against the flow today, in files the restructuring of the HTTP side owns. This
# allowlist must be empty: remove an entry as soon as the import is gone.
IMPORT_ALLOWLIST: Final[frozenset[tuple[str, str]]] = frozenset()


def _modules() -> Iterator[Path]:
    yield from sorted(APP.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(APP.parent).as_posix()


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _functions(path: Path) -> Iterator[tuple[str, int]]:
    """Every function and method with its length in lines (signature to last line)."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            yield node.name, node.end_lineno - node.lineno + 1


def _sizes() -> dict[str, int]:
    """Every module and function over the limits, with its length."""
    over: dict[str, int] = {}
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            over[_name(path)] = lines
        for function, length in _functions(path):
            if length > MAX_FUNCTION_LINES:
                over[f"{_name(path)}:{function}"] = length
    return over


def test_no_module_over_800_lines_and_no_function_over_80() -> None:
    over = _sizes()
    new = {name: length for name, length in over.items() if name not in OVERSIZED_ALLOWLIST}
    assert not new, f"split these (limits {MAX_MODULE_LINES} / {MAX_FUNCTION_LINES}): {new}"


def test_the_size_allowlist_holds_only_what_is_still_over() -> None:
    stale = OVERSIZED_ALLOWLIST - set(_sizes())
    assert not stale, f"within the limits now, remove from OVERSIZED_ALLOWLIST: {sorted(stale)}"


def _closure(package: str) -> frozenset[str]:
    seen: set[str] = set()
    todo = [package]
    while todo:
        for allowed in MAY_IMPORT.get(todo.pop(), frozenset()):
            if allowed not in seen:
                seen.add(allowed)
                todo.append(allowed)
    return frozenset(seen)


def _imported_packages(path: Path) -> Iterator[str]:
    """The app/ packages a module imports (at the top, inside functions or for type checking)."""
    for node in ast.walk(_tree(path)):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "app" and (APP / parts[1]).is_dir():
                yield parts[1]


def _violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in _modules():
        parts = path.relative_to(APP).parts
        if len(parts) == 1:
            if parts[0] in COMPOSITION:
                continue
            # A top-level module (settings, db, errors, auth, ...) imports no domain package.
            allowed: frozenset[str] = frozenset()
            package = None
        else:
            package = parts[0]
            assert package in MAY_IMPORT, f"app/{package}/ has no row in MAY_IMPORT"
            allowed = _closure(package) | (frozenset() if package in SINKS else SINKS)
        for imported in _imported_packages(path):
            if imported != package and imported not in allowed:
                found.add((_name(path), imported))
    return found


def test_imports_between_packages_follow_the_design() -> None:
    wrong = _violations() - IMPORT_ALLOWLIST
    assert not wrong, f"imports against the one-way flow of DESIGN.md: {sorted(wrong)}"


def test_the_import_allowlist_holds_only_what_is_still_imported() -> None:
    stale = IMPORT_ALLOWLIST - _violations()
    assert not stale, f"gone now, remove from IMPORT_ALLOWLIST: {sorted(stale)}"


def test_the_rule_engine_imports_nothing_of_the_app() -> None:
    """Not even the top-level modules other packages share."""
    package = "rules"
    for path in (APP / package).rglob("*.py"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")
                assert top[0] != "app" or top[1] == package, f"{_name(path)}: {node.module}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")
                    assert top[0] != "app" or top[1] == package, f"{_name(path)}: {alias.name}"
