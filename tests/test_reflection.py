"""The guided reflection without a screen: order, probes, coverage, actions, resume, logs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from assistant.reflection import Conversation, ReflectionError, load_flows
from assistant.reflection.actions import parse_actions
from assistant.services.export import export_session
from assistant.reflection.log import log_context
from assistant.reflection.reflector import Reflector
from assistant.store import Store

from conftest import DATA


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "data" / "reflect.db") as s:
        yield s


@pytest.fixture(scope="module")
def flows():
    found, problems = load_flows()
    assert problems == []
    return found


def flow(flows, flow_id: str):
    return next(f for f in flows if f.id == flow_id)


def start(store, flows, bank, flow_id="takeaways", stage="assessment", meta=None):
    return Conversation.start(store, flow(flows, flow_id), bank.framework, strand="desistance", stage=stage,
                              title="Thinking about J", meta=meta)


def test_bundled_flows(flows) -> None:
    ids = {f.id for f in flows}
    assert {"takeaways", "what-so-what-now-what", "gibbs"} <= ids
    assert flows[0].id == "takeaways" and flows[0].default


def test_a_new_flow_file_needs_no_code(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump({
        "id": "mine", "title": "Three words", "questions": [{"id": "one", "text": "What happened?"}],
        "closing": [{"id": "acts", "kind": "actions", "text": "Actions?"}]}), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [", encoding="utf-8")
    found, problems = load_flows(tmp_path)
    assert [f.id for f in found] == ["mine"]
    assert len(problems) == 1 and "broken.yaml" in str(problems[0])


def test_questions_in_order_then_close(store, flows, bank) -> None:
    conv = start(store, flows, bank, "what-so-what-now-what", "planning")
    seen = []
    while True:
        prompt = conv.pending()
        assert prompt is not None
        if prompt.kind == "done":
            break
        seen.append(prompt.step)
        conv.answer(f"My answer to {prompt.step}.\nBook a meeting with college by 2027-01-05")
        conv.advance()
    assert seen == ["q:what", "q:so-what", "q:now-what", "close:actions", "close:support"]
    assert "planning" in store.turns(conv.session.id)[0].text
    actions = store.actions(conv.session.id)
    assert [a.due for a in actions if a.due] == [dt.date(2027, 1, 5)]
    assert store.get_session(conv.session.id).status == "finished"


def test_empty_and_huge_answers_are_refused(store, flows, bank) -> None:
    conv = start(store, flows, bank)
    with pytest.raises(ReflectionError, match="empty"):
        conv.answer("   \n ")
    with pytest.raises(ReflectionError, match="limit"):
        conv.answer("x" * 30_000)
    assert [t for t in store.turns(conv.session.id) if t.role == "practitioner"] == []


def test_the_draft_is_kept_until_the_answer_is_sent(store, flows, bank) -> None:
    conv = start(store, flows, bank)
    assert conv.draft() == ""
    conv.save_draft("Half an answer about J's mum")
    resumed = Conversation.resume(store, conv.session.id, flows, bank.framework)
    assert resumed.draft() == "Half an answer about J's mum"
    with pytest.raises(ReflectionError, match="limit"):
        resumed.save_draft("x" * 30_000)  # an answer that long could not be sent either
    assert resumed.draft() == "Half an answer about J's mum", "the last draft is kept"
    resumed.skip()
    assert resumed.draft() != "", "skipping a question leaves what is typed"
    resumed.advance()
    resumed.answer("Half an answer about J's mum, finished.")
    assert resumed.draft() == ""
    resumed.save_draft("   ")
    assert store.draft(conv.session.id) is None


def test_skip_edit_and_finish_early(store, flows, bank) -> None:
    conv = start(store, flows, bank, "gibbs")
    conv.answer("First version.")
    conv.edit_last_answer("Second version.")
    assert conv.last_answer().text == "Second version."
    conv.advance()
    conv.skip()
    conv.advance()
    conv.finish_early()
    prompt = conv.advance()
    assert prompt.step == "close:actions"
    kinds = [(t.step, t.kind) for t in store.turns(conv.session.id) if t.role == "practitioner"]
    assert kinds[:2] == [("q:description", "answer"), ("q:feelings", "skip")]


def test_resume_exactly_where_it_stopped(store, flows, bank, tmp_path: Path) -> None:
    conv = start(store, flows, bank)
    conv.answer("An answer that was sent.")
    sid = conv.session.id
    store.close()
    with Store(tmp_path / "data" / "reflect.db") as again:
        resumed = Conversation.resume(again, sid, flows, bank.framework)
        prompt = resumed.pending()
        assert prompt is not None and prompt.step == "q:stood-out"
        assert any(t.text == "An answer that was sent." for t in again.turns(sid))


def reflector_for(conv, case_search, coverage_book):
    session = conv.session
    return Reflector(conv, case_search, coverage_book.checker(session.strand, session.stage))


def test_a_vague_answer_ticks_nothing_and_is_followed_by_a_probe(store, flows, bank, case_search,
                                                                  coverage_book) -> None:
    conv = start(store, flows, bank, "takeaways", "planning")
    reflector = reflector_for(conv, case_search, coverage_book)
    vague = ("Today in supervision we looked at the intervention plan and talked it all through. "
             "It was really useful and I feel a lot clearer now.")
    turn = conv.answer(vague)
    result = reflector.after_answer(vague, turn.id)
    assert result.covered == set() and result.new == []
    assert result.prompt.kind == "probe"
    assert result.prompt.text == next(e.probe for e in conv.expectations if e.id == result.prompt.expectation)
    assert result.hits and all(h.case.stage == "planning" for h in result.hits)
    # A probe's answer is followed by the next question, not another probe.
    turn = conv.answer("I had not thought about that; I will ask the school for their view.")
    assert reflector.after_answer(turn.text, turn.id).prompt.kind == "question"


def test_a_specific_answer_is_suggested_with_its_sentence_and_not_probed(store, flows, bank, case_search,
                                                                         coverage_book) -> None:
    conv = start(store, flows, bank, "takeaways", "assessment")
    reflector = reflector_for(conv, case_search, coverage_book)
    answer = ("I went round to the flat twice and sat with Jayden and his nan, and asked each of them how they "
              "made sense of what happened that night. Both of their explanations are in the assessment in "
              "their own words.")
    turn = conv.answer(answer)
    result = reflector.after_answer(answer, turn.id)
    assert "involves-child-and-carers" in result.covered
    evidence = next(e for e in result.new if e.expectation == "involves-child-and-carers")
    assert evidence.sentence in answer and evidence.score >= coverage_book.model.threshold
    mark = next(m for m in store.coverage(conv.session.id) if m.expectation_id == "involves-child-and-carers")
    assert mark.state == "suggested" and mark.sentence == evidence.sentence and mark.turn_id == turn.id
    assert result.prompt.kind == "probe" and result.prompt.expectation not in result.covered


CARERS = "I asked Jayden's nan how she understood the offence and wrote her view into the assessment in her words."


def carers_answered(store, flows, bank, case_search, coverage_book):
    """An assessment reflection whose first answer shows the child and carer were heard."""
    conv = start(store, flows, bank, "takeaways", "assessment")
    reflector = reflector_for(conv, case_search, coverage_book)
    turn = conv.answer(CARERS)
    reflector.update_coverage(CARERS, turn.id)
    assert "involves-child-and-carers" in store.covered(conv.session.id)
    return conv, reflector, turn


def test_a_cleared_mark_stays_cleared_and_can_be_probed(store, flows, bank, case_search, coverage_book) -> None:
    conv, reflector, turn = carers_answered(store, flows, bank, case_search, coverage_book)
    conv.decide_coverage("involves-child-and-carers", "cleared")
    reflector.update_coverage(CARERS, turn.id)  # read again: the person's word stands
    assert "involves-child-and-carers" not in store.covered(conv.session.id)
    entry = next(e for e in conv.checklist() if e.id == "involves-child-and-carers")
    assert entry.state == "cleared" and not entry.shown
    with pytest.raises(ReflectionError):
        conv.decide_coverage("not-an-expectation", "confirmed")


def test_nothing_left_to_ask_means_no_filler_probe(store, flows, bank, case_search, coverage_book) -> None:
    conv = start(store, flows, bank, "takeaways", "review")
    reflector = reflector_for(conv, case_search, coverage_book)
    for exp in conv.expectations:
        conv.decide_coverage(exp.id, "confirmed")
    turn = conv.answer("We met weekly and he has kept every appointment since the summer.")
    result = reflector.after_answer(turn.text, turn.id)
    assert result.prompt.kind == "question" and result.nothing_left


def test_an_edited_answer_is_read_again(store, flows, bank, case_search, coverage_book) -> None:
    conv, reflector, turn = carers_answered(store, flows, bank, case_search, coverage_book)
    edited = conv.edit_last_answer("It was a long week and supervision helped.")
    reflector.reassess(edited.id, edited.text)
    assert store.covered(conv.session.id) == set()


def test_probes_stop_at_the_flows_maximum(store, flows, bank, case_search, coverage_book) -> None:
    conv = start(store, flows, bank, "what-so-what-now-what", "review")
    reflector = reflector_for(conv, case_search, coverage_book)
    for _ in range(12):
        prompt = conv.pending()
        if prompt.kind == "done":
            break
        turn = conv.answer("We met weekly and talked about football.")
        reflector.after_answer(turn.text, turn.id)
    maximum = flow(flows, "what-so-what-now-what").max_probes
    assert maximum > 0 and len(conv.probes_asked()) == maximum


def test_actions_are_carried_forward(store, flows, bank) -> None:
    first = start(store, flows, bank, "what-so-what-now-what", meta={"case_ref": "YJ-1"})
    for _ in range(3):
        first.answer("Something.")
        first.advance()
    first.answer("- Ring the school about his timetable by 12/12/2026\n- Read the guidance on exploitation")
    first.advance()
    first.answer("Time with my manager.")
    first.advance()
    assert len(store.open_actions()) == 2

    second = start(store, flows, bank, "what-so-what-now-what", meta={"case_ref": "YJ-1"})
    prompt = second.pending()
    assert prompt.kind == "followup" and "Ring the school about his timetable" in prompt.text
    second.answer("I rang, and they agreed a reduced timetable.")
    second.advance()
    with pytest.raises(ReflectionError, match="done, carry on, or drop"):
        second.answer("hmm")
    second.answer("done")
    second.advance()
    assert second.pending().kind == "followup"
    second.answer("I have not started the reading.")  # says it is carried: no status question
    second.advance()
    assert second.pending().step == "q:what"
    statuses = sorted(a.status for a in store.actions(first.session.id))
    assert statuses == ["carried", "done"]
    context = log_context(store, second.session.id, flows, bank)
    assert any("reduced timetable" in c["followup"] for c in context["carried_forward"])


@pytest.mark.parametrize("text, expected", [
    ("Visit school by 12/12/2026", [("Visit school", dt.date(2026, 12, 12))]),
    ("- Ask CAMHS for an update (due 2027-01-05)", [("Ask CAMHS for an update", dt.date(2027, 1, 5))]),
    ("1. Book a panel review on 3 March 2027", [("Book a panel review", dt.date(2027, 3, 3))]),
    ("• Talk to my manager", [("Talk to my manager", None)]),
    ("Read the Maruna chapter\n\n* Shadow a colleague by 5 Jan 2027",
     [("Read the Maruna chapter", None), ("Shadow a colleague", dt.date(2027, 1, 5))]),
    ("Ring his mum by next Friday", [("Ring his mum", dt.date(2026, 12, 4))]),
    ("Ring his mum by Friday\nReview in two weeks",
     [("Ring his mum", dt.date(2026, 11, 27)), ("Review", dt.date(2026, 12, 7))]),
])
def test_parse_actions(text: str, expected) -> None:
    got = [(a.text, a.due) for a in parse_actions(text, today=dt.date(2026, 11, 23))]
    assert got == expected


def test_an_unreadable_date_is_kept_apart_not_dropped() -> None:
    got = parse_actions("Meet on 31/02/2027\nAsk school by the 45th", today=dt.date(2026, 11, 23))
    assert [(a.text, a.due, a.unreadable) for a in got] == [("Meet", None, "31/02/2027"),
                                                         ("Ask school", None, "the 45th")]


def test_exported_logs_hold_the_reflection_and_keep_text_literal(store, flows, bank, tmp_path: Path) -> None:
    conv = start(store, flows, bank, "what-so-what-now-what")
    nasty = "[bold]{{ 7*7 }}[/bold] <script>alert(1)</script> [link=file:///etc/passwd]x[/link]"
    conv.answer(nasty)
    conv.advance()
    case = bank.cases[0]
    store.pin_case(conv.session.id, case.id, title=case.title, snippet="a passage", reason="matched your words")
    for _ in range(2):
        conv.answer("More thoughts.")
        conv.advance()
    conv.answer("Phone the youth worker by 2027-02-01")
    conv.advance()
    conv.answer("Supervision time")
    conv.advance()
    md = export_session(store, conv.session.id, "md", flows, bank, logs_dir=tmp_path / "logs")
    html = export_session(store, conv.session.id, "html", flows, bank, logs_dir=tmp_path / "logs")
    text = md.read_text(encoding="utf-8")
    assert "[bold]{{ 7*7 }}[/bold]" in text  # kept literally: not run as a template (it would read 49)
    assert case.title in text and "Phone the youth worker" in text and "Supervision time" in text
    page = html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert (md.stat().st_mode & 0o777) == 0o600
    assert (tmp_path / "logs").stat().st_mode & 0o777 == 0o700
