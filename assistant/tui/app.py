"""The reflect terminal app: home screen first, the model warming in a background worker."""

from __future__ import annotations

import time
from typing import Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from assistant.paths import Paths
from assistant.services import Services


class ReflectApp(App[None]):
    TITLE = "reflect"
    SUB_TITLE = "reflective practice for youth justice"
    CSS_PATH = "app.tcss"
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

    def on_mount(self) -> None:
        from assistant.tui.home import HomeScreen

        self.push_screen(HomeScreen())
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

    @work(thread=True, exclusive=True, group="embedder")
    def warm_search(self) -> None:
        """Load the case index and the model while the person reads the first screen."""
        self.services.warm()
        if self.services.search_error:
            self.call_from_thread(self.notify, f"Case search is unavailable: {self.services.search_error}",
                                  severity="warning", timeout=8, markup=False)
        problems = self.services.problems
        if problems:
            self.call_from_thread(self.notify, f"{len(problems)} problem(s) in the case bank, flow or action-words files; "
                                  f"first: {problems[0]}", severity="warning", timeout=10, markup=False)

    def action_help(self) -> None:
        from assistant.tui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from assistant.tui import home

        yield SystemCommand("New reflection", "Start a guided reflection", lambda: home.start_reflection(self))
        yield SystemCommand("Group session", "Run a group reflection on a case with your team",
                            lambda: home.start_group(self))
        yield SystemCommand("Past sessions", "Open, export or delete earlier reflections",
                            lambda: home.open_sessions(self))
        yield SystemCommand("Browse the case bank", "Filter, search and read case illustrations",
                            lambda: home.open_browser(self))
        yield SystemCommand("Help", "How reflect works and its keys", self.action_help)
        yield SystemCommand("Light or dark", "Switch between the light and dark theme", self.action_toggle_dark)
        for binding in screen.active_bindings.values():
            b = binding.binding
            if b.show and b.description and b.action not in ("quit", "help", "command_palette"):
                yield SystemCommand(b.description, f"Key: {b.key}",
                                    lambda action=b.action: self.run_action(action, screen))

    def on_unmount(self) -> None:
        self.services.close()


def run_app(paths: Paths) -> None:
    ReflectApp(paths).run()
