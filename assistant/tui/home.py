"""The home screen: start, resume, past sessions, the case bank, help."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from assistant.textsafe import one_line
from assistant.tui.widgets import text

WELCOME = ("Reflect on a piece of your work with a child after supervision. "
           "reflect asks the take-away questions for your stage of work, follows up on what good "
           "practice expects, and shows case illustrations like yours as you write.")


def start_reflection(app: App) -> None:
    from assistant.tui.start_screen import StartScreen

    app.push_screen(StartScreen())


def open_sessions(app: App) -> None:
    from assistant.tui.sessions_screen import SessionsScreen

    app.push_screen(SessionsScreen())


def open_browser(app: App) -> None:
    from assistant.tui.browse_screen import BrowseScreen

    app.push_screen(BrowseScreen())


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "new", "New reflection"),
        Binding("r", "resume_latest", "Resume latest"),
        Binding("p", "past", "Past sessions"),
        Binding("b", "browse", "Case bank"),
        Binding("question_mark", "app.help", "Help", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(WELCOME, id="welcome")
            with Vertical(id="home-buttons"):
                yield Button("New reflection  (n)", id="new", variant="primary")
                yield Button("Past sessions  (p)", id="past")
                yield Button("Browse the case bank  (b)", id="browse")
                yield Button("Help  (F1)", id="help")
            yield Static("Unfinished reflections: pick one (or press r for the latest) to carry on where you "
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
        store = self.app.services.store  # type: ignore[attr-defined]
        options = self.query_one("#resume", OptionList)
        options.clear_options()
        active = store.list_sessions(kind="reflection", status="active")
        for session in active:
            first = one_line(session.first_answer or "no answer yet", 60)
            label = text(f"{session.created_at[:10]} · {session.flow} · {session.title or 'untitled'} · {first}")
            options.add_option(Option(label, id=session.id))
        self.query_one("#resume-title", Static).display = bool(active)
        options.display = bool(active)
        if active:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#resume")
    def resume(self, event: OptionList.OptionSelected) -> None:
        self.open_reflection(str(event.option.id))

    def action_resume_latest(self) -> None:
        active = self.app.services.store.list_sessions(kind="reflection", status="active")  # type: ignore[attr-defined]
        if not active:
            self.notify("There is no unfinished reflection to carry on.")
            return
        self.open_reflection(active[0].id)

    def open_reflection(self, session_id: str) -> None:
        from assistant.reflection import Conversation, ReflectionError
        from assistant.tui.reflection_screen import ReflectionScreen

        services = self.app.services  # type: ignore[attr-defined]
        try:
            conversation = Conversation.resume(services.store, session_id, services.flows,
                                               services.bank.framework)
        except ReflectionError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.app.push_screen(ReflectionScreen(conversation))

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        actions = {"new": self.action_new, "past": self.action_past, "browse": self.action_browse,
                   "help": self.app.action_help}  # type: ignore[attr-defined]
        if event.button.id in actions:
            actions[event.button.id]()

    def action_new(self) -> None:
        start_reflection(self.app)

    def action_past(self) -> None:
        open_sessions(self.app)

    def action_browse(self) -> None:
        open_browser(self.app)
