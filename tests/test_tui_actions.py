"""Following up actions in the real app (Pilot): what the screen shows is what the domain read."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from assistant.group import GroupSession
from assistant.group.people import Participant
from assistant.reflection import Conversation
from assistant.tui.home import HomeScreen
from assistant.tui.log_screen import LogScreen
from assistant.tui.reflection_screen import ReflectionScreen

from test_tui import send, start_reflection, transcript
from tui_helpers import make_app, screen_text, wait_until

# make_app(fixed=True): the store's clock says Monday 23 November 2026.


def earlier_reflection(app, case_ref: str | None, actions: str) -> str:
    services = app.services
    flow = next(f for f in services.flows if f.id == "what-so-what-now-what")
    conv = Conversation.start(services.store, flow, services.bank.framework, strand="desistance",
                              stage="planning", title=f"About {case_ref}", meta={"case_ref": case_ref})
    while conv.pending().kind == "offer":  # earlier ones' actions are left for later here
        conv.answer("later")
        conv.advance()
    for answer in ("What happened.", "Why it matters.", "What next.", actions, "None"):
        conv.answer(answer)
        conv.advance()
    assert conv.finished
    return conv.session.id


def someone_elses_group_action(app) -> None:
    services = app.services
    group = GroupSession.create(services.store, facilitator="Sam", participants=[Participant("Jo Tate", "JT")],
                                case=services.bank.cases[0])
    group.add_actions("JT: invite the police exploitation lead")


async def test_follow_ups_are_read_and_dates_said_back(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search, fixed=True)
    first = earlier_reflection(app, "YJ-1", "Refer him to the speech and language team")
    earlier_reflection(app, None, "Shadow a colleague at panel")
    someone_elses_group_action(app)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot)  # the form has no case reference: both are another case's
        shown = transcript(app)
        assert "2 other open actions: review them now, or later?" in shown
        assert "Last time" not in shown, "offered once, not forced"
        await send(pilot, "now")
        assert "\u201cRefer him to the speech and language team\u201d" in transcript(app)
        await send(pilot, "Done. The referral went in on Monday.")
        shown = transcript(app)
        assert "Noted as done: \u201cRefer him to the speech and language team\u201d." in shown
        assert "done, or will you carry it on" not in shown
        assert "\u201cShadow a colleague at panel\u201d" in shown
        await send(pilot, "Not done, mum cancelled")
        assert "Noted as carried on: \u201cShadow a colleague at panel\u201d" in transcript(app)
        assert "police exploitation lead" not in transcript(app), "JT's action is never followed up here"
        store = app.services.store
        assert store.actions(first)[0].status == "done"

        box = screen.query_one("#answer", TextArea)
        box.text = "/finish"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: screen.conversation.pending() is not None
                         and screen.conversation.pending().step.startswith("close:"), what="the close")
        while screen.conversation.pending().step != "close:actions":
            await send(pilot, "Read two case illustrations.")
        await send(pilot, "Ring his mum by next Friday\nMeet the college by 31/02")
        shown = transcript(app)
        assert "Due Friday 4 December 2026: \u201cRing his mum\u201d" in shown
        assert ("\u201cMeet the college\u201d: I couldn't read '31/02' as a date; when is it due? "
                "(or leave it without a date)") in shown
        sid = screen.conversation.session.id
        assert store.actions(sid) == []

        box.text = "the 45th"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: "I couldn't read 'the 45th' as a date" in screen_text(app),
                         what="the date said back")
        assert box.text == "the 45th", "the reply stays in the box to be put right"
        await send(pilot, "31/03")
        assert "Due Wednesday 31 March 2027: \u201cMeet the college\u201d" in transcript(app)
        box.text = "Time with my manager."
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log preview")
        saved = [(a.text, a.due.isoformat() if a.due else None, a.owner) for a in store.actions(sid)]
        assert saved == [("Ring his mum", "2026-12-04", "me"), ("Meet the college", "2027-03-31", "me")]


async def test_a_reflection_on_the_same_case_asks_about_its_own_actions_first(tmp_path: Path,
                                                                               case_search) -> None:
    app = make_app(tmp_path / "data", case_search, fixed=True)
    earlier_reflection(app, "YJ-1", "Ring school about his timetable")
    earlier_reflection(app, "YJ-2", "Visit Leah's nan")
    someone_elses_group_action(app)
    services = app.services
    flow = next(f for f in services.flows if f.id == "takeaways")
    Conversation.start(services.store, flow, services.bank.framework, strand="desistance", stage="planning",
                       title="Same case", meta={"case_ref": "YJ-1"})  # as the start form will, with a case
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home screen")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ReflectionScreen), what="the reflection")
        screen = app.screen
        shown = transcript(app)
        assert "Last time you planned to: \u201cRing school about his timetable\u201d" in shown
        assert "Visit Leah's nan" not in shown and "police" not in shown
        await send(pilot, "Still waiting for the school to reply.")
        shown = transcript(app)
        assert "Noted as carried on" in shown and "1 other open action: review it now, or later?" in shown
        await send(pilot, "later")
        assert "Which child and which part of your planning work" in transcript(app)
        assert "Visit Leah's nan" not in transcript(app)
        assert screen.conversation.pending().step == "q:the-case"
