"""Help: the words live in prompts/help.md."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown

from assistant.paths import PROMPTS_DIR


class HelpScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="help"):
            yield Markdown((PROMPTS_DIR / "help.md").read_text(encoding="utf-8"), open_links=False)
        yield Footer()
