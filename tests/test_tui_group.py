"""A whole group session on the real app, driven with Pilot and a clock the test controls."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from assistant.store import Store
from assistant.tui.group_screens import GroupCloseScreen, GroupSetupScreen, PresentScreen, QuestionScreen, WhoIsThis
from assistant.tui.home import HomeScreen
from assistant.tui.log_screen import LogScreen

from tui_helpers import FakeClock, make_app, screen_text, wait_until

TEAM = "Amira Begum, Jo Tate (JT), Sam Okoro, Priya Shah"


async def set_up(pilot, query: str = "") -> GroupSetupScreen:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
    await pilot.press("g")
    await wait_until(pilot, lambda: isinstance(app.screen, GroupSetupScreen))
    # set directly: these tests are about the session, not typing (the reflection tests type)
    app.screen.query_one("#facilitator", Input).value = "Dee Supervisor"
    await pilot.click("#participants")  # focus where typing would have left it (the snapshot shows it)
    app.screen.query_one("#participants", Input).value = TEAM
    if query:
        await wait_until(pilot, lambda: app.services.ready.is_set())
        await pilot.click("#case-query")
        app.screen.query_one("#case-query", Input).value = query
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one("#group-cases", OptionList).option_count <= 8)
    app.screen.query_one("#minutes", Input).value = "5"
    return app.screen  # type: ignore[return-value]


async def say(pilot, line: str) -> None:
    box = pilot.app.screen.query_one("#said-input", Input)
    box.value = line
    await pilot.press("enter")
    await pilot.pause()


def countdown(app) -> str:
    return str(app.screen.query_one("#countdown").visual)


async def test_a_whole_group_session(tmp_path: Path, case_search) -> None:
    clock = FakeClock()
    app = make_app(tmp_path / "data", case_search, clock=clock)
    async with app.run_test(size=(140, 45)) as pilot:
        setup = await set_up(pilot, "a girl going missing and exploited by older men")
        options = setup.query_one("#group-cases", OptionList)
        assert options.get_option_at_index(0).id == "leah-planning-missing-exploitation"
        await pilot.press("ctrl+h")
        logs = tmp_path / "data" / "logs"
        handout = (logs / "handout-leah-planning-missing-exploitation.md").read_text(encoding="utf-8")
        case = case_search.bank.case("leah-planning-missing-exploitation")
        assert case.title in handout and case.questions[0] in handout and "Amira" not in handout

        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(app.screen, PresentScreen))
        assert "fifteen-year-old girl" in screen_text(app)
        assert not app.screen.query_one("#present-notes").display
        await pilot.press("tab")
        assert app.screen.query_one("#present-notes").display
        await pilot.press("space")
        await wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        screen = app.screen
        group = screen.group
        assert case.questions[0] in screen_text(app) and countdown(app) == "5:00"

        await say(pilot, "AB: I would start with where she goes when she is missing")
        await say(pilot, "jt: and who she trusts at school")
        await say(pilot, "Priya: the return home interviews")
        await say(pilot, "We agreed her voice is missing from the plan")
        await say(pilot, "XY: I have a girl like this")
        await wait_until(pilot, lambda: isinstance(app.screen, WhoIsThis), what="the question about XY")
        who = app.screen.query_one(OptionList)
        labels = [str(who.get_option_at_index(i).prompt) for i in range(who.option_count)]
        assert labels[0].startswith("Someone new: add 'XY'"), "never a guess at who it was"
        assert any("It was Amira Begum (AB)" in label for label in labels)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)

        box = screen.query_one("#said-input", Input)
        box.value = "picked from the list"
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, WhoIsThis))
        picker = app.screen.query_one(OptionList)
        picker.highlighted = next(i for i in range(picker.option_count)
                                  if "Jo Tate (JT)" in str(picker.get_option_at_index(i).prompt))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)

        clock.advance(90)
        screen.tick()
        assert countdown(app) == "3:30"
        await pilot.press("f5")
        clock.advance(600)
        screen.tick()
        assert countdown(app) == "3:30  paused"
        await pilot.press("f6")
        assert countdown(app) == "4:30  paused"
        await pilot.press("f5")
        clock.advance(300)
        screen.tick()
        assert countdown(app) == "+0:30" and screen.signalled and isinstance(app.screen, QuestionScreen)

        await say(pilot, "/action AB: Share the missing-episodes checklist by 12/12/2026")
        await say(pilot, "/action Book the next session")
        await pilot.press("f7")
        assert f"Question 2 of {len(group.questions)}" in screen_text(app)
        await say(pilot, "SO: the plan needs a contingency")
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupCloseScreen))
        close = app.screen.query_one("#close-input", Input)
        close.value = "Ask every child who goes missing who they were with"
        await pilot.press("enter")
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen))
        await pilot.press("m")
        await pilot.press("h")
        session_id = group.session.id

    with Store(tmp_path / "data" / "reflect.db") as store:
        turns = store.turns(session_id)
        by = {t.text: t.speaker for t in turns if t.kind == "contribution"}
        assert by["I would start with where she goes when she is missing"] == "AB"
        assert by["and who she trusts at school"] == "JT"
        assert by["the return home interviews"] == "PS"
        assert by["I have a girl like this"] == "XY"
        assert by["picked from the list"] == "JT"
        assert by["the plan needs a contingency"] == "SO"
        assert {(a.text, a.owner) for a in store.actions(session_id)} == {
            ("Share the missing-episodes checklist", "AB"), ("Book the next session", "team")}
        assert store.get_session(session_id).status == "finished"
    record = next(p for p in logs.glob("*.md") if not p.name.startswith("handout")).read_text(encoding="utf-8")
    for wanted in ("Dee Supervisor", "Amira Begum (AB):** I would start", "Jo Tate (JT):** and who she trusts",
                   "_Note:_ We agreed her voice is missing", "XY:** I have a girl like this",
                   "Share the missing-episodes checklist | Amira Begum (AB) | 12 December 2026",
                   "Ask every child who goes missing", "Priya Shah took part in a"):
        assert wanted in record, wanted
    assert (next(p for p in logs.glob("*.html") if not p.name.startswith("handout"))).exists()


async def test_bad_setup_is_explained_and_nothing_is_created(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        setup = await set_up(pilot)
        setup.query_one("#participants", Input).value = "Sam, Sam"
        await pilot.press("ctrl+j")
        assert "named twice" in screen_text(app) and isinstance(app.screen, GroupSetupScreen)
        setup.query_one("#participants", Input).value = ""
        await pilot.press("ctrl+j")
        assert "at least one participant" in screen_text(app)
        assert app.services.store.list_sessions() == []


@pytest.mark.parametrize("where", ["setup", "presenting", "question"])
def test_group_snapshots(where: str, tmp_path: Path, case_search, snap_compare) -> None:
    clock = FakeClock()
    app = make_app(tmp_path / "data", case_search, fixed=True, clock=clock)

    async def run_before(pilot) -> None:
        setup = await set_up(pilot)
        await wait_until(pilot, lambda: app.services.ready.is_set())
        setup.query_one("#group-cases", OptionList).highlighted = 0
        for widget in setup.query(Input):
            widget.cursor_blink = False
        if where == "setup":
            return
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(app.screen, PresentScreen))
        if where == "question":
            await pilot.press("space")
            await wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
            app.screen.query_one("#said-input", Input).cursor_blink = False
            await say(pilot, "AB: we would start with the family")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(140, 45), run_before=run_before)
