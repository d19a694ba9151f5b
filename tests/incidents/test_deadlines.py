"""Every branch of the reporting-deadline computation (pure: no database, no clock)."""

from datetime import UTC, datetime

from app.incidents.deadlines import (
    ClockStatus,
    Harm,
    OperatorRole,
    TriageFacts,
    compute,
    count_days,
    count_hours,
)

# 2026-12-02 is a Wednesday; 2026-12-04 a Friday.
WED = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
THU = datetime(2026, 12, 3, 10, 30, tzinfo=UTC)
FRI = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=UTC)


def provider(**kw: object) -> TriageFacts:
    base: dict[str, object] = {
        "aware_at": WED,
        "serious": True,
        "harms": frozenset({Harm.HEALTH}),
        "high_risk_obligations_apply": True,
        "role": OperatorRole.PROVIDER,
    }
    base.update(kw)
    return TriageFacts(**base)  # type: ignore[arg-type]


def clock(facts: TriageFacts, clock_id: str):  # type: ignore[no-untyped-def]
    found = {c.id: c for c in compute(facts).clocks}
    assert clock_id in found, sorted(found)
    return found[clock_id]


def test_fifteen_days_from_the_day_after_awareness() -> None:
    c = clock(provider(), "ai_act_art73")
    # Day 1 is Thu 3 Dec; day 15 is Thu 17 Dec (a working day, no move).
    assert c.due_at == end_of(2026, 12, 17)
    assert c.period == "15 days"
    assert "EU AI Act Art. 73(2)" in c.refs
    assert "EU AI Act Art. 73(5)" in c.refs


def test_ten_days_for_a_death() -> None:
    c = clock(provider(harms=frozenset({Harm.DEATH, Harm.HEALTH})), "ai_act_art73")
    # Day 10 is Sat 12 Dec: Art. 3(4) moves it to Mon 14 Dec.
    assert c.due_at == end_of(2026, 12, 14)
    assert c.refs[0] == "EU AI Act Art. 73(4)"


def test_two_days_for_critical_infrastructure() -> None:
    c = clock(provider(harms=frozenset({Harm.CRITICAL_INFRASTRUCTURE})), "ai_act_art73")
    assert c.due_at == end_of(2026, 12, 4)  # Thu 3 + Fri 4
    assert c.refs[0] == "EU AI Act Art. 73(3)"


def test_two_days_for_a_widespread_infringement_beats_a_death() -> None:
    facts = provider(harms=frozenset({Harm.DEATH}), widespread_infringement=True)
    assert clock(facts, "ai_act_art73").period == "2 days"


def test_a_period_ending_on_a_weekend_ends_on_the_next_working_day() -> None:
    # Aware Thursday: 2 days are Fri 4 and Sat 5 -> the end moves to Mon 7 (3(4));
    # Fri and Mon are the two working days of 3(5).
    assert count_days(THU, 2) == end_of(2026, 12, 7)
    # 15 days from Fri 20 Nov end on Sat 5 Dec -> Mon 7 Dec.
    assert count_days(datetime(2026, 11, 20, 9, tzinfo=UTC), 15) == end_of(2026, 12, 7)


def test_a_two_day_period_spanning_a_weekend_has_two_working_days() -> None:
    # Aware Friday: Sat and Sun are the two days; 3(4) gives Mon, which is one working day;
    # 3(5) needs two, so Tuesday.
    facts = provider(aware_at=FRI, harms=frozenset({Harm.CRITICAL_INFRASTRUCTURE}))
    assert clock(facts, "ai_act_art73").due_at == end_of(2026, 12, 8)


def test_the_day_of_awareness_is_not_counted_whatever_the_hour() -> None:
    late = datetime(2026, 12, 2, 23, 59, tzinfo=UTC)
    early = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert count_days(late, 15) == count_days(early, 15) == end_of(2026, 12, 17)


