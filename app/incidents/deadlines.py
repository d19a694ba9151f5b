"""Who must report an AI incident, to whom and by when: a pure function of the triage facts.

It reads no database and no clock; the caller passes the facts and gets every clock that runs,
each explained and cited. Periods in days are counted under Regulation (EEC, Euratom) No 1182/71
Art. 3 in UTC; periods in hours never move; Member-State public holidays are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final, Literal

NIS2 = "Directive (EU) 2022/2555 (NIS2)"
# A significant incident's two NIS2 clocks: id, hours after awareness, explanation, references.
_NIS2_CLOCKS: Final = (
    (
        "nis2_art23_early_warning",
        24,
        "Significant incident: early warning within 24 hours of awareness.",
        (f"{NIS2} Art. 23(4)(a)",),
    ),
    (
        "nis2_art23_notification",
        72,
        "Significant incident: incident notification within 72 hours of awareness (final report "
        "within one month after it).",
        (f"{NIS2} Art. 23(4)(b)", f"{NIS2} Art. 23(4)(d)"),
    ),
)


class OperatorRole(StrEnum):
    """The organisation's role for the AI system involved (Art. 3(3), 3(4))."""

    PROVIDER = "provider"
    DEPLOYER = "deployer"


class Harm(StrEnum):
    """The kinds of serious incident of Art. 3(49)(a)-(d); death is the gravest case of (a)."""

    DEATH = "death"
    HEALTH = "health"  # 3(49)(a)
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure"  # 3(49)(b)
    FUNDAMENTAL_RIGHTS = "fundamental_rights"  # 3(49)(c)
    PROPERTY_OR_ENVIRONMENT = "property_or_environment"  # 3(49)(d)


@dataclass(frozen=True)
class TriageFacts:
    """What the triage establishes. `None` means not known yet (never read as "no")."""

    aware_at: datetime | None
    serious: bool | None
    harms: frozenset[Harm] = frozenset()
    widespread_infringement: bool = False
    high_risk_obligations_apply: bool | None = None
    role: OperatorRole | None = None
    provider_reachable: bool | None = None
    sectoral_regime: bool = False  # MDR/IVDR devices or an equivalent sectoral regime
    gpai_systemic_risk: bool = False
    personal_data_breach: bool = False
    nis2_in_scope: bool = False
    nis2_significant: bool = False


class ClockStatus(StrEnum):
    DUE = "due"  # a latest date is known
    UNDETERMINED = "undetermined"  # a fact it needs is missing
    WITHOUT_FIXED_PERIOD = "without_fixed_period"  # "immediately" / "without undue delay" only


@dataclass(frozen=True)
class Clock:
    """One reporting duty: its stable `id`, recipient, latest moment and why."""

    id: str
    regime: str
    reporter: str
    recipient: str
    status: ClockStatus
    due_at: datetime | None
    period: str | None
    explanation: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    clocks: tuple[Clock, ...]
    notes: tuple[str, ...]
    undetermined: tuple[str, ...] = field(default_factory=tuple)


COUNTING_NOTE = (
    "Periods in days are counted under Regulation (EEC, Euratom) No 1182/71 Art. 3 on UTC "
    "calendar days: the day of awareness is not counted (3(1)), weekends count (3(3)), a period "
    "ending on a Saturday or Sunday ends at the end of the next working day (3(4)), a period of "
    "two days or more includes at least two working days (3(5)). Periods in hours never move. "
    "Member-State public holidays are not modelled: check the national calendar, which can only "
    "make a deadline later."
)
IMMEDIATE_NOTE = (
    "Art. 73(2): report immediately after establishing a causal link (or its reasonable "
    "likelihood); the date given is the latest. An initial, incomplete report may be made first "
    "and completed later (Art. 73(5))."
)


def _is_working_day(day: date) -> bool:
    return day.weekday() < 5  # Member-State holidays are not modelled


