"""Nothing sent is lost: a real `reflect` process is killed with SIGKILL and started again."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path
from typing import Callable

from assistant.reflection import Conversation, load_flows
from assistant.store import Store

from conftest import ROOT

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]")


class Terminal:
    """The app in a pseudo-terminal, as a person's terminal would run it."""

    def __init__(self, data_dir: Path) -> None:
        env = {**os.environ, "REFLECT_DATA_DIR": str(data_dir), "TERM": "xterm-256color",
               "COLUMNS": "120", "LINES": "40"}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the app
            os.chdir(ROOT)
            os.execvpe(sys.executable, [sys.executable, "-m", "assistant"], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.seen = b""

    def read_until(self, marker: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while marker.encode() not in ANSI.sub(b"", self.seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {marker!r}; last output: {ANSI.sub(b'', self.seen)[-400:]!r}")
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:
                    break

    def settle(self, quiet: float = 0.25, timeout: float = 30) -> None:
        """Wait until the app has stopped drawing (no output for `quiet` seconds): what it was
        sent has been handled and the screen is ready for the next keys."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], quiet)
            if not ready:
                return
            try:
                self.seen += os.read(self.fd, 65536)
            except OSError:
                return
        raise AssertionError("the app never stopped drawing")

    def send(self, keys: str) -> None:
        """Keys as a person types them: once the screen has settled, not in the same instant."""
        self.settle()
        self.seen = b""
        os.write(self.fd, keys.encode())

    def start_reflection(self) -> None:
        """From the home screen to the first question of a reflection with the form's defaults."""
        self.read_until("New reflection")
        self.send("n")
        self.read_until("How to reflect")
        self.send("\n")  # ctrl+j: start with the defaults
        self.read_until("Which child")

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def wait_for(found: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll the store (from outside the app) until the app has committed what it was sent."""
    deadline = time.monotonic() + timeout
    while not found():
        assert time.monotonic() < deadline, f"{what} was never committed"
        time.sleep(0.1)


def practitioner_turns(db: Path) -> list[str]:
    with Store(db) as store:
        return [t.text for s in store.list_sessions() for t in store.turns(s.id) if t.role == "practitioner"]


def test_sigkill_loses_nothing_and_the_reflection_resumes(tmp_path: Path, bank) -> None:
    data = tmp_path / "data"
    term = Terminal(data)
    try:
        term.start_reflection()
        term.send("Kestrel was fifteen when we met.")
        term.send("\n")  # ctrl+j: send
        wait_for(lambda: "Kestrel was fifteen when we met." in practitioner_turns(data / "reflect.db"), "the answer")
    finally:
        term.kill()

    assert practitioner_turns(data / "reflect.db") == ["Kestrel was fifteen when we met."]
    flows, _ = load_flows()
    with Store(data / "reflect.db") as store:
        session = store.list_sessions(status="active")[0]
        resumed = Conversation.resume(store, session.id, flows, bank.framework)
        assert resumed.pending() is not None and resumed.pending().step != "q:the-case"

    again = Terminal(data)
    try:
        again.read_until("Unfinished sessions")
        again.send("r")
        again.read_until("Kestrel was fifteen")
    finally:
        again.kill()


def contributions(db: Path) -> list[tuple[str | None, str]]:
    with Store(db) as store:
        return [(t.speaker, t.text) for s in store.list_sessions() for t in store.turns(s.id)
                if t.kind == "contribution"]


def test_sigkill_in_a_group_session_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    term = Terminal(data)
    try:
        term.read_until("Group session")
        term.send("g")
        term.read_until("Facilitator")
        term.send("Dee")
        term.send("\t")  # to the participants
        term.send("Amira Begum, Jo Tate")
        term.send("\n")  # ctrl+j: begin with the first case
        term.read_until("Case summary")
        term.send(" ")  # start the questions
        term.read_until("Question 1 of")
        term.send("AB: Kestrel would start with school")
        term.send("\r")
        wait_for(lambda: ("AB", "Kestrel would start with school") in contributions(data / "reflect.db"),
                 "the contribution")
    finally:
        term.kill()

    again = Terminal(data)
    try:
        again.read_until("Unfinished sessions")
        again.send("r")
        again.read_until("Kestrel would start with school")
        again.read_until("Question 1 of")
    finally:
        again.kill()


def drafts(db: Path) -> list[str]:
    with Store(db) as store:
        return [d.text for s in store.list_sessions() if (d := store.draft(s.id)) is not None]


def test_sigkill_while_typing_keeps_the_draft(tmp_path: Path) -> None:
    """Typed, never sent, then kill -9: the draft saved when typing paused is there, and comes back."""
    data = tmp_path / "data"
    sentence = "Kestrel told me about the older boys at the park"
    term = Terminal(data)
    try:
        term.start_reflection()
        term.send(sentence)  # and not sent
        wait_for(lambda: drafts(data / "reflect.db") == [sentence], "the draft", timeout=30)
    finally:
        term.kill()

    assert drafts(data / "reflect.db") == [sentence]
    assert practitioner_turns(data / "reflect.db") == []

    again = Terminal(data)
    try:
        again.read_until("Unfinished sessions")
        again.send("r")
        again.read_until("Your unsent draft was restored")
        again.read_until("older boys at the park")
    finally:
        again.kill()
