"""Load, validate and query the control catalog (ISO/IEC 42001, EU AI Act, NIST AI RMF)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app import jsonpointer
from app.controls.models import (
    CALENDARS,
    FRAMEWORKS,
    Control,
    ControlFile,
    CrosswalkFile,
    CrosswalkLink,
)

_REF_PREFIX = {
    "iso-42001": "ISO/IEC 42001",
    "eu-ai-act": "EU AI Act",
    "nist-ai-rmf": "NIST AI RMF",
}


def pointer_of(loc: Iterable[int | str]) -> str:
    """A JSON pointer from a pydantic error location."""
    return jsonpointer.pointer(loc)


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A problem in one data file: file, JSON pointer and message."""

    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.pointer or '/'}: {self.message}"


class ControlCatalogError(ValueError):
    """The control catalog has problems; every one is listed."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def read_json(path: Path, problems: list[FileProblem], display: str) -> Any:
    """Parse a JSON file, recording a problem (and returning None) when it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(FileProblem(display, "", f"cannot read the file: {exc}"))
    except json.JSONDecodeError as exc:
        problems.append(
            FileProblem(display, "", f"not JSON: {exc.msg} (line {exc.lineno}, col {exc.colno})")
        )
    return None


def validation_problems(display: str, exc: ValidationError, prefix: str = "") -> list[FileProblem]:
    """One problem per pydantic error, located by JSON pointer (under `prefix`)."""
    return [
        FileProblem(display, prefix + pointer_of(err["loc"]), err["msg"])
        for err in exc.errors(include_url=False)
    ]


def _validate_file(
    raw: Any, name: str, problems: list[FileProblem]
) -> tuple[ControlFile, list[int]] | None:
    """Validate a framework file control by control, so one bad entry hides no other problem."""
    if not isinstance(raw, dict) or not isinstance(raw.get("controls"), list):
        try:
            whole = ControlFile.model_validate(raw)
        except ValidationError as exc:
            problems.extend(validation_problems(name, exc))
            return None
        return whole, list(range(len(whole.controls)))
    ok = True
    try:
        header = ControlFile.model_validate({**raw, "controls": []})
    except ValidationError as exc:
        problems.extend(validation_problems(name, exc))
        ok = False
    controls: list[Control] = []
    indices: list[int] = []
    for i, entry in enumerate(raw["controls"]):
        try:
            controls.append(Control.model_validate(entry))
            indices.append(i)
        except ValidationError as exc:
            problems.extend(validation_problems(name, exc, f"/controls/{i}"))
            ok = False
    if not ok:
        if raw.get("framework") not in FRAMEWORKS:
            return None
        # Still check what did parse, so duplicate or misplaced ids are reported too.
        partial = ControlFile.model_construct(
            framework=raw["framework"], title="", version="", controls=controls
        )
        return partial, indices
    return header.model_copy(update={"controls": controls}), indices


class ControlCatalog:
    """The immutable control catalog: every control by id, per framework, and the crosswalk."""

    def __init__(
        self,
        files: Mapping[str, ControlFile],
        links: Sequence[CrosswalkLink] = (),
    ) -> None:
        self.files = dict(files)
        self._by_id: dict[str, Control] = {}
        for framework in FRAMEWORKS:
            if framework in self.files:
                for control in self.files[framework].controls:
                    self._by_id.setdefault(control.id, control)
        self.links = tuple(links)
        self._links_by_id: dict[str, list[CrosswalkLink]] = {}
        for link in self.links:
            self._links_by_id.setdefault(link.from_, []).append(link)
            if link.to != link.from_:
                self._links_by_id.setdefault(link.to, []).append(link)

    @property
    def calendars(self) -> dict[str, str]:
        """The application calendars EU AI Act obligation dates are given under."""
        return dict(CALENDARS)

    @property
    def frameworks(self) -> tuple[str, ...]:
        """The frameworks loaded, in the catalog's order."""
        return tuple(f for f in FRAMEWORKS if f in self.files)

    def list_controls(self, framework: str | None = None) -> list[Control]:
        """Controls in file order, optionally of one framework."""
        if framework is None:
            return list(self._by_id.values())
        file = self.files.get(framework)
        return list(file.controls) if file is not None else []

    def get(self, control_id: str) -> Control | None:
        """A control by id, or None."""
        return self._by_id.get(control_id)

    def __contains__(self, control_id: object) -> bool:
        return control_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def crosswalk(self, control_id: str) -> list[CrosswalkLink]:
        """Every crosswalk link from or to a control."""
        return list(self._links_by_id.get(control_id, ()))