def count_days(event: datetime, days: int) -> datetime:
    """The end of a period of `days` days starting from `event`, under 1182/71 Art. 3."""
    start = event.astimezone(UTC).date() + timedelta(days=1)  # 3(1): the event's day not counted
    last = start + timedelta(days=days - 1)  # 3(3): every calendar day counts
    while not _is_working_day(last):  # 3(4): moves to the next working day
        last += timedelta(days=1)
    if days >= 2:  # 3(5): at least two working days
        while (
            sum(_is_working_day(start + timedelta(n)) for n in range((last - start).days + 1)) < 2
        ):
            last += timedelta(days=1)
            while not _is_working_day(last):
                last += timedelta(days=1)
    # 3(2)(b): the period ends with the expiry of the last hour of its last day.
    return datetime.combine(last, time(23, 59, 59), tzinfo=UTC)


def count_hours(event: datetime, hours: int) -> datetime:
    """A period in hours: never moved by weekends or holidays (1182/71 Art. 3(4) is about days)."""
    return event.astimezone(UTC) + timedelta(hours=hours)


def _clock(
    facts: TriageFacts,
    *,
    id: str,
    regime: str,
    reporter: str,
    recipient: str,
    period: tuple[int, Literal["days", "hours"]],
    explanation: str,
    refs: tuple[str, ...],
) -> Clock:
    """A clock of `period` from awareness (days count as `count_days` says); undetermined
    without the date of awareness."""
    count, unit = period
    status, due_at = ClockStatus.UNDETERMINED, None
    if facts.aware_at is None:
        explanation += " Undetermined: the date of awareness is missing."
    else:
        status = ClockStatus.DUE
        due_at = (count_days if unit == "days" else count_hours)(facts.aware_at, count)
    return Clock(
        id, regime, reporter, recipient, status, due_at, f"{count} {unit}", explanation, refs
    )


def _article_73(facts: TriageFacts, reporter: str) -> tuple[list[Clock], list[str]]:
    """The Art. 73 report to the market surveillance authority, with its shortest period."""
    harms = facts.harms
    notes: list[str] = []
    if facts.sectoral_regime:
        if Harm.FUNDAMENTAL_RIGHTS not in harms:
            notes.append(
                "Art. 73(9)-(10): under the medical-device regulations or an equivalent sectoral "
                "regime only Art. 3(49)(c) infringements are reported under the AI Act; this "
                "incident is reported under the sectoral regime instead."
            )
            return [], notes
        harms = frozenset({Harm.FUNDAMENTAL_RIGHTS})
        notes.append(
            "Art. 73(9)-(10): sectoral regime; only the Art. 3(49)(c) infringement is reported "
            "under the AI Act (other harms go through the sectoral regime)."
        )
    if facts.widespread_infringement or Harm.CRITICAL_INFRASTRUCTURE in harms:
        days, ref, why = (
            2,
            "EU AI Act Art. 73(3)",
            (
                "Widespread infringement or serious disruption of critical infrastructure "
                "(Art. 3(49)(b)): report at the latest 2 days after awareness."
            ),
        )
    elif Harm.DEATH in harms:
        days, ref, why = (
            10,
            "EU AI Act Art. 73(4)",
            ("Death of a person: report at the latest 10 days after awareness."),
        )
    else:
        days, ref, why = (
            15,
            "EU AI Act Art. 73(2)",
            ("Serious incident: report at the latest 15 days after awareness."),
        )
    clock = _clock(
        facts,
        id="ai_act_art73",
        regime="EU AI Act",
        reporter=reporter,
        recipient="market surveillance authority of the Member State where it occurred",
        period=(days, "days"),
        explanation=f"{why} {IMMEDIATE_NOTE}",
        refs=(ref, "EU AI Act Art. 73(2)", "EU AI Act Art. 73(5)", "EU AI Act Art. 3(49)"),
    )
    return [clock], notes


