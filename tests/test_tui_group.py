"""A whole group session on the real app, driven with Pilot and a clock the test controls."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select

from assistant.store import Store
from assistant.tui.group_screens import GroupCloseScreen, GroupSetupScreen, PresentScreen, QuestionScreen, WhoIsThis
from assistant.tui.home import HomeScreen
from assistant.tui.log_screen import LogScreen

from tui_helpers import FakeClock, burst, make_app, screen_text, texts, wait_until

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


# --- the room, the actions and the formats, on the real app -------------------------------------


def room(app) -> str:
    return str(app.screen.query_one("#room").visual)


def action_list(app) -> str:
    return str(app.screen.query_one("#actions").visual)


async def begin(pilot, fmt: str = "case-questions", roles: dict[str, str] | None = None) -> QuestionScreen:
    """Set up with a format (and its roles by initials), present the case, start the questions."""
    app = pilot.app
    setup = await set_up(pilot)
    setup.query_one("#group-format", Select).value = fmt
    for role, initials in (roles or {}).items():
        await wait_until(pilot, lambda: bool(setup.query(f"#role-{role}")), what=f"the {role} box")
        setup.query_one(f"#role-{role}", Input).value = initials
    await pilot.pause()
    await pilot.press("ctrl+j")
    await wait_until(pilot, lambda: isinstance(app.screen, PresentScreen), what="the case on screen")
    await pilot.press("space")
    await wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
    return app.screen  # type: ignore[return-value]


async def finish_and_export(pilot, tmp_path: Path) -> str:
    app = pilot.app
    await pilot.press("f8")
    await wait_until(pilot, lambda: isinstance(app.screen, GroupCloseScreen))
    await pilot.press("ctrl+j")
    await wait_until(pilot, lambda: isinstance(app.screen, LogScreen))
    await pilot.press("m")
    logs = tmp_path / "data" / "logs"
    await wait_until(pilot, lambda: any(logs.glob("*.md")), what="the exported record")
    return next(logs.glob("*.md")).read_text(encoding="utf-8")


async def test_names_typed_quickly_with_a_tab_between_land_in_their_own_boxes(tmp_path: Path, case_search) -> None:
    """Tab moves on before the next key is read: the letters after it are the participants'."""
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, GroupSetupScreen))
        burst(app, "Dee\tAmira Begum, Jo Tate")
        setup = app.screen
        await wait_until(pilot, lambda: setup.query_one("#participants", Input).value == "Amira Begum, Jo Tate",
                         timeout=10, what="the participants typed after the Tab")
        assert setup.query_one("#facilitator", Input).value == "Dee"
        burst(app, "\tx")  # and on into the case search
        await wait_until(pilot, lambda: setup.query_one("#case-query", Input).value == "x", timeout=10)


