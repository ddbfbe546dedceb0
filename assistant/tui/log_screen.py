"""The log preview: the Markdown log as it will be exported, with export keys."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Markdown, Static

from assistant.textsafe import plain
from assistant.tui import messages
from assistant.tui.widgets import text


class LogScreen(Screen[None]):
    BINDINGS = [
        Binding("m", "export('md')", "Export Markdown"),
        Binding("h", "export('html')", "Export HTML"),
        Binding("escape", "home", "Home"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("The record of this session. Export it to keep it, file it, or take it to supervision.",
                     id="log-intro")
        with VerticalScroll(id="log-preview"):
            yield Markdown(self.render_log(), open_links=False, id="log-markdown")
        with Horizontal(id="log-buttons"):
            yield Button("Export Markdown (m)", id="export-md", variant="primary")
            yield Button("Export HTML (h)", id="export-html")
            yield Button("Home (Esc)", id="go-home")
        yield Static("", id="exported")
        yield Footer()

    def render_log(self) -> str:
        from assistant.services.export import render_session

        services = self.app.services  # type: ignore[attr-defined]
        log = render_session(services.store, self.session_id, "md", services.flows, services.bank,
                             services.user_templates if services.user_templates.is_dir() else None)
        return plain(log)  # a pasted escape sequence must not reach the terminal through the preview

    def action_export(self, fmt: str) -> None:
        exported = self.app.services.export_session(self.session_id, (fmt,))  # type: ignore[attr-defined]
        if exported.error:
            self.notify(exported.error, severity="error", markup=False)
            return
        path = exported.paths[0]
        self.query_one("#exported", Static).update(text(f"Saved: {path}"))
        self.notify(f"Saved {path.name}", markup=False)

    def action_home(self) -> None:
        self.post_message(messages.GoHome())

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-md":
            self.action_export("md")
        elif event.button.id == "export-html":
            self.action_export("html")
        elif event.button.id == "go-home":
            self.action_home()
