"""The worker contract (assistant/tui/jobs.py): a failing job is reported and the app goes on;
a superseded job's result never arrives; results come back on the UI thread as messages."""

from __future__ import annotations

import threading

from textual.app import App, ComposeResult
from textual.widgets import Static

from assistant.tui.jobs import Jobs, failure_line, job
from tui_helpers import wait_until


class JobApp(Jobs, App[None]):
    JOB_NAMES = {"explode": "Counting the cases"}

    def __init__(self) -> None:
        super().__init__()
        self.results: list[str] = []
        self.threads: list[str] = []
        self.release = threading.Event()
        self.notices: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("ready", id="status")

    def notify(self, message: str, **kwargs) -> None:  # type: ignore[override]
        self.notices.append(message)
        super().notify(message, **kwargs)

    @job("boom")
    def explode(self) -> None:
        raise ValueError("the index is unreadable")

    @job("search")
    def search(self, query: str, wait: bool) -> str:
        if wait:
            self.release.wait(10)
        return query

    def search_done(self, result: str) -> None:
        self.threads.append(threading.current_thread().name)
        self.results.append(result)
        self.query_one("#status", Static).update(result)


async def test_a_failing_job_is_reported_in_one_line_and_the_app_goes_on() -> None:
    app = JobApp()
    async with app.run_test() as pilot:
        app.explode()
        await wait_until(pilot, lambda: app.notices, what="the failure notice")
        assert app.notices == ["Counting the cases failed (ValueError: the index is unreadable); "
                               "everything you wrote is kept."]
        assert app.is_running
        app.search("still searching", False)
        await wait_until(pilot, lambda: app.results == ["still searching"], what="a later job's result")


async def test_an_older_search_superseded_by_a_newer_one_never_arrives() -> None:
    app = JobApp()
    async with app.run_test() as pilot:
        app.search("old words", True)  # still running when the person types on
        await pilot.pause(0.1)
        app.search("new words", False)
        await wait_until(pilot, lambda: app.results == ["new words"], what="the newer result")
        app.release.set()  # the old job now finishes...
        await pilot.pause(0.5)
        assert app.results == ["new words"]  # ...and is dropped
        assert str(app.query_one("#status", Static).visual) == "new words"
        assert app.threads == [threading.main_thread().name]  # handled on the UI thread


def test_failure_line_is_one_line() -> None:
    line = failure_line("Searching", RuntimeError("bad\nthing\x1b[31m"))
    assert "\n" not in line and "\x1b" not in line
