"""What screens ask the app to do: the app owns navigation, so screens never import each other.

A screen posts one of these; it bubbles up to `ReflectApp`, which decides what to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from textual.message import Message

if TYPE_CHECKING:
    from assistant.casebank.model import Case
    from assistant.reflection import Conversation


class Navigate(Message):
    """The base of every navigation request."""


class NewReflection(Navigate):
    """Open the start form for a new reflection."""


class NewGroupSession(Navigate):
    """Open the setup of a group session."""


class ShowSessions(Navigate):
    """Open the list of past sessions."""


class ShowBrowser(Navigate):
    """Open the case bank browser."""


class ShowSettings(Navigate):
    """Open the settings (the practitioner's own name)."""


class GoHome(Navigate):
    """Back to the home screen, closing everything above it."""


class OpenSession(Navigate):
    """Carry on an unfinished session where it stopped, or show a finished one's record."""

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id


class ReflectionStarted(Navigate):
    """A new reflection was created: the conversation replaces the start form."""

    def __init__(self, conversation: "Conversation") -> None:
        super().__init__()
        self.conversation = conversation


class ShowRecord(Navigate):
    """Show a session's log or record; `replace` when the session just finished."""

    def __init__(self, session_id: str, *, replace: bool = False) -> None:
        super().__init__()
        self.session_id = session_id
        self.replace = replace


class SessionFinished(ShowRecord):
    """A session ended: its record replaces the screen it ended on."""

    def __init__(self, session_id: str) -> None:
        super().__init__(session_id, replace=True)


class ShowCase(Navigate):
    """Read one case illustration (with trainer warnings, and a pin action when reflecting)."""

    def __init__(self, case: "Case", warnings: list[str] | None = None,
                 on_pin: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.case = case
        self.warnings = warnings  # None: not checked (a practitioner reading); []: checked, all well
        self.on_pin = on_pin
