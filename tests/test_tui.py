"""The real app, driven with Pilot: whole reflections as a practitioner plays them."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, TextArea

from assistant.store import Store
from assistant.tui.case_screen import CaseScreen
from assistant.tui.home import HomeScreen
from assistant.tui.log_screen import LogScreen
from assistant.tui.reflection_screen import ReflectionScreen
from assistant.tui.start_screen import StartScreen

from tui_helpers import make_app, screen_text, texts, wait_until
from assistant.tui.help_screen import HelpScreen


def markdown_text(app) -> str:
    """The words the current screen's Markdown widgets show (their rendered blocks)."""
    return "\n".join(str(block._content) if hasattr(block, "_content") else str(block.visual)
                     for block in app.screen.query("MarkdownBlock"))

FAMILY = ("I visited K and his mum at home twice and asked them what they thought had led to the robbery, "
          "and I recorded what each of them said about the older boys he had started to spend time with.")


async def start_reflection(pilot, title: str = "Thinking about K") -> ReflectionScreen:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home screen")
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, StartScreen), what="start screen")
    await pilot.click("#title")
    app.screen.query_one("#title", Input).value = title  # set: typing is tested where it matters
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ReflectionScreen), what="reflection screen")
    return app.screen  # type: ignore[return-value]


async def send(pilot, answer: str, typed: bool = False) -> None:
    screen = pilot.app.screen
    box = screen.query_one("#answer", TextArea)
    turns_before = len(screen.query(".turn"))
    if typed:
        await pilot.press(*answer)
    else:
        box.text = answer
    await pilot.press("ctrl+j")
    await wait_until(pilot, lambda: len(screen.query(".turn")) >= turns_before + 2 and not screen.busy,
                     what=f"the reply to {answer[:30]!r}")


def transcript(app) -> str:
    return "\n".join(texts(app, ".turn"))


async def test_a_whole_reflection(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot)
        assert "Which child and which part of your assessment work" in transcript(app)

        await send(pilot, "K is 15; first robbery.", typed=True)  # typed key by key
        await send(pilot, FAMILY)
        session_id = screen.conversation.session.id
        store = app.services.store
        covered = store.covered(session_id)
        assert covered, "talking with the child's mum covers an expectation"
        probes = [t for t in store.turns(session_id) if t.kind == "probe"]
        assert probes, "a follow-up probe is asked for what the reflection has not covered"
        marked_by = {m.expectation_id: m.turn_id for m in store.coverage(session_id)}
        for probe in probes:  # never a probe about what an earlier answer had already shown
            eid = probe.step.split(":", 1)[1]
            assert eid not in marked_by or marked_by[eid] > probe.id
        assert "Follow-up" in transcript(app)

        await wait_until(pilot, lambda: len(screen.query(".case-card")) == 3, what="similar cases")
        assert all("Assessment" in t for t in texts(app, ".case-card"))
        await pilot.press("ctrl+t")
        pinned = store.pins(session_id)
        assert len(pinned) == 1 and pinned[0].case_id == screen.hits[0].case.id
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen), what="the case reader")
        assert pinned[0].title in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)

        await send(pilot, "I answered the follow-up: school had a lot to add about his friendships.")
        box = screen.query_one("#answer", TextArea)
        box.text = "/finish"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: screen.conversation.pending() is not None
                         and screen.conversation.pending().step.startswith("close:"), what="the close")
        while screen.conversation.pending().step != "close:actions":
            await send(pilot, "I will read two of the assessment case illustrations.")
        await send(pilot, "Ask school for his attendance by 12/12/2026\nMeet his mum with K's youth worker")
        box.text = "Time with my manager to think about exploitation."
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log preview")
        await pilot.press("m")
        await pilot.press("h")
        logs = tmp_path / "data" / "logs"
        await wait_until(pilot, lambda: len(list(logs.glob("*"))) == 2, what="two exported logs")
    md = next(logs.glob("*.md")).read_text(encoding="utf-8")
    html = next(logs.glob("*.html")).read_text(encoding="utf-8")
    for page in (md, html):
        assert "first robbery" in page and "older boys he had started" in page
        assert "Ask school for his attendance" in page and "12 December 2026" in page
        assert "Time with my manager" in page
    assert pinned[0].title.split("'")[0] in md
    with Store(tmp_path / "data" / "reflect.db") as again:
        assert again.get_session(session_id).status == "finished"
        assert {a.text for a in again.actions(session_id)} == {"Ask school for his attendance",
                                                               "Meet his mum with K's youth worker"}


