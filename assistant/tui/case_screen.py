"""Reading one case illustration: calm, full text, nothing else competing for attention."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from assistant.casebank.model import Case
from assistant.tui.widgets import case_text


class CaseScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("p", "pin", "Pin to my log")]

    def __init__(self, case: Case, on_pin: Callable[[], None] | None = None, warnings: list[str] | None = None) -> None:
        super().__init__()
        self.case = case
        self.on_pin = on_pin
        self.warnings = warnings

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="reader"):
            yield Static(case_text(self.case, self.warnings), id="case-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reader").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.on_pin is not None if action == "pin" else True

    def action_pin(self) -> None:
        if self.on_pin is not None:
            self.on_pin()
