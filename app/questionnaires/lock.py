"""The lock of released versions: questionnaires/lock.json maps key@version to its hashes.

Published (and retired) versions are immutable. `update_lock` adds newly released versions and
refuses to change an entry already locked; `lock_mismatches` finds released files that changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from app.controls import FileProblem
from app.controls.catalog import read_json
from app.questionnaires.version import Catalog

LockEntries = dict[str, dict[str, str]]


LOCK_FILE: Final = "lock.json"


class LockError(ValueError):
    """The lock cannot be updated without changing a locked entry."""


def lock_path(root: Path) -> Path:
    """Where the lock of a questionnaire folder lives."""
    return root / LOCK_FILE


def read_lock(root: Path, problems: list[FileProblem] | None = None) -> LockEntries:
    """The committed lock (empty when there is none yet)."""
    path = lock_path(root)
    if not path.exists():
        return {}
    sink: list[FileProblem] = [] if problems is None else problems
    raw = read_json(path, sink, f"{root.name}/{LOCK_FILE}")
    if not isinstance(raw, dict):
        if raw is not None:
            sink.append(FileProblem(f"{root.name}/{LOCK_FILE}", "", "the lock is a JSON object"))
        return {}
    return {
        str(k): {"content_hash": str(v.get("content_hash")), "logic_hash": str(v.get("logic_hash"))}
        for k, v in raw.items()
        if isinstance(v, dict)
    }


def lock_entries(catalog: Catalog) -> LockEntries:
    """The entries the released versions of a catalog need."""
    return {
        v.ref: {"content_hash": v.content_hash, "logic_hash": v.logic_hash}
        for v in catalog
        if v.released
    }


def lock_mismatches(catalog: Catalog) -> list[FileProblem]:
    """Released versions whose hashes differ from the lock, and locked versions that vanished."""
    problems: list[FileProblem] = []
    locked = read_lock(catalog.root, problems)
    loaded = {v.ref: v for v in catalog}
    for ref, entry in sorted(locked.items()):
        key, _, version = ref.partition("@")
        current = loaded.get(ref)
        if current is None:
            if not (catalog.root / key / f"{version}.json").exists():
                problems.append(
                    FileProblem(
                        f"{catalog.root.name}/{LOCK_FILE}",
                        f"/{ref}",
                        "a locked version is missing; released versions are never deleted",
                    )
                )
            continue
        for which in ("content_hash", "logic_hash"):
            if entry[which] != getattr(current, which):
                problems.append(
                    FileProblem(
                        current.file,
                        "",
                        f"{ref} is {current.status} and locked, but its {which} changed "
                        f"({entry[which][:12]}… -> {getattr(current, which)[:12]}…); "
                        "publish a new version instead of editing this one",
                    )
                )
    return problems


def missing_from_lock(catalog: Catalog) -> list[FileProblem]:
    """Released versions not yet in the lock."""
    locked = read_lock(catalog.root)
    return [
        FileProblem(
            v.file,
            "",
            f"{v.ref} is {v.status} but not in lock.json; run `python -m app questionnaires lock`",
        )
        for v in catalog
        if v.released and v.ref not in locked
    ]


def update_lock(catalog: Catalog) -> list[str]:
    """Add newly released versions to the lock; return their refs. Never changes an entry."""
    problems = lock_mismatches(catalog)
    if problems:
        raise LockError("\n".join(str(p) for p in problems))
    locked = read_lock(catalog.root)
    new = {ref: e for ref, e in lock_entries(catalog).items() if ref not in locked}
    added = list(new)
    merged = {**locked, **new}
    text = json.dumps(dict(sorted(merged.items())), indent=2) + "\n"
    path = lock_path(catalog.root)
    if added or not path.exists():
        path.write_text(text, encoding="utf-8")
    return added