async def test_actions_are_followed_up_in_the_next_reflection(tmp_path: Path, case_search) -> None:
    from assistant.reflection import Conversation, load_flows

    flows, _ = load_flows()
    with Store(tmp_path / "data" / "reflect.db") as store:
        first = Conversation.start(store, next(f for f in flows if f.id == "what-so-what-now-what"),
                                   case_search.bank.framework, strand="desistance", stage="planning")
        for answer in ("What happened.", "Why it matters.", "What next.", "Call the college by 5 January", "None"):
            first.answer(answer)
            first.advance()
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot)  # no case reference: its actions are offered, not forced
        assert "1 other open action: review it now, or later?" in transcript(app)
        await send(pilot, "now")
        assert "Last time you planned to: \u201cCall the college\u201d" in transcript(app)
        await send(pilot, "I called and they offered him a place on the January course.")
        assert "done, or will you carry it on" in transcript(app)
        await send(pilot, "done")
        actions = screen.conversation.store.actions(first.session.id)
        assert actions[0].status == "done" and "January course" in actions[0].followup


async def test_text_is_data_in_the_transcript(tmp_path: Path, case_search) -> None:
    nasty = "[bold]loud[/bold] [@click=app.quit]quit[/] [link=file:///etc/passwd]x[/link] {{ 7*7 }} \x1b[31mred\x07"
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot, title="[red]T[/red]")
        await send(pilot, nasty)
        shown = transcript(app)
        assert "[bold]loud[/bold] [@click=app.quit]quit[/] [link=file:///etc/passwd]x[/link] {{ 7*7 }}" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        assert app.is_running and isinstance(app.screen, ReflectionScreen)
        assert "[red]T[/red]" in screen_text(app)
        stored = [t.text for t in screen.conversation.turns() if t.role == "practitioner"]
        assert stored == [nasty.strip()], "the answer is stored exactly as sent"


async def test_empty_answers_are_not_sent_and_identifiers_are_flagged(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot)
        store, sid = app.services.store, screen.conversation.session.id
        box = screen.query_one("#answer", TextArea)
        box.text = "   \n  "
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert [t for t in store.turns(sid) if t.role == "practitioner"] == []
        assert "Nothing to send" in screen_text(app)

        box.text = "I visited him at home, SW1A 1AA, and rang his mum on 07700 900123."
        await pilot.press("ctrl+j")
        await pilot.pause()
        notice = screen_text(app)
        assert "postcode" in notice and "07700 900123" in notice
        assert [t for t in store.turns(sid) if t.role == "practitioner"] == [], "nothing stored before they choose"
        await pilot.press("ctrl+r")
        assert "[postcode]" in box.text and "SW1A" not in box.text
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: any(t.role == "practitioner" for t in store.turns(sid)))
        answer = next(t for t in store.turns(sid) if t.role == "practitioner")
        assert "SW1A" not in answer.text and "[phone]" in answer.text


async def test_skip_edit_and_resume_from_the_home_screen(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot, title="Resumable")
        await send(pilot, "A first answer with a typo.")
        await pilot.press("ctrl+b")
        box = screen.query_one("#answer", TextArea)
        assert box.text == "A first answer with a typo."
        box.text = "A first answer, corrected."
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert screen.conversation.last_answer().text == "A first answer, corrected."
        before = screen.conversation.pending()
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: screen.conversation.pending() != before and not screen.busy)
        session_id = screen.conversation.session.id
        waiting = screen.conversation.pending().step
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        options = app.screen.query_one("#resume", OptionList)
        await wait_until(pilot, lambda: options.option_count > 0, what="the unfinished session listed")
        assert options.option_count == 1 and "Resumable" in str(options.get_option_at_index(0).prompt)
        options.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReflectionScreen))
        assert app.screen.conversation.session.id == session_id
        assert app.screen.conversation.pending().step == waiting
        assert "A first answer, corrected." in transcript(app)


