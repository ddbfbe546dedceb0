"""The similar-cases panel, driven with Pilot: the cases follow the latest answer, a clearly better
case from another stage is shown marked with its stage, and every card says why it matched."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select

from assistant.store import Store
from assistant.textsafe import one_line
from assistant.tui.home import HomeScreen
from assistant.tui.reflection_screen import ReflectionScreen
from assistant.tui.start_screen import StartScreen

from test_tui import send
from tui_helpers import make_app, screen_text, texts, wait_until

FIRST = "I'm planning the work with a fifteen-year-old lad after his exclusion from school."
COUNTY_LINES = ("He has been drawn into county lines: older boys send him to another town to sell drugs, "
                "he goes missing for days and owes them money.")
LAST_ORDER = ("His last order was ISS and it ended with him picked up in another county with drugs on him, on a "
              "county lines run. The NRM referral is still with the single competent authority, and this plan "
              "has to learn from how that went.")


async def start_at(pilot, stage: str, title: str) -> ReflectionScreen:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home screen")
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, StartScreen), what="start screen")
    app.screen.query_one("#stage", Select).value = stage
    await pilot.click("#title")
    app.screen.query_one("#title", Input).value = title
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ReflectionScreen), what="reflection screen")
    return app.screen  # type: ignore[return-value]


def cards(app) -> list[str]:
    return texts(app, ".case-card")


def is_county_lines(case) -> bool:
    """A case of the bank about county lines (named so in its id, or in its text)."""
    text = " ".join(case.full_text().lower().replace("-", " ").split())
    return "exploitation" in case.themes and ("county-lines" in case.id or "county lines" in text)


async def test_a_planning_reflection_about_county_lines_shows_a_county_lines_case_and_why(
        tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_at(pilot, "planning", "County lines")
        assert screen.conversation.session.stage == "planning"
        await send(pilot, FIRST)
        await send(pilot, COUNTY_LINES)
        await wait_until(pilot, lambda: any(is_county_lines(h.case) for h in screen.hits)
                         and len(cards(app)) == len(screen.hits), what="a county-lines case")
        shown = cards(app)
        county = [(n, h) for n, h in enumerate(screen.hits) if is_county_lines(h.case)]
        for n, hit in county:
            card = shown[n]
            assert one_line(hit.case.title) in card
            assert one_line(hit.snippet, 260)[:80] in card, "the passage that matched"
            shares = card.split("Shares: ", 1)[1].split("\n")[0]
            assert "exploitation" in shares.split(", "), card
            assert set(shares.split(", ")) <= set(hit.case.themes)
            if hit.case.stage != "planning":
                assert f"From the {hit.case.stage_label.lower()} stage" in card
        for n, hit in enumerate(screen.hits):  # every card says why; another stage is always marked
            assert one_line(hit.snippet, 260)[:80] in shown[n]
            assert ("Shares: " in shown[n]) == bool(hit.shares)
            assert (f"From the {hit.case.stage_label.lower()} stage" in shown[n]) == (hit.case.stage != "planning")

        # The latest answer is about his last order, which the bank has at the review stage:
        # that case is added after the stage's own, marked with its stage.
        await send(pilot, LAST_ORDER)
        await wait_until(pilot, lambda: any(h.other_stage for h in screen.hits)
                         and len(cards(app)) == len(screen.hits), what="a case from another stage")
        shown = cards(app)
        assert [h.case.stage for h in screen.hits[:3]] == ["planning"] * 3
        n, extra = next((n, h) for n, h in enumerate(screen.hits) if h.other_stage)
        assert n == 3 and extra.case.stage != "planning" and is_county_lines(extra.case)
        assert f"From the {extra.case.stage_label.lower()} stage: a closer match than this stage's cases" in shown[n]
        assert one_line(extra.snippet, 260)[:80] in shown[n] and "Shares: " in shown[n]
        assert "and a closer match from another stage" in screen_text(app)

        screen.query_one("#answer").text = f"/pin {n + 1}"
        await pilot.press("ctrl+j")
        session_id = screen.conversation.session.id
        await wait_until(pilot, lambda: app.services.store.pins(session_id), what="the pin")
    with Store(tmp_path / "data" / "reflect.db") as store:
        pin = store.pins(session_id)[0]
        assert pin.case_id == extra.case.id
        assert f"from the {extra.case.stage_label.lower()} stage" in pin.reason and "shares" in pin.reason


def test_case_text_on_a_card_is_data() -> None:
    """Shared themes and the stage mark go through the same escaping as the rest of the card."""
    from assistant.tui.widgets import CaseCard

    card = CaseCard(1, "[bold]T[/bold]", "Review", ["[red]x[/red]"], "a \x1b[31mpassage\x07",
                    from_stage="[i]review[/i]", closer=True, shares=["[b]exploitation[/b]\x1b[0m"])
    shown = str(card.content)
    assert "[bold]T[/bold]" in shown and "[red]x[/red]" in shown and "From the [i]review[/i] stage" in shown
    assert "Shares: [b]exploitation[/b]" in shown
    assert "\x1b" not in shown and "\x07" not in shown