def test_hours_never_move_across_a_weekend() -> None:
    assert count_hours(FRI, 72) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # Monday 16:00
    assert count_hours(FRI, 24) == datetime(2026, 12, 5, 16, 0, tzinfo=UTC)  # Saturday
    facts = provider(
        aware_at=FRI, personal_data_breach=True, nis2_in_scope=True, nis2_significant=True
    )
    assert clock(facts, "gdpr_art33").due_at == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    assert clock(facts, "nis2_art23_early_warning").due_at == datetime(2026, 12, 5, 16, tzinfo=UTC)
    assert clock(facts, "nis2_art23_notification").due_at == datetime(2026, 12, 7, 16, tzinfo=UTC)


def test_nis2_needs_an_entity_in_scope_and_a_significant_incident() -> None:
    ids = {c.id for c in compute(provider(nis2_in_scope=True)).clocks}
    assert not any(i.startswith("nis2") for i in ids)
    ids = {c.id for c in compute(provider(nis2_significant=True)).clocks}
    assert not any(i.startswith("nis2") for i in ids)


def test_sectoral_regime_reports_only_fundamental_rights_infringements() -> None:
    outcome = compute(provider(sectoral_regime=True, harms=frozenset({Harm.DEATH})))
    assert outcome.clocks == ()
    assert any("73(9)-(10)" in n for n in outcome.notes)
    both = provider(sectoral_regime=True, harms=frozenset({Harm.DEATH, Harm.FUNDAMENTAL_RIGHTS}))
    # Only 3(49)(c) counts: 15 days, not the 10 of a death.
    assert clock(both, "ai_act_art73").period == "15 days"


def test_deployer_informs_the_provider_and_does_not_report_while_it_is_reachable() -> None:
    facts = provider(role=OperatorRole.DEPLOYER, provider_reachable=True)
    ids = [c.id for c in compute(facts).clocks]
    assert ids == ["ai_act_art26_5"]
    first = clock(facts, "ai_act_art26_5")
    assert first.status is ClockStatus.WITHOUT_FIXED_PERIOD
    assert first.recipient.startswith("provider")


def test_deployer_reports_under_article_73_when_the_provider_cannot_be_reached() -> None:
    facts = provider(role=OperatorRole.DEPLOYER, provider_reachable=False)
    c = clock(facts, "ai_act_art73")
    assert c.reporter.startswith("deployer")
    assert c.due_at == end_of(2026, 12, 17)


def test_deployer_with_unknown_reachability_is_undetermined() -> None:
    outcome = compute(provider(role=OperatorRole.DEPLOYER))
    assert any(u.startswith("provider_reachable") for u in outcome.undetermined)


def test_no_deadline_is_computed_without_awareness() -> None:
    outcome = compute(provider(aware_at=None, personal_data_breach=True))
    assert {c.status for c in outcome.clocks} == {ClockStatus.UNDETERMINED}
    assert all(c.due_at is None for c in outcome.clocks)
    assert any(u.startswith("aware_at") for u in outcome.undetermined)


def test_not_serious_runs_no_ai_act_clock_but_gdpr_still_runs() -> None:
    outcome = compute(provider(serious=False, personal_data_breach=True))
    assert [c.id for c in outcome.clocks] == ["gdpr_art33"]


def test_unknown_seriousness_is_undetermined() -> None:
    outcome = compute(provider(serious=None))
    assert outcome.clocks == ()
    assert outcome.undetermined[0].startswith("serious")


def test_not_high_risk_runs_no_article_73() -> None:
    outcome = compute(provider(high_risk_obligations_apply=False))
    assert outcome.clocks == ()
    assert any("Art. 73 binds" in n for n in outcome.notes)
    unknown = compute(provider(high_risk_obligations_apply=None))
    assert unknown.undetermined[0].startswith("high_risk_obligations_apply")


def test_unknown_role_is_undetermined() -> None:
    assert compute(provider(role=None)).undetermined[0].startswith("role")


def test_gpai_systemic_risk_reports_to_the_ai_office() -> None:
    facts = provider(gpai_systemic_risk=True, high_risk_obligations_apply=False)
    c = clock(facts, "ai_act_art55")
    assert c.refs == ("EU AI Act Art. 55(1)(c)",)
    assert c.due_at is None


def test_every_result_says_holidays_are_not_modelled() -> None:
    assert any("public holidays are not modelled" in n for n in compute(provider()).notes)