async def test_an_unsent_draft_is_saved_while_typing_and_restored(tmp_path: Path, case_search) -> None:
    typed = "Kestrel's mum rang [me] about school"
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot, title="Drafty")
        store, sid = app.services.store, screen.conversation.session.id
        await pilot.press(*typed)
        await wait_until(pilot, lambda: store.draft(sid) is not None and store.draft(sid).text == typed,
                         timeout=30, what="the draft saved once typing pauses")
        await pilot.press(*" and then")
        await pilot.press("escape")  # leaving saves at once, without waiting for the timer
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert store.draft(sid).text == typed + " and then"
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ReflectionScreen))
        screen = app.screen
        box = screen.query_one("#answer", TextArea)
        assert box.text == typed + " and then"
        assert "Your unsent draft was restored" in screen_text(app)
        await pilot.press(*".")  # the cursor is at the end of the restored text
        await send(pilot, box.text)
        store = app.services.store
        assert store.draft(screen.conversation.session.id) is None, "sending the answer clears its draft"
        assert screen.conversation.last_answer().text == typed + " and then."
        box.text = "x" * 25_000  # too long to send: the draft says so, and nothing breaks
        screen.save_draft()
        assert "not being saved" in screen_text(app) and store.draft(screen.conversation.session.id) is None


async def test_the_past_sessions_search_box_narrows_the_list(tmp_path: Path, case_search) -> None:
    from textual.widgets import DataTable

    from assistant.tui.sessions_screen import SessionsScreen

    with Store(tmp_path / "data" / "reflect.db") as store:
        for title, answer in (("Kestrel [b]", "We met at the youth club.\nHe talked about county lines and the park."),
                              ("Wren", "School exclusion again; his mum is worried."),
                              ("Finch", "Nothing about that here.")):
            sid = store.create_session("reflection", title=title, flow="takeaways", strand="desistance",
                                       stage="planning").id
            store.add_turn(sid, "practitioner", answer, step="q:one")
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        await pilot.press("slash")
        assert app.screen.query_one("#sessions-search", Input).has_focus
        await pilot.press(*"county line")  # typed key by key: 'e' and 'd' go into the box, not to the list
        await wait_until(pilot, lambda: table.row_count == 1, timeout=10, what="the list narrowed")
        row = [str(cell) for cell in table.get_row_at(0)]
        assert "Kestrel [b]" in row and "He talked about county lines and the park." in row
        assert str(table.ordered_columns[-1].label) == "Matching line"
        assert "1 session(s) match" in screen_text(app)
        assert not (tmp_path / "data" / "logs").exists() or not list((tmp_path / "data" / "logs").iterdir())
        await pilot.press("escape")  # clears the search: every session again
        await wait_until(pilot, lambda: table.row_count == 3)
        app.screen.query_one("#sessions-search", Input).value = '"NEAR* 🙂'
        await wait_until(pilot, lambda: table.row_count == 0)
        assert "No sessions match" in screen_text(app) and app.is_running
        app.screen.query_one("#sessions-search", Input).value = "worried"
        await wait_until(pilot, lambda: table.row_count == 1)
        await pilot.press("enter")  # from the box to the list; Enter again opens the match
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReflectionScreen), what="the found session")
        assert app.screen.conversation.session.title == "Wren"


