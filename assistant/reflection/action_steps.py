"""The words of the action steps of a reflection, and the small readings behind them.

Kept apart from the conversation so that what is asked about actions (follow-ups, the offer
of other open actions, a due date that could not be read) and what is said back (the status
read from an answer, the dates read) can be read in one place. Everything here is plain text
for the screen to show as data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.reflection.action_status import Status, StatusWords
from assistant.reflection.actions import ParsedAction
from assistant.reflection.dates import find_due, say
from assistant.store import Action, Turn

STATUS_QUESTION = "Is that action done, or will you carry it on? Reply done, carry on, or drop."
STATUS_AGAIN = "reply done, carry on, or drop"
OFFER_AGAIN = "reply now to review them, or later to leave them open"
SAID_BACK: dict[str, str] = {
    "done": "Noted as done: \u201c{text}\u201d.",
    "carried": "Noted as carried on: \u201c{text}\u201d comes up again next time.",
    "dropped": "Noted as dropped: \u201c{text}\u201d.",
}


def followup_question(action: Action) -> str:
    due = f" (due {say(action.due)})" if action.due else ""
    return f"Last time you planned to: \u201c{action.text.rstrip('.')}\u201d{due}. How did it go?"


def offer_question(count: int) -> str:
    """One question for the practitioner's other open actions, so they are never forced."""
    if count == 1:
        return "1 other open action: review it now, or later?"
    return f"{count} other open actions: review them now, or later?"


def due_question(item: ParsedAction) -> str:
    return f"\u201c{item.text}\u201d: {cannot_read(item.unreadable or '')}"


def cannot_read(written: str) -> str:
    return f"I couldn't read '{written}' as a date; when is it due? (or leave it without a date)"


def status_said_back(status: Status, action: Action) -> str:
    return SAID_BACK[status].format(text=action.text.rstrip("."))


def dates_said_back(items: list[ParsedAction]) -> str:
    """Each new action with the day it is due (or none), so a misreading is seen at once.

    An action whose date could not be read is left out: it is asked about next.
    """
    return "\n".join(due_said_back(item.text, item.due) for item in items if not item.unreadable)


def due_said_back(text: str, due: dt.date | None) -> str:
    return f"Due {say(due)}: \u201c{text}\u201d" if due else f"No due date: \u201c{text}\u201d"


def written_on(turn: Turn) -> dt.date:
    """The day an answer was written (the store's clock, in local time): relative dates count from it."""
    try:
        return dt.datetime.fromisoformat(turn.created_at).astimezone().date()
    except ValueError:
        return dt.date.today()


@dataclass(frozen=True)
class DueReply:
    """An answer to 'when is it due?': a date, or none on purpose; `unreadable` when neither."""

    date: dt.date | None
    unreadable: str | None = None


def read_due_reply(answer: str, today: dt.date, status_words: StatusWords) -> DueReply:
    """A date first ('31/03', 'next Friday'), then 'no date' and the like; else unreadable."""
    found = find_due(answer, today, reply=True)
    if found is not None:
        return DueReply(found.date, None if found.readable else found.written)
    if status_words.means_no_date(answer):
        return DueReply(None)
    return DueReply(None, " ".join(answer.split())[:60])
