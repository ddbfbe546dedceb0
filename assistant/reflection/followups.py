"""Whose actions a new reflection follows up, and which of them it asks about before its questions.

A reflection is about one child. Opening it with every open action on the machine (other
children's, and other people's from group sessions) buried its first question under a dozen
follow-ups that belonged elsewhere. So: every action has an owner; a reflection follows up
only its practitioner's own actions; those for the same case come first, one by one; the
practitioner's other open actions are offered once, as a single question, and never forced.
Group actions owned by someone else ('JT', 'team') are never followed up in a reflection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.store import Action, Session, Store

#: The owner of a reflection's actions while reflect has no setting for the practitioner's name.
SELF = "me"


def practitioner_of(meta: Mapping[str, Any]) -> str:
    """The practitioner a reflection belongs to: the one place that decides it.

    There is no setting for the practitioner's own name yet. When there is, it goes into a new
    reflection's meta as 'practitioner' (see `Conversation.start`) and everything follows.
    """
    name = " ".join(str(meta.get("practitioner") or "").split())
    return name or SELF


def owned_by(owner: str | None, practitioner: str) -> bool:
    """Is an action with this owner the practitioner's own?

    'me' is always the practitioner (reflect runs on their own laptop, and actions saved
    before a name was set say 'me'); an action saved without any owner came from a reflection.
    """
    if owner is None or not owner.strip():
        return True
    key = " ".join(owner.split()).casefold()
    return key in {SELF, practitioner.casefold()}


def case_of(meta: Mapping[str, Any]) -> str:
    """A session's case reference, compared without case or extra spaces ('' when none)."""
    return " ".join(str(meta.get("case_ref") or "").split()).casefold()


def same_case(ours: str, theirs: str) -> bool:
    """Only two references that are both there and equal are the same case; a missing one is another."""
    return bool(ours) and ours == theirs


@dataclass(frozen=True)
class Followups:
    """Ids of open actions: those asked about first (same case), and the others, offered once."""

    same_case: list[int]
    other: list[int]


def choose_followups(store: Store, meta: Mapping[str, Any]) -> Followups:
    """Split the practitioner's open actions by case, for a new reflection with this meta."""
    practitioner, ours = practitioner_of(meta), case_of(meta)
    sessions: dict[str, Session | None] = {}
    first: list[int] = []
    other: list[int] = []
    for action in store.open_actions():
        if not owned_by(action.owner, practitioner):
            continue
        (first if same_case(ours, _case_of_action(store, action, sessions)) else other).append(action.id)
    return Followups(first, other)


def _case_of_action(store: Store, action: Action, sessions: dict[str, Session | None]) -> str:
    if action.session_id not in sessions:
        sessions[action.session_id] = store.get_session(action.session_id)
    session = sessions[action.session_id]
    return case_of(session.meta) if session is not None else ""
