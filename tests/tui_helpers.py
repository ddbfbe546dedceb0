"""Helpers for driving the real app with Pilot: a temporary data folder per test, waiting."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Callable

from textual.pilot import Pilot
from textual.widgets import Static

from assistant.paths import resolve_paths
from assistant.services import Services
from assistant.store import Store
from assistant.tui.app import ReflectApp


class FakeClock:
    """A clock the test moves by hand, so timers are tested without sleeping."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_app(data_dir: Path, case_search=None, *, fixed: bool = False, clock: Callable[[], float] | None = None,
             casebank: Path | None = None) -> ReflectApp:
    """The real app on the bundled bank; `case_search` shares the test session's warm model,
    and `fixed` gives the store a fixed clock and ids so that screenshots repeat exactly."""
    paths = resolve_paths(casebank=casebank, data_dir=data_dir)
    services = Services(paths)
    if case_search is not None:
        services.__dict__["search"] = case_search
    if fixed:
        clock = clock or (lambda: 1_795_428_000.0)  # 23 November 2026, as the store's clock says
        counter = iter(range(1, 10_000))
        services.__dict__["store"] = Store(paths.database, clock=lambda: "2026-11-23T10:00:00+00:00",
                                           new_id=lambda: f"{next(counter):08x}")
    return ReflectApp(paths, services, clock=clock) if clock else ReflectApp(paths, services)


async def wait_until(pilot: Pilot, predicate: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Pause until `predicate()` holds: workers run in threads, so results land a little later."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.05)
        await asyncio.sleep(0.02)


def texts(app: ReflectApp, selector: str) -> list[str]:
    """The plain text of every matching Static on the current screen."""
    out = []
    for widget in app.screen.query(selector):
        if isinstance(widget, Static):
            out.append(str(widget.visual))
    return out


def screen_text(app: ReflectApp) -> str:
    return "\n".join(texts(app, "Static"))


BURST_KEYS = {"\t": ("tab", "\t"), " ": ("space", " "), ",": ("comma", ","), ".": ("full_stop", "."),
              "(": ("left_parenthesis", "("), ")": ("right_parenthesis", ")")}


def burst(app: ReflectApp, typed: str) -> None:
    """Send what was typed as one burst of key events, as a terminal delivers a fast typist's
    keys: no wait between them (Pilot.press waits for the app to be idle after each key)."""
    from textual import events

    assert app._driver is not None
    for ch in typed:
        key, char = BURST_KEYS.get(ch, (ch, ch))
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