def _ai_act(facts: TriageFacts) -> tuple[list[Clock], list[str], list[str]]:
    clocks: list[Clock] = []
    notes: list[str] = []
    undetermined: list[str] = []
    if facts.serious is None:
        undetermined.append("serious: whether it is a serious incident (Art. 3(49)) is not known")
        return clocks, notes, undetermined
    if not facts.serious:
        notes.append("Not a serious incident under Art. 3(49): no AI Act reporting clock runs.")
        return clocks, notes, undetermined
    if facts.gpai_systemic_risk:
        clocks.append(
            Clock(
                "ai_act_art55",
                "EU AI Act",
                "provider of the general-purpose AI model",
                "AI Office and, as appropriate, national competent authorities",
                ClockStatus.WITHOUT_FIXED_PERIOD,
                None,
                None,
                "GPAI model with systemic risk: track, document and report the serious incident "
                "and possible corrective measures without undue delay (no period in days is set).",
                ("EU AI Act Art. 55(1)(c)",),
            )
        )
    if facts.high_risk_obligations_apply is None:
        undetermined.append(
            "high_risk_obligations_apply: whether the high-risk obligations apply to the system "
            "(Art. 73 binds high-risk systems only) is not known"
        )
        return clocks, notes, undetermined
    if not facts.high_risk_obligations_apply:
        notes.append(
            "Art. 73 binds providers of high-risk AI systems; the high-risk obligations do not "
            "apply to this system (under its calendar), so no Art. 73 clock runs."
        )
        return clocks, notes, undetermined
    if facts.role is None:
        undetermined.append("role: provider or deployer is not known")
        return clocks, notes, undetermined
    if facts.role is OperatorRole.PROVIDER:
        found, more = _article_73(facts, "provider")
        return clocks + found, notes + more, undetermined
    clocks.append(
        Clock(
            "ai_act_art26_5",
            "EU AI Act",
            "deployer",
            "provider of the AI system",
            ClockStatus.WITHOUT_FIXED_PERIOD,
            None,
            None,
            "Deployer: inform the provider immediately, then the importer or distributor and the "
            "market surveillance authority; suspend use where there is a risk.",
            ("EU AI Act Art. 26(5)",),
        )
    )
    if facts.provider_reachable is None:
        undetermined.append(
            "provider_reachable: whether the provider can be reached (Art. 26(5)) is not known"
        )
    elif not facts.provider_reachable:
        found, more = _article_73(facts, "deployer (provider unreachable, Art. 26(5))")
        clocks += found
        notes += more
        notes.append("Art. 26(5): the provider cannot be reached, so the deployer reports itself.")
    return clocks, notes, undetermined


def compute(facts: TriageFacts) -> Outcome:
    """Every reporting clock that runs for these facts, with notes and missing facts."""
    clocks, notes, undetermined = _ai_act(facts)
    if facts.personal_data_breach:
        clocks.append(
            _clock(
                facts,
                id="gdpr_art33",
                regime="GDPR",
                reporter="controller",
                recipient="supervisory authority (data protection)",
                period=(72, "hours"),
                explanation="Personal data breach: notify without undue delay and, where "
                "feasible, within 72 hours of awareness, unless unlikely to result in a risk.",
                refs=("GDPR Art. 33(1)",),
            )
        )
    if facts.nis2_in_scope and facts.nis2_significant:
        clocks += [
            _clock(
                facts,
                id=clock_id,
                regime="NIS2",
                reporter="essential or important entity",
                recipient="CSIRT or competent authority",
                period=(hours, "hours"),
                explanation=explanation,
                refs=refs,
            )
            for clock_id, hours, explanation, refs in _NIS2_CLOCKS
        ]
    if facts.aware_at is None and clocks:
        undetermined.append("aware_at: no deadline is computed without the date of awareness")
    return Outcome(tuple(clocks), (*notes, COUNTING_NOTE), tuple(undetermined))
