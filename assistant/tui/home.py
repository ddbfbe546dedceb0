"""The home screen: start, resume, past sessions, the case bank, help."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from assistant.textsafe import one_line
from assistant.tui import messages
from assistant.tui.widgets import text
from assistant.tui.context import UsesServices

WELCOME = ("Reflect on a piece of your work with a child after supervision. "
           "reflect asks the take-away questions for your stage of work, follows up on what good "
           "practice expects, and shows case illustrations like yours as you write.")


class HomeScreen(UsesServices, Screen[None]):
    BINDINGS = [
        Binding("n", "new", "New reflection"),
        Binding("r", "resume_latest", "Resume latest"),
        Binding("g", "group", "Group session"),
        Binding("p", "past", "Past sessions"),
        Binding("b", "browse", "Case bank"),
        Binding("s", "settings", "Settings"),
        Binding("question_mark", "app.help", "Help", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(WELCOME, id="welcome")
            with Vertical(id="home-buttons"):
                yield Button("New reflection  (n)", id="new", variant="primary", compact=True)
                yield Button("Group session  (g)", id="group", compact=True)
                yield Button("Past sessions  (p)", id="past", compact=True)
                yield Button("Browse the case bank  (b)", id="browse", compact=True)
                yield Button("Settings  (s)", id="settings", compact=True)
                yield Button("Help  (F1)", id="help", compact=True)
            yield Static("Unfinished sessions: pick one (or press r for the latest) to carry on where you "
                         "stopped.", id="resume-title")
            yield OptionList(id="resume")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.call_after_refresh(self.refresh_resume)

    def on_mount(self) -> None:
        self.query_one("#resume-title", Static).display = False
        self.query_one("#resume", OptionList).display = False
        self.query_one("#new", Button).focus()
        self.call_after_refresh(self.refresh_resume)  # opening the store waits until the screen shows

    def refresh_resume(self) -> None:
        store = self.services.store  # type: ignore[attr-defined]
        options = self.query_one("#resume", OptionList)
        options.clear_options()
        active = store.list_sessions(status="active")
        titles = {f.id: f.title for f in self.services.flows}  # type: ignore[attr-defined]
        for session in active:
            first = one_line(session.first_answer or "nothing written yet", 60)
            what = "group session" if session.kind == "group" else titles.get(session.flow, session.flow)
            label = text(f"{session.created_at[:10]} · {what} · {session.title or 'untitled'} · {first}")
            options.add_option(Option(label, id=session.id))
        self.query_one("#resume-title", Static).display = bool(active)
        options.display = bool(active)
        if active:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#resume")
    def resume(self, event: OptionList.OptionSelected) -> None:
        self.post_message(messages.OpenSession(str(event.option.id)))

    def action_resume_latest(self) -> None:
        active = self.services.store.list_sessions(status="active")  # type: ignore[attr-defined]
        if not active:
            self.notify("There is no unfinished session to carry on.")
            return
        self.post_message(messages.OpenSession(active[0].id))

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        actions = {"new": self.action_new, "group": self.action_group, "past": self.action_past,
                   "browse": self.action_browse, "settings": self.action_settings,
                   "help": self.app.action_help}  # type: ignore[attr-defined]
        if event.button.id in actions:
            actions[event.button.id]()

    def action_new(self) -> None:
        self.post_message(messages.NewReflection())

    def action_group(self) -> None:
        self.post_message(messages.NewGroupSession())

    def action_past(self) -> None:
        self.post_message(messages.ShowSessions())

    def action_browse(self) -> None:
        self.post_message(messages.ShowBrowser())

    def action_settings(self) -> None:
        self.post_message(messages.ShowSettings())
