"""The coverage panel, driven with Pilot: suggestions with evidence, confirmed or cleared by keyboard."""

from __future__ import annotations

from pathlib import Path

from assistant.services.export import export_session
from assistant.tui.widgets import CoverageList

from test_tui import FAMILY, send, start_reflection, transcript
from tui_helpers import make_app, wait_until

VAGUE = "Supervision was really useful today and I feel a lot clearer about where I am with him."


def checklist_lines(screen) -> list[str]:
    marks = screen.query_one("#checklist", CoverageList)
    return [str(marks.get_option_at_index(i).prompt) for i in range(marks.option_count)]


async def test_vague_then_specific_then_clear_and_confirm(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot)
        conv = screen.conversation
        await wait_until(pilot, lambda: screen.reflector is not None, what="the engine")

        await send(pilot, VAGUE)
        assert all(line.startswith("☐") for line in checklist_lines(screen)), checklist_lines(screen)
        assert conv.pending().kind == "probe", "a vague first answer is followed by a probe"
        assert "seems to show" not in str(screen.query_one("#notice").visual)

        await send(pilot, FAMILY)
        lines = checklist_lines(screen)
        labels = {e.id: e.label for e in conv.checklist()}
        carers = next(line for line in lines if labels["involves-child-and-carers"] in line)
        assert carers.startswith("◐"), lines
        evidence = next(e.sentence for e in conv.checklist() if e.id == "involves-child-and-carers")
        assert evidence and evidence[:40] in carers, "the sentence that earned the mark is shown"
        assert "seems to show" in str(screen.query_one("#notice").visual)

        await pilot.press("f3")
        marks = screen.query_one("#checklist", CoverageList)
        assert marks.has_focus
        target = [e.id for e in conv.checklist()].index("involves-child-and-carers")
        marks.highlighted = 0
        for _ in range(target):
            await pilot.press("down")
        detail = str(screen.query_one("#coverage-detail").visual)
        assert conv.expectations[target].text[:30] in detail and "Evidence:" in detail, detail
        await pilot.press("x")
        await wait_until(pilot, lambda: checklist_lines(screen)[target].startswith("☒"), what="cleared mark")
        assert "involves-child-and-carers" not in app.services.store.covered(conv.session.id)

        await pilot.press("down")
        await pilot.press("c")
        confirmed_id = conv.expectations[target + 1].id
        await wait_until(pilot, lambda: checklist_lines(screen)[target + 1].startswith("☑"), what="confirmed mark")
        await pilot.press("escape")
        assert screen.query_one("#answer").has_focus

        md = export_session(app.services.store, conv.session.id, "md", app.services.flows, app.services.bank,
                            logs_dir=tmp_path / "logs").read_text(encoding="utf-8")
        confirmed = md.split("### Confirmed by the practitioner", 1)[1].split("###", 1)[0]
        suggested = md.split("### Suggested, not confirmed", 1)[1].split("###", 1)[0]
        not_discussed = md.split("### Not discussed", 1)[1].split("##", 1)[0]
        assert labels[confirmed_id] in confirmed
        assert labels["involves-child-and-carers"] in not_discussed and "cleared" in not_discussed
        assert labels["involves-child-and-carers"] not in confirmed + suggested
        assert "Follow-up" in transcript(app)


async def test_an_answer_sent_while_the_model_warms_keeps_its_coverage(tmp_path: Path, embedder) -> None:
    """The reflector is built once, by whichever job needs it first: an answer sent before the
    engine is ready waits for it instead of going on without coverage."""
    app = make_app(tmp_path / "data")
    app.services.__dict__["embedder"] = embedder  # the model is shared; the index and checker are not warm
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await start_reflection(pilot)
        await send(pilot, FAMILY)
        conv = screen.conversation
        assert "involves-child-and-carers" in app.services.store.covered(conv.session.id)
        assert any(line.startswith("◐") for line in checklist_lines(screen))
