"""The reflect terminal app: home screen first, the model warming in a background worker."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Iterable

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from assistant.paths import Paths
from assistant.services import Services
from assistant.tui import messages
from assistant.tui.jobs import Jobs, job

if TYPE_CHECKING:
    from assistant.services.resume import Resume


class ReflectApp(Jobs, App[None]):
    TITLE = "reflect"
    SUB_TITLE = "reflective practice for youth justice"
    CSS_PATH = "app.tcss"
    JOB_NAMES = {"warm_search": "Loading the case search"}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("ctrl+l", "toggle_dark", "Light/dark", show=False),
    ]

    def __init__(self, paths: Paths, services: Services | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.paths = paths
        self.services = services or Services(paths)
        self.clock = clock  # group session timers read this; tests move it by hand
        self.animation_level = "none"
        self.theme = "textual-dark"

    def get_default_screen(self) -> Screen:
        from assistant.tui.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        # After the first frame: the warm-up competes for the interpreter, and the person should
        # see the home screen before anything else happens.
        self.call_after_refresh(self.warm_search)
        self.call_after_refresh(self.check_store)
        self.set_interval(5.0, self.finish_scrub)

    def check_store(self) -> None:
        """Say once, plainly, when sessions cannot be saved (a damaged, read-only or foreign folder)."""
        self.services.store  # opened here, off the first frame
        if self.services.store_problem:
            self.notify(f"Sessions cannot be saved: {self.services.store_problem}", title="Read-only",
                        severity="error", timeout=30, markup=False)

    def finish_scrub(self) -> None:
        """Finish removing deleted text from the database files once another reader lets go."""
        store = self.services.__dict__.get("store")
        if store is not None and store.scrub_pending:
            store.finish_scrub()

    @job("embedder")
    def warm_search(self) -> tuple[str, list[str]]:
        """Load the case index and the model while the person reads the first screen."""
        self.services.warm()
        return self.services.search_error, [str(p) for p in self.services.problems]

    def warm_search_done(self, result: tuple[str, list[str]]) -> None:
        error, problems = result
        if error:
            self.notify(f"Case search is unavailable: {error}", severity="warning", timeout=8, markup=False)
        if problems:
            self.notify(f"{len(problems)} problem(s) in the case bank, flow, format or action-words files; "
                        f"first: {problems[0]}", severity="warning", timeout=10, markup=False)

    def action_help(self) -> None:
        from assistant.tui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("New reflection", "Start a guided reflection", self.action_new_reflection)
        yield SystemCommand("Group session", "Run a group reflection on a case with your team",
                            self.action_group_session)
        yield SystemCommand("Past sessions", "Open, export or delete earlier reflections", self.action_past_sessions)
        yield SystemCommand("Browse the case bank", "Filter, search and read case illustrations", self.action_browse)
        yield SystemCommand("Settings", "Your name, copied into each new reflection", self.action_settings)
        yield SystemCommand("Help", "How reflect works and its keys", self.action_help)
        yield SystemCommand("Light or dark", "Switch between the light and dark theme", self.action_toggle_dark)
        for binding in screen.active_bindings.values():
            b = binding.binding
            if b.show and b.description and b.action not in ("quit", "help", "command_palette"):
                yield SystemCommand(b.description, f"Key: {b.key}",
                                    lambda action=b.action: self.run_action(action, screen))

    # ------------------------------------------------------------------ navigation
    # Screens post messages (assistant/tui/messages.py); only the app decides what opens.

    def _can_save(self) -> bool:
        """False (with the reason shown) when the store is read-only: a new session could not be kept."""
        store = self.services.store
        if store.readonly:
            self.notify(f"Sessions cannot be saved: {store.readonly_reason}", severity="error", timeout=15,
                        markup=False)
            return False
        return True

    def action_new_reflection(self) -> None:
        from assistant.tui.start_screen import StartScreen

        if self._can_save():
            self.push_screen(StartScreen())

    def action_group_session(self) -> None:
        from assistant.tui.group_screens import GroupSetupScreen

        if self._can_save():
            self.push_screen(GroupSetupScreen())

    def action_past_sessions(self) -> None:
        from assistant.tui.sessions_screen import SessionsScreen

        self.push_screen(SessionsScreen())

    def action_browse(self) -> None:
        from assistant.tui.browse_screen import BrowseScreen

        self.push_screen(BrowseScreen())

    def action_settings(self) -> None:
        from assistant.tui.settings_screen import SettingsScreen

        if not isinstance(self.screen, SettingsScreen) and self._can_save():
            self.push_screen(SettingsScreen())

    def action_go_home(self) -> None:
        from assistant.tui.home import HomeScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def action_open_session(self, session_id: str) -> None:
        from assistant.services.resume import resume

        where = resume(self.services, session_id, self.clock)
        if where.problem:
            self.notify(where.problem, severity="warning" if where.view == "missing" else "error", markup=False)
            return
        if where.warning:
            self.notify(where.warning, severity="warning", markup=False)
        self.push_screen(self._resumed_screen(where))

    def _resumed_screen(self, where: "Resume") -> Screen:
        if where.view == "record":
            from assistant.tui.log_screen import LogScreen

            return LogScreen(where.session_id)
        if where.view == "reflection":
            from assistant.tui.reflection_screen import ReflectionScreen

            return ReflectionScreen(where.conversation)
        from assistant.tui import group_screens

        screens = {"group-present": group_screens.PresentScreen, "group-questions": group_screens.QuestionScreen}
        return screens.get(where.view, group_screens.GroupCloseScreen)(where.group)

    @on(messages.NewReflection)
    def _new_reflection(self) -> None:
        self.action_new_reflection()

    @on(messages.NewGroupSession)
    def _new_group(self) -> None:
        self.action_group_session()

    @on(messages.ShowSessions)
    def _show_sessions(self) -> None:
        self.action_past_sessions()

    @on(messages.ShowBrowser)
    def _show_browser(self) -> None:
        self.action_browse()

    @on(messages.ShowSettings)
    def _show_settings(self) -> None:
        self.action_settings()

    @on(messages.GoHome)
    def _go_home(self) -> None:
        self.action_go_home()

    @on(messages.OpenSession)
    def _open_session(self, message: messages.OpenSession) -> None:
        self.action_open_session(message.session_id)

    @on(messages.ReflectionStarted)
    def _reflection_started(self, message: messages.ReflectionStarted) -> None:
        from assistant.tui.reflection_screen import ReflectionScreen

        self.switch_screen(ReflectionScreen(message.conversation))

    @on(messages.ShowRecord)  # and SessionFinished, which replaces the screen it ended on
    def _show_record(self, message: messages.ShowRecord) -> None:
        from assistant.tui.log_screen import LogScreen

        screen = LogScreen(message.session_id)
        if message.replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @on(messages.ShowCase)
    def _show_case(self, message: messages.ShowCase) -> None:
        from assistant.tui.case_screen import CaseScreen

        self.push_screen(CaseScreen(message.case, warnings=message.warnings, on_pin=message.on_pin))

    def on_unmount(self) -> None:
        self.services.close()


def run_app(paths: Paths) -> None:
    ReflectApp(paths).run()