async def test_command_palette_lists_the_actions(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("New reflection", "Past sessions", "Browse the case bank", "Help", "Light or dark"):
            assert wanted in titles
        await pilot.press("ctrl+l")
        assert app.theme == "textual-light"
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
        await wait_until(pilot, lambda: "How reflect works" in markdown_text(app), what="the help text")


async def test_browse_filters_and_search(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("b")
        await wait_until(pilot, lambda: app.screen.query("#case-options")
                         and app.screen.query_one("#case-options", OptionList).option_count > 0)
        options = app.screen.query_one("#case-options", OptionList)
        assert options.option_count == len(case_search.bank.cases)
        from textual.widgets import Select

        app.screen.query_one("#stage-filter", Select).value = "review"
        await wait_until(pilot, lambda: options.option_count < len(case_search.bank.cases))
        assert all(case_search.bank.case(str(options.get_option_at_index(i).id)).stage == "review"
                   for i in range(options.option_count))
        app.screen.query_one("#stage-filter", Select).value = Select.NULL
        await pilot.click("#query")
        app.screen.query_one("#query", Input).value = "girl missing exploited by older men"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Best" in screen_text(app), what="search results")
        assert options.get_option_at_index(0).id == "leah-planning-missing-exploitation"
        options.focus()
        options.highlighted = 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert "fifteen-year-old girl" in screen_text(app)


@pytest.mark.parametrize("where", ["home", "conversation", "log"])
def test_snapshots(where: str, tmp_path: Path, case_search, snap_compare) -> None:
    app = make_app(tmp_path / "data", case_search, fixed=True)

    async def run_before(pilot) -> None:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await wait_until(pilot, lambda: app.services.ready.is_set())
        if where == "home":
            return
        screen = await start_reflection(pilot, title="Snapshot")
        await send(pilot, FAMILY)
        await wait_until(pilot, lambda: len(screen.query(".case-card")) == 3)
        screen.query_one("#answer", TextArea).cursor_blink = False  # a blinking cursor never repeats
        if where == "log":
            app.push_screen(LogScreen(screen.conversation.session.id))
            await wait_until(pilot, lambda: isinstance(app.screen, LogScreen))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(140, 45), run_before=run_before)


async def test_the_trainers_reading_view_shows_each_cases_checks(tmp_path: Path, small_bank: Path) -> None:
    import yaml

    path = sorted((small_bank / "cases").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["summary"] += "\n\nHis mum can be reached on 07700 900123."
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    app = make_app(tmp_path / "data", casebank=small_bank)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.services.ready.is_set())
        await pilot.press("b")
        await wait_until(pilot, lambda: app.screen.query("#case-options")
                         and app.screen.query_one("#case-options", OptionList).option_count == 3)
        options = app.screen.query_one("#case-options", OptionList)
        ids = [str(options.get_option_at_index(i).id) for i in range(3)]
        options.focus()
        options.highlighted = ids.index(data["id"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen), what="the reading view")
        shown = screen_text(app)
        assert "Checks for trainers" in shown and "07700 900123" in shown
        await pilot.press("escape")
        options.highlighted = next(i for i, cid in enumerate(ids) if cid != data["id"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert "No identifiers, near duplicates or findability problems found." in screen_text(app)


async def test_a_paste_too_long_to_send_says_how_to_clear_it_and_f4_does(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot)
        box = screen.query_one("#answer", TextArea)
        box.text = "pasted " * 5_000  # 35,000 characters
        await pilot.press("ctrl+j")
        notice = str(screen.query_one("#notice").visual)
        assert "limit is 20,000" in notice and "F4 clears the box" in notice
        await pilot.press("f4")
        assert box.text == "" and "empty" in str(screen.query_one("#notice").visual)
        assert screen.conversation.turns()[-1].role == "assistant", "nothing was sent"


async def test_typing_in_the_case_list_starts_a_search(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("b")
        await wait_until(pilot, lambda: app.screen.query("#case-options")
                         and app.screen.query_one("#case-options", OptionList).has_focus, what="the case list")
        await pilot.press(*"gang")
        box = app.screen.query_one("#query", Input)
        assert box.has_focus and box.value == "gang"
        assert "Type to search" in box.placeholder


async def test_at_80x24_the_answer_box_keeps_most_of_the_width(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_reflection(pilot)
        await pilot.pause()
        assert screen.query_one("#answer", TextArea).size.width >= 44  # was 24 beside the Send button
        assert not screen.query_one("#send").display  # Ctrl+J sends, as the footer says
        assert screen.query_one("#side").size.width >= 26, "the cases and checklist stay on screen"


async def test_at_80x24_the_case_search_box_has_a_row_of_its_own(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(app.screen.query("#query")), what="the browser")
        await pilot.pause()
        box = app.screen.query_one("#query", Input)
        assert box.size.width >= 60, box.size  # was a few characters beside four filters
        assert all(s.region.y > box.region.y for s in app.screen.query("#filters Select"))
