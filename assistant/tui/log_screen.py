"""The log preview: the Markdown log as it will be exported, with keys to export, file and copy it."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Label, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from assistant.textsafe import one_line, plain
from assistant.tui import messages
from assistant.tui.widgets import text
from assistant.tui.context import UsesServices

#: What each export is called on this screen (its key is the first letter in brackets).
EXPORTS = {"md": "Markdown (m)", "html": "HTML (h)", "cpd": "CPD entry (c)", "supervision": "Supervision (s)"}


class TurnPicker(UsesServices, ModalScreen["str | None"]):
    """Pick one turn of the session to copy; dismissed with its text, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, turns: list[tuple[str, str]]) -> None:
        super().__init__()
        self.turns = turns

    def compose(self) -> ComposeResult:
        with Vertical(id="turn-picker"):
            yield Label("Copy which turn? Enter copies it; Esc goes back.")
            options: list[Option | None] = []
            for i, (who, body) in enumerate(self.turns):
                options += [None] if options else []  # a rule between turns: a long one wraps
                options.append(Option(text(f"{who}: {one_line(body, 200)}"), id=str(i)))
            yield OptionList(*options, id="turn-options")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.turns[int(str(event.option.id))][1])


class LogScreen(UsesServices, Screen[None]):
    BINDINGS = [
        Binding("m", "export('md')", "Markdown"),
        Binding("h", "export('html')", "HTML"),
        Binding("c", "export('cpd')", "CPD entry"),
        Binding("s", "export('supervision')", "Supervision record"),
        Binding("y", "copy_log", "Copy log"),
        Binding("t", "copy_turn", "Copy a turn"),
        Binding("escape", "home", "Home"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.log_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("The record of this session. Export it to keep it, file it (a CPD entry, a supervision "
                     "record), or take it to supervision.", id="log-intro")
        with VerticalScroll(id="log-preview"):
            yield Markdown(self.render_log(), open_links=False, id="log-markdown")
        with Horizontal(classes="log-buttons"):
            yield Label("Export:", classes="log-buttons-label")
            for fmt, label in EXPORTS.items():
                yield Button(label, id=f"export-{fmt}", compact=True, variant="primary" if fmt == "md" else "default")
        with Horizontal(classes="log-buttons"):
            yield Label("Copy:", classes="log-buttons-label")
            yield Button("Whole log (y)", id="copy-log", compact=True)
            yield Button("One turn (t)", id="copy-turn", compact=True)
            yield Button("Home (Esc)", id="go-home", compact=True)
        yield Static("", id="exported")
        yield Footer()

    def render_log(self) -> str:
        from assistant.services.export import render_session

        services = self.services
        log = render_session(services.store, self.session_id, "md", services.flows, services.bank,
                             services.user_templates if services.user_templates.is_dir() else None)
        self.log_text = plain(log)  # a pasted escape sequence must not reach the terminal through the preview
        return self.log_text

    def action_export(self, fmt: str) -> None:
        exported = self.services.export_session(self.session_id, (fmt,))  # type: ignore[attr-defined]
        if exported.error:
            self.notify(exported.error, severity="error", markup=False)
            return
        path = exported.paths[0]
        self.query_one("#exported", Static).update(saved_line(path))
        self.notify(f"Saved {path.name}", markup=False)
        for warning in exported.warnings:
            self.notify(warning[:1].upper() + warning[1:], title="Before you file it", severity="warning",
                        timeout=15, markup=False)

    def action_copy_log(self) -> None:
        """The whole log, as Markdown, for pasting into an email or a case note."""
        self.app.copy_to_clipboard(self.log_text)
        self.notify(f"Copied the whole log to the clipboard ({len(self.log_text):,} characters).", markup=False)

    def action_copy_turn(self) -> None:
        from assistant.reflection.log import copyable_turns

        turns = [(t.who, plain(t.text)) for t in copyable_turns(self.services.store, self.session_id)]  # type: ignore[attr-defined]
        if not turns:
            self.notify("This session has nothing to copy yet.")
            return

        def copy(chosen: str | None) -> None:
            if chosen is not None:
                self.app.copy_to_clipboard(chosen)
                self.notify(f"Copied to the clipboard: “{one_line(chosen, 60)}”", markup=False)

        self.app.push_screen(TurnPicker(turns), copy)

    def action_home(self) -> None:
        self.post_message(messages.GoHome())

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button.startswith("export-"):
            self.action_export(button.removeprefix("export-"))
        elif button == "copy-log":
            self.action_copy_log()
        elif button == "copy-turn":
            self.action_copy_turn()
        elif button == "go-home":
            self.action_home()


def saved_line(path: Path) -> Text:
    """'Saved NAME in FOLDER', the folder shortened with ~ and folded rather than cut at the edge."""
    folder = str(path.parent)
    home = str(Path.home())
    if home != "/" and (folder == home or folder.startswith(home + "/")):
        folder = "~" + folder[len(home):]
    line = text(f"Saved {path.name} in {folder}")
    line.overflow = "fold"
    return line
