"""The texts of the e-mails sent to supplier contacts (the outbox delivers them)."""

from __future__ import annotations

from datetime import date


def invitation_email(
    *,
    organization: str,
    supplier: str,
    questionnaire_title: str,
    due_date: date,
    message: str,
    link: str,
    expires: date,
) -> tuple[str, str]:
    """Subject and body of an invitation."""
    note = f"\n{message.strip()}\n" if message.strip() else ""
    body = (
        f"Hello,\n\n{organization} asks {supplier} to answer the questionnaire "
        f'"{questionnaire_title}" by {due_date.isoformat()}.\n{note}\n'
        f"Open it here (no account needed):\n\n    {link}\n\n"
        f"The link opens only this questionnaire and works until {expires.isoformat()}. "
        "Keep it to yourself: anyone with it can answer in your name.\n"
    )
    return f"{organization}: AI supplier questionnaire due {due_date.isoformat()}", body


def reminder_email(
    *, organization: str, questionnaire_title: str, due_date: date, overdue: bool
) -> tuple[str, str]:
    """Subject and body of a reminder (it carries no link: only the token's hash is kept)."""
    if overdue:
        subject = f"{organization}: your AI supplier questionnaire is overdue"
        lead = f'The questionnaire "{questionnaire_title}" was due on {due_date.isoformat()}.'
    else:
        subject = f"{organization}: AI supplier questionnaire due {due_date.isoformat()}"
        lead = (
            f'A reminder: the questionnaire "{questionnaire_title}" is due on '
            f"{due_date.isoformat()}."
        )
    body = (
        f"Hello,\n\n{lead}\n\nPlease finish it through the link in the invitation e-mail from "
        f"{organization}. If you cannot find it, ask your contact there to send a new one.\n"
    )
    return subject, body