def load_controls(directory: Path, *, display_root: Path | None = None) -> ControlCatalog:
    """Load and validate `<directory>/<framework>.json` and `crosswalk.json`.

    Missing framework files are allowed (their ids then do not resolve); anything malformed
    raises `ControlCatalogError` listing every problem.
    """
    problems: list[FileProblem] = []
    base = display_root if display_root is not None else directory.parent

    def display(path: Path) -> str:
        try:
            return str(path.relative_to(base))
        except ValueError:
            return str(path)

    files: dict[str, ControlFile] = {}
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        name = display(path)
        if path.stem == "crosswalk":
            continue
        if path.stem not in FRAMEWORKS:
            problems.append(
                FileProblem(name, "", f"unknown framework file; expected one of {FRAMEWORKS}")
            )
            continue
        raw = read_json(path, problems, name)
        if raw is None:
            continue
        validated = _validate_file(raw, name, problems)
        if validated is None:
            continue
        file, indices = validated
        if file.framework != path.stem:
            problems.append(
                FileProblem(name, "/framework", f"'{file.framework}' does not match the file name")
            )
            continue
        problems.extend(_check_framework(name, file, indices, seen))
        files[file.framework] = file

    links: list[CrosswalkLink] = []
    crosswalk = directory / "crosswalk.json"
    if crosswalk.is_file():
        name = display(crosswalk)
        raw = read_json(crosswalk, problems, name)
        bare = isinstance(raw, list)
        if bare:
            raw = {"links": raw}
        prefix = "" if bare else "/links"
        if isinstance(raw, dict):
            entries = raw.get("links")
            try:
                CrosswalkFile.model_validate({**raw, "links": []})
            except ValidationError as exc:
                problems.extend(validation_problems(name, exc))
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                try:
                    links.append(CrosswalkLink.model_validate(entry))
                except ValidationError as exc:
                    problems.extend(validation_problems(name, exc, f"{prefix}/{i}"))
            problems.extend(_check_links(name, links, seen, prefix))
        elif raw is not None:
            problems.append(FileProblem(name, "", "expected an object with 'links'"))
    if problems:
        raise ControlCatalogError(problems)
    return ControlCatalog(files, links)


def _check_framework(
    name: str, file: ControlFile, indices: list[int], seen: dict[str, str]
) -> list[FileProblem]:
    out: list[FileProblem] = []
    eu = file.framework == "eu-ai-act"
    for i, control in zip(indices, file.controls, strict=True):
        here = f"/controls/{i}"
        if control.framework != file.framework:
            out.append(
                FileProblem(
                    name, f"{here}/id", f"'{control.id}' must start with '{file.framework}:'"
                )
            )
        if control.id in seen:
            out.append(
                FileProblem(
                    name, f"{here}/id", f"duplicate id '{control.id}' (first in {seen[control.id]})"
                )
            )
        else:
            seen[control.id] = name
        prefix = _REF_PREFIX[file.framework]
        if not control.ref.startswith(prefix):
            out.append(
                FileProblem(name, f"{here}/ref", f"a {file.framework} ref starts with '{prefix}'")
            )
        if eu and control.applies_from is None:
            out.append(
                FileProblem(
                    name,
                    here,
                    "an EU AI Act obligation needs 'applies_from' (its date under each calendar)",
                )
            )
        if eu and not control.roles:
            out.append(FileProblem(name, here, "an EU AI Act obligation names its 'roles'"))
        if not eu and (control.applies_from is not None or control.roles is not None):
            out.append(
                FileProblem(name, here, "'roles' and 'applies_from' are for EU AI Act entries only")
            )
    return out


def _check_links(
    name: str, links: Sequence[CrosswalkLink], seen: Mapping[str, str], prefix: str
) -> list[FileProblem]:
    out: list[FileProblem] = []
    pairs: set[tuple[str, str]] = set()
    for i, link in enumerate(links):
        here = f"{prefix}/{i}"
        for field, value in (("from", link.from_), ("to", link.to)):
            if value not in seen:
                out.append(FileProblem(name, f"{here}/{field}", f"unknown control '{value}'"))
        if (link.from_, link.to) in pairs:
            out.append(FileProblem(name, here, f"duplicate link {link.from_} -> {link.to}"))
        pairs.add((link.from_, link.to))
        if link.from_ == link.to:
            out.append(FileProblem(name, here, "a link must join two different controls"))
    return out
