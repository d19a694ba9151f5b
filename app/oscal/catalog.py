"""The control catalog as an OSCAL catalog: one group per framework, one control per entry.

Titles and summaries are the catalog's own paraphrases (no ISO text); `label` carries the
citation (e.g. "ISO/IEC 42001 A.6.2.4"), crosswalk links become `related` links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.controls.catalog import ControlCatalog
from app.controls.models import Control
from app.oscal.ids import NAMESPACE, control_token, require_trestle, stable_uuid

TITLE = "AI governance controls: ISO/IEC 42001 Annex A, EU AI Act obligations, NIST AI RMF"


def _props(control: Control) -> list[Any]:
    from trestle.oscal.common import Property

    props = [
        Property(name="label", value=control.ref),
        Property(name="control-id", ns=NAMESPACE, value=control.id),
    ]
    if control.group:
        props.append(Property(name="category", ns=NAMESPACE, value=control.group))
    for role in control.roles or []:
        props.append(Property(name="role", ns=NAMESPACE, value=role))
    if control.applies_from is not None:
        for calendar, day in control.applies_from.as_mapping().items():
            if day is not None:
                props.append(
                    Property(
                        name="applies-from", ns=NAMESPACE, class_=calendar, value=day.isoformat()
                    )
                )
    return props


def _control(control: Control, catalog: ControlCatalog) -> Any:
    from trestle.oscal.catalog import Control as OscalControl
    from trestle.oscal.common import Link, Part

    token = control_token(control.id)
    summary = (control.summary or {}).get("en")
    links = [
        Link(
            href="#" + control_token(link.to if link.from_ == control.id else link.from_),
            rel="related",
            text=f"crosswalk ({link.kind})",
        )
        for link in catalog.crosswalk(control.id)
    ]
    return OscalControl(
        id=token,
        class_=control.framework,
        title=control.title["en"],
        props=_props(control),
        parts=[Part(id=f"{token}_smt", name="statement", prose=summary)] if summary else None,
        links=links or None,
    )


def build_catalog(catalog: ControlCatalog, *, generated_at: datetime, version: str) -> Any:
    """The OSCAL catalog (a trestle model: constructing it validates it)."""
    require_trestle()
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal.catalog import Catalog, Group2
    from trestle.oscal.common import Metadata, Property

    groups = []
    for framework in catalog.frameworks:
        file = catalog.files[framework]
        groups.append(
            Group2(  # a group of controls (Group1 holds groups)
                id=framework,
                class_="framework",
                title=file.title,
                props=[Property(name="version", ns=NAMESPACE, value=file.version)],
                controls=[_control(c, catalog) for c in file.controls] or None,
            )
        )
    editions = ", ".join(f"{f} {catalog.files[f].version}" for f in catalog.frameworks)
    return Catalog(
        uuid=stable_uuid("catalog", editions),
        metadata=Metadata(
            title=TITLE,
            last_modified=generated_at,
            version=f"{version} ({editions})",
            oscal_version=OSCAL_VERSION,
            remarks=(
                "Exported by the AI assessment service. Titles and summaries paraphrase the "
                "provisions named in each control's label; they are not the standards' text."
            ),
        ),
        groups=groups or None,
    )
