"""The `ai-incident-triage` questionnaire's answers as the incident's typed triage facts.

The deadline computation reads one set of facts, the incident's `triage`. Once a triage
assessment is answered on the incident, those facts are written only from its submitted answers
(`facts_from_answers`); a new triage starts from the current facts (`answers_from_facts`).
"""

from datetime import datetime
from typing import Any

from app.incidents.deadlines import Harm, OperatorRole, TriageFacts
from app.incidents.schemas import Triage
from app.views import view

TRIAGE_KEY = "ai-incident-triage"
NO_HARM = "none"
HARMS = frozenset(h.value for h in Harm)
ROLES = frozenset(r.value for r in OperatorRole)

# Yes/no questions whose answer is the fact of the same meaning (unanswered reads as no, as the
# typed facts default to no).
_FLAGS = {
    "widespread_infringement": "widespread_infringement",
    "sectoral_regime": "sectoral_regime",
    "gpai_systemic_risk": "gpai_systemic_risk",
    "personal_data_breach": "personal_data_breach",
    "nis2_entity": "nis2_in_scope",
}


def unanswered_facts(answers: dict[str, Any]) -> list[str]:
    """The questions a deadline depends on, left unanswered (1.0.0 has them optional). The
    questionnaire reads an unanswered one as unknown, the facts have no unknown for them: such a
    triage cannot write the facts (it would silently read "not known" as "no")."""
    return [item for item in _FLAGS if item not in answers]


def facts_from_answers(answers: dict[str, Any]) -> Triage:
    """The typed facts a submitted triage establishes (a disabled question is not answered)."""
    harms_answer = answers.get("harms")
    harms = [Harm(h) for h in harms_answer or [] if h in HARMS]
    serious: bool | None = None if harms_answer is None else bool(harms)
    role = answers.get("role")
    values: dict[str, Any] = {fact: answers.get(item) is True for item, fact in _FLAGS.items()}
    return Triage(
        serious=serious,
        harms=harms,
        high_risk_obligations_apply=answers.get("high_risk_applies"),
        role=OperatorRole(role) if role in ROLES else None,
        provider_reachable=(
            answers.get("provider_reachable") if role == OperatorRole.DEPLOYER else None
        ),
        nis2_significant=values["nis2_in_scope"] and answers.get("nis2_significant") is True,
        **values,
    )


def answers_from_facts(triage: Triage) -> dict[str, Any]:
    """The answers a new triage starts from: what is known so far. A "no" that is only the
    default is left unanswered, so the person answers it."""
    answers: dict[str, Any] = {item: True for item, fact in _FLAGS.items() if getattr(triage, fact)}
    if triage.serious is False:
        answers["harms"] = [NO_HARM]
    elif triage.harms:
        answers["harms"] = [h.value for h in triage.harms]
    if triage.high_risk_obligations_apply is not None:
        answers["high_risk_applies"] = triage.high_risk_obligations_apply
    if triage.role is not None:
        answers["role"] = triage.role.value
        if triage.role is OperatorRole.DEPLOYER and triage.provider_reachable is not None:
            answers["provider_reachable"] = triage.provider_reachable
    if triage.nis2_in_scope and triage.nis2_significant:
        answers["nis2_significant"] = True
    return answers


def deadline_facts(known: Triage, aware_at: datetime | None) -> TriageFacts:
    """The facts as the deadline computation takes them."""
    return view(TriageFacts, known, aware_at=aware_at, harms=frozenset(known.harms))
