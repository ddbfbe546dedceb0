"""Issue 13 in the app (Pilot): a busy store never loses the answer; a broken folder never crashes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from textual.widgets import TextArea

from assistant.store import Store
from assistant.tui.home import HomeScreen
from assistant.tui.reflection_screen import ReflectionScreen
from assistant.tui.start_screen import StartScreen

from test_reliability import Holder, seed
from test_tui import start_reflection
from tui_helpers import make_app, texts, wait_until

ANSWER = "I met K at school and we talked about what had led to the robbery."


def notices(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


async def test_a_busy_store_keeps_the_answer_and_saves_it_when_free(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot)
        session_id = screen.conversation.session.id
        holder = Holder(tmp_path / "data" / "reflect.db")  # another program takes the write lock
        try:
            box = screen.query_one("#answer", TextArea)
            box.text = ANSWER
            await pilot.press("ctrl+j")
            await wait_until(pilot, lambda: "Not saved yet" in " ".join(texts(app, "#notice")), what="the notice")
            assert box.text == ANSWER  # still in the composer
            assert app.is_running and isinstance(app.screen, ReflectionScreen)
            assert holder.holding
        finally:
            holder.release()
        answers = lambda: [t.text for t in app.services.store.turns(session_id) if t.role == "practitioner"]
        await wait_until(pilot, lambda: answers() == [ANSWER], what="the answer saved once the store is free")
        await wait_until(pilot, lambda: box.text == "" and not screen.busy, what="the composer cleared")
    with Store(tmp_path / "data" / "reflect.db") as again:
        assert [t.text for t in again.turns(session_id) if t.role == "practitioner"] == [ANSWER]


async def test_a_damaged_database_is_reported_and_the_app_carries_on(tmp_path: Path, case_search) -> None:
    data = tmp_path / "data"
    seed(data, answer="x " * 60_000)
    db = data / "reflect.db"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    app = make_app(data, case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home")
        await wait_until(pilot, lambda: "damaged" in notices(app), what="the damaged-file notice")
        assert "move it aside" in notices(app)
        await pilot.press("n")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HomeScreen) and not isinstance(app.screen, StartScreen)
        await pilot.press("b")  # the case bank still works
        await wait_until(pilot, lambda: not isinstance(app.screen, HomeScreen), what="the case bank")
        assert app.is_running
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


async def test_a_read_only_folder_shows_its_sessions_and_refuses_new_ones(tmp_path: Path, case_search) -> None:
    data = tmp_path / "data"
    with Store(data / "reflect.db") as store:
        s = store.create_session("reflection", title="Unfinished one", flow="takeaways", strand="desistance",
                                 stage="assessment")
        store.add_turn(s.id, "practitioner", "something I wrote")
    data.chmod(0o500)
    try:
        app = make_app(data, case_search)
        async with app.run_test(size=(140, 45)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home")
            await wait_until(pilot, lambda: "read-only" in notices(app), what="the read-only notice")
            home = app.screen
            await wait_until(pilot, lambda: home.query_one("#resume").display, what="the unfinished session listed")
            await pilot.press("n")
            await pilot.pause(0.2)
            assert isinstance(app.screen, HomeScreen) and app.is_running
        assert data.stat().st_mode & 0o777 == 0o500
        assert sorted(os.listdir(data)) == ["reflect.db"]
    finally:
        data.chmod(0o700)