async def test_setup_says_the_initials_searches_as_you_type_and_shows_the_case(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        setup = await set_up(pilot)
        setup.query_one("#participants", Input).value = "Dan, Jo Tate (JT)"
        await pilot.pause()
        preview = str(setup.query_one("#people-preview").visual)
        assert "Dee Supervisor → DS" in preview and "Dan → DAN" in preview and "Jo Tate → JT" in preview
        setup.query_one("#participants", Input).value = "Dan, Dana Nash (DAN)"
        await pilot.pause()
        assert "share the initials DAN" in str(setup.query_one("#people-preview").visual)

        await wait_until(pilot, lambda: app.services.ready.is_set())
        label = " ".join(texts(app, "Label"))
        assert "as you type" in label and "Enter searches at once" in label
        setup.query_one("#case-query", Input).value = "a girl going missing and exploited by older men"  # no Enter
        options = setup.query_one("#group-cases", OptionList)
        await wait_until(pilot, lambda: options.option_count <= 8 and
                         options.get_option_at_index(0).id == "leah-planning-missing-exploitation",
                         what="the search as you type")
        leah = case_search.bank.case("leah-planning-missing-exploitation")
        await wait_until(pilot, lambda: leah.title in str(setup.query_one("#chosen-case").visual))
        assert str(setup.query_one("#chosen-case").visual).startswith("Chosen case: ")


async def test_the_room_and_the_actions_follow_what_is_typed(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search, clock=FakeClock())
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await begin(pilot)
        strip = room(app)
        for seat in ("DS Dee (facilitator)", "AB Amira", "JT Jo", "SO Sam", "PS Priya"):
            assert seat in strip, strip
        assert "✓" not in strip.split("(✓")[0], "nobody has spoken yet"
        assert "None yet" in action_list(app)

        await say(pilot, "AB: I would start with where she goes")
        await say(pilot, "We agreed her voice is missing from the plan")
        await say(pilot, "DS: I will ask the manager about the return interviews")
        await say(pilot, "Sam: and the school")
        strip = room(app)
        assert "AB Amira ✓" in strip and "DS Dee (facilitator) ✓" in strip and "SO Sam ✓" in strip
        assert "JT Jo ✓" not in strip and "PS Priya ✓" not in strip

        await say(pilot, "/action DS: Ask the manager about return interviews by 12/12/2026")
        await say(pilot, "/action AB: Share the missing-episodes checklist")
        actions = action_list(app)
        assert "Agreed actions (2)" in actions
        assert "1. Ask the manager about return interviews" in actions
        assert "Dee Supervisor (DS), by 12 December 2026" in actions
        assert "2. Share the missing-episodes checklist" in actions and "Amira Begum (AB)" in actions

        await say(pilot, "/add Dan")
        assert "DAN Dan" in room(app)
        assert any("Added: Dan → DAN" in str(n.message) for n in app._notifications)

        await pilot.press("f7")
        assert "✓" not in room(app).split("(✓")[0], "a new question: nobody has spoken on it yet"
        assert "Agreed actions (2)" in action_list(app), "the actions stay in view"
        lines = [str(w.visual) for w in screen.query(".said-line")]
        assert lines == []
        record = await finish_and_export(pilot, tmp_path)
    order = ["**Amira Begum (AB):** I would start with where she goes", "_Note:_ We agreed her voice is missing",
             "**Dee Supervisor (DS):** I will ask the manager", "**Sam Okoro (SO):** and the school"]
    positions = [record.index(line) for line in order]
    assert positions == sorted(positions), "what was said keeps the order it was typed in"
    assert "Ask the manager about return interviews | Dee Supervisor (DS) | 12 December 2026" in record
    assert "Dee Supervisor facilitated a" in record


FORMATS = {
    "systemic-case-discussion": {
        "roles": {"presenter": "JT", "co-supervisors": "AB, PS", "scribe": "SO"},
        "stages": [("The presenter's question", "15:00", "No solutions yet."),
                   ("Hypotheses", "15:00", "the presenter listens without replying"),
                   ("The presenter's reflection", "15:00", "the scribe reads back")],
        "record": ["**Presenter:** Jo Tate (JT)", "**Co-supervisors:** Amira Begum (AB), Priya Shah (PS)",
                   "**Scribe:** Sam Okoro (SO)", "### 2. Hypotheses (15 minutes)",
                   "_Led by the co-supervisors: Amira Begum (AB), Priya Shah (PS)_", "**Jo Tate (JT):** said in 1"],
    },
    "action-learning-set": {
        "roles": {"presenter": "PS"},
        "stages": [("The challenge", "10:00", "The presenter speaks"),
                   ("Clarifying questions", "10:00", "No advice and no opinions."),
                   ("Open questions", "20:00", "Open questions only, no advice"),
                   ("The presenter's summary", "5:00", "The presenter speaks"),
                   ("Actions", "5:00", "record each one with /action")],
        "record": ["**Presenter:** Priya Shah (PS)", "### 3. Open questions (20 minutes)",
                   "_Rule: Open questions only, no advice:", "**Jo Tate (JT):** said in 3"],
    },
    "reflective-case-discussion": {
        "roles": {"panel": "JT, AB"},
        "stages": [("The story", "15:00", "the room listens"),
                   ("The room responds", "30:00", "Nothing said here is attributed"),
                   ("Themes", "10:00", "Themes, not names.")],
        "record": ["**Attended:** 4 people (this format keeps themes, not names)", "**Panel:** 2 people",
                   "### 2. The room responds (30 minutes)", "- said in 2", "Each of the 4 people who attended"],
    },
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_each_format_runs_its_stages_and_its_record_follows_it(fmt: str, tmp_path: Path, case_search) -> None:
    spec = FORMATS[fmt]
    app = make_app(tmp_path / "data", case_search, clock=FakeClock())
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await begin(pilot, fmt, spec["roles"])
        stages = spec["stages"]
        for n, (title, clock, rule) in enumerate(stages, 1):
            heading = str(screen.query_one("#question-text").visual)
            assert heading.startswith(f"Stage {n} of {len(stages)} · {title}"), heading
            assert countdown(app) == clock
            assert rule in str(screen.query_one("#question-rule").visual)
            await say(pilot, f"JT: said in {n}")
            if n < len(stages):
                await pilot.press("f7")
        if fmt == "reflective-case-discussion":
            assert "(nothing said is attributed)" in room(app) and "✓" not in room(app)
            assert [str(w.visual) for w in screen.query(".said-line")] == ["· said in 3"]
            screen.query_one("#said-input", Input).value = "who said this is nobody's business"
            await pilot.press("f2")
            await pilot.pause()
            assert app.screen is screen, "no 'who said it' where nobody is named"
        record = await finish_and_export(pilot, tmp_path)
    for wanted in spec["record"]:
        assert wanted in record, (wanted, record)
    if fmt == "reflective-case-discussion":
        for name in ("Amira", "Begum", "Jo Tate", "Sam", "Okoro", "Priya", "Shah", "(JT)", "(AB)"):
            assert name not in record, name


async def test_the_structured_discussion_asks_the_case_questions_first(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search, clock=FakeClock())
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await begin(pilot, "structured-case-discussion")
        case = screen.group.case
        total = len(case.questions) + 4
        assert str(screen.query_one("#question-text").visual).startswith(f"Question 1 of {total}\n")
        for _ in case.questions:
            await pilot.press("f7")
        heading = str(screen.query_one("#question-text").visual)
        assert heading.startswith(f"Stage {len(case.questions) + 1} of {total} · Clarifying questions"), heading
        assert countdown(app) == "5:00" and "Questions to understand" in str(screen.query_one("#question-rule").visual)


async def test_a_broken_format_file_is_reported_and_the_others_still_load(tmp_path: Path, case_search) -> None:
    formats = tmp_path / "data" / "formats"
    formats.mkdir(parents=True)
    (formats / "pairs.yaml").write_text("id: pairs\ntitle: Pairs\nkind: group\nstages:\n  - id: talk\n"
                                        "    title: Talk in pairs\n    text: What did you notice?\n    minutes: 5\n",
                                        encoding="utf-8")
    (formats / "broken.yaml").write_text("id: broken\ntitle: Broken\nkind: group\nstages:\n  - id: one\n"
                                         "    title: One\n    text: A question\n    minutes: 500\n", encoding="utf-8")
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        setup = await set_up(pilot)
        problems = str(setup.query_one("#format-problems").visual)
        assert "broken.yaml:8: stages[0].minutes: expected minutes from 0.5 to 120, got 500" in problems
        assert setup.query_one("#format-problems").display
        choices = {str(value) for _, value in setup.query_one("#group-format", Select)._options}
        assert {"pairs", "systemic-case-discussion", "case-questions"} <= choices and "broken" not in choices


async def test_the_question_screen_fits_80_by_24(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search, clock=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await begin(pilot, "systemic-case-discussion",
                             {"presenter": "JT", "co-supervisors": "AB, PS", "scribe": "SO"})
        await say(pilot, "AB: we would start with the family")
        await say(pilot, "/action DS: Ask the manager by 12/12/2026")
        await pilot.pause()
        for selector in ("#question-text", "#countdown", "#question-rule", "#room", "#said", "#actions-panel",
                         "#said-hint", "#said-input"):
            region = screen.query_one(selector).region
            assert region.width > 0 and region.height > 0, selector
            assert region.right <= 80 and region.bottom <= 23, (selector, region)  # the footer has the last row
        assert screen.query_one("#said").region.height >= 5, "room for what is said"
        assert "Stage 1 of 3" in str(screen.query_one("#question-text").visual)
        assert "Ask the manager" in action_list(app)


def test_the_question_screen_at_80_by_24(tmp_path: Path, case_search, snap_compare) -> None:
    app = make_app(tmp_path / "data", case_search, fixed=True, clock=FakeClock())

    async def run_before(pilot) -> None:
        screen = await begin(pilot, "action-learning-set", {"presenter": "PS"})
        screen.query_one("#said-input", Input).cursor_blink = False
        await say(pilot, "AB: what would help you most today?")
        await say(pilot, "a note for the group")
        await say(pilot, "/action PS: Ring the school by 12/12/2026")
        pilot.app.clear_notifications()  # the list on screen is what matters; the toast would hide the box
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
