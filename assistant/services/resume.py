"""Where a session carries on: a domain answer the app turns into a screen.

A finished session (or any session when the store is read-only) opens as its record; an
unfinished reflection resumes its conversation at the step its state names; an unfinished group
session resumes at its phase (presenting the case, the questions, or the close).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

if TYPE_CHECKING:
    from assistant.group import GroupSession
    from assistant.reflection import Conversation
    from assistant.services import Services

View = Literal["record", "reflection", "group-present", "group-questions", "group-close", "missing", "error"]
GROUP_VIEWS: dict[str, View] = {"present": "group-present", "questions": "group-questions"}


@dataclass(frozen=True)
class Resume:
    view: View
    session_id: str = ""
    conversation: "Conversation | None" = None
    group: "GroupSession | None" = None
    problem: str = ""  # why it cannot open (view "missing" or "error")
    warning: str = ""  # it opens, but the person should know something


def resume(services: "Services", session_id: str, clock: Callable[[], float]) -> Resume:
    """Which view a session opens in, with the loaded conversation or group session."""
    store = services.store
    session = store.get_session(session_id)
    if session is None:
        return Resume("missing", session_id, problem="That session no longer exists.")
    if session.status != "active" or store.readonly:
        return Resume("record", session.id)
    if session.kind == "group":
        return _resume_group(services, session.id, clock)
    from assistant.reflection import Conversation, ReflectionError

    try:
        conversation = Conversation.resume(store, session.id, services.flows, services.bank.framework)
    except ReflectionError as exc:
        return Resume("error", session.id, problem=str(exc))
    return Resume("reflection", session.id, conversation=conversation)


def _resume_group(services: "Services", session_id: str, clock: Callable[[], float]) -> Resume:
    from assistant.group import GroupError, GroupSession

    try:
        group = GroupSession.resume(services.store, session_id, services.bank, clock)
    except GroupError as exc:
        return Resume("error", session_id, problem=str(exc))
    warning = ("The case of this session is no longer in the case bank; everything recorded is kept."
               if group.case_missing else "")
    return Resume(GROUP_VIEWS.get(group.phase, "group-close"), session_id, group=group, warning=warning)
