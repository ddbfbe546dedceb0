"""The reflect terminal app."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from assistant.paths import Paths


class ReflectApp(App[None]):
    TITLE = "reflect"
    SUB_TITLE = "reflective practice for youth justice"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, paths: Paths) -> None:
        super().__init__()
        self.paths = paths

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("The guided reflection is on its way. Meanwhile, try `reflect search --help`.", id="welcome")
        yield Footer()


def run_app(paths: Paths) -> None:
    ReflectApp(paths).run()
