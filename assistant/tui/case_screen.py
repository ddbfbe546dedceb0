"""Reading one case illustration: calm, full text, nothing else competing for attention."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from assistant.casebank.model import Case
from assistant.textsafe import plain


def case_text(case: Case, warnings: list[str] | None = None) -> Text:
    """The whole case as one renderable, every part of it shown literally."""
    out = Text()
    out.append(plain(case.title) + "\n", style="bold")
    child = ", ".join(p for p in (case.child.name, f"{case.child.age}", case.child.gender) if p)
    out.append(f"{case.stage_label} · {case.strand} · {', '.join(case.themes)}\n", style="dim")
    out.append(plain(f"{child} · {case.disposal} · {'; '.join(case.offences)}") + "\n", style="dim")
    sections = [("Case summary", case.summary), ("Inspector comments", case.inspector_comments)]
    for heading, body in sections:
        out.append(f"\n{heading}\n", style="bold underline")
        out.append(plain(body) + "\n")
    for heading, items in (("Important learning", case.learning), ("Questions to take away", case.questions),
                           ("Further reading", case.further_reading)):
        if items:
            out.append(f"\n{heading}\n", style="bold underline")
            for item in items:
                out.append("• " + plain(item) + "\n")
    if warnings is not None:  # None: not checked (a practitioner reading); []: checked, all well
        out.append("\nChecks for trainers\n", style="bold underline")
        for warning in warnings:
            out.append("! " + plain(warning) + "\n", style="yellow")
        if not warnings:
            out.append("No identifiers, near duplicates or findability problems found.\n", style="green")
    return out


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
