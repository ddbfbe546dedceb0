"""Settings: the practitioner's own name, set once and copied into each new reflection."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Static

from assistant.tui.context import UsesServices
from assistant.tui.widgets import FORM_BINDINGS


ABOUT_NAME = ("Your name goes into each new reflection you start, so its supervision record can be "
              "signed off by you and your supervisor, and its actions are yours. Reflections you "
              "have already written keep the name they were written with.")


class SettingsScreen(UsesServices, Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+s", "save", "Save", priority=True),
                *FORM_BINDINGS]

    def compose(self) -> ComposeResult:
        from assistant.reflection.details import MAX_NAME_CHARS, practitioner_name

        yield Header()
        with VerticalScroll(id="settings"):
            yield Label("Your name")
            yield Input(practitioner_name(self.services.store), placeholder="e.g. Alex Jones",  # type: ignore[attr-defined]
                        id="practitioner", max_length=MAX_NAME_CHARS)
            yield Static(ABOUT_NAME, id="settings-help")
            with Horizontal(id="settings-buttons"):
                yield Button("Save (Ctrl+S)", id="save", variant="primary", compact=True)
                yield Button("Back (Esc)", id="back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#practitioner", Input).focus()

    @on(Input.Submitted, "#practitioner")
    def action_save(self) -> None:
        from assistant.reflection.details import DetailsError, set_practitioner_name
        from assistant.store import StoreError

        try:
            name = set_practitioner_name(self.services.store, self.query_one("#practitioner", Input).value)  # type: ignore[attr-defined]
        except (DetailsError, StoreError) as exc:
            self.notify(f"Not saved: {exc}", severity="error", markup=False)
            return
        self.notify(f"Saved: new reflections are by {name}." if name else "Saved: no name is set.", markup=False)
        self.dismiss()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "back":
            self.dismiss()
