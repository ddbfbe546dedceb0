"""Following up agreed actions: whose, which first, answers understood, due dates read or asked again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.group import GroupError, GroupSession
from assistant.group.people import Participant
from assistant.reflection import Conversation, ReflectionError, load_flows
from assistant.reflection.followups import SELF, choose_followups, owned_by, practitioner_of
from assistant.reflection.log import log_context
from assistant.store import Store

MONDAY = "2026-12-07T10:00:00+00:00"  # the store's clock: Monday 7 December 2026


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "data" / "reflect.db", clock=lambda: MONDAY) as s:
        yield s


@pytest.fixture(scope="module")
def flows():
    return load_flows()[0]


def begin(store, flows, bank, case_ref: str | None = None, **meta) -> Conversation:
    flow = next(f for f in flows if f.id == "what-so-what-now-what")
    return Conversation.start(store, flow, bank.framework, strand="desistance", stage="planning",
                              title="A reflection", meta={"case_ref": case_ref, **meta})


def say(conv: Conversation, answer: str) -> None:
    conv.answer(answer)
    conv.advance()


def to_actions(conv: Conversation) -> None:
    """Answer whatever comes until the actions question is waiting."""
    while conv.pending().step != "close:actions":
        prompt = conv.pending()
        say(conv, "later" if prompt.kind == "offer" else "Something happened." if prompt.kind != "followup-status"
            else "done")


def reflection_with_actions(store, flows, bank, case_ref: str | None, actions: str) -> Conversation:
    conv = begin(store, flows, bank, case_ref)
    to_actions(conv)
    say(conv, actions)
    while conv.pending().kind == "due":
        say(conv, "no date")
    say(conv, "Time with my manager.")
    assert conv.finished
    return conv


def group_with_actions(store, bank) -> GroupSession:
    group = GroupSession.create(store, facilitator="Sam", participants=[Participant("Jo Tate", "JT")],
                                case=bank.cases[0], clock=lambda: 1_796_000_000.0)
    group.add_actions("JT: invite the police exploitation lead")
    group.add_actions("share the guidance with everyone")
    return group


def assistant_turns(conv: Conversation) -> list[str]:
    return [t.text for t in conv.turns() if t.role == "assistant"]


# --- whose actions, and which first ----------------------------------------------------------

def test_a_second_reflection_on_the_same_case_asks_only_about_its_own(store, flows, bank) -> None:
    reflection_with_actions(store, flows, bank, "YJ-1", "Ring school about his timetable\nRead the exploitation guidance")
    reflection_with_actions(store, flows, bank, "YJ-2", "Visit Leah's nan")
    reflection_with_actions(store, flows, bank, None, "Shadow a colleague at panel")
    group_with_actions(store, bank)
    assert len(store.open_actions()) == 6

    conv = begin(store, flows, bank, "yj-1 ")  # the same reference, however it is typed
    followed = [p.text for p in conv.plan() if p.kind == "followup"]
    assert len(followed) == 2 and "Ring school about his timetable" in followed[0]
    assert "Read the exploitation guidance" in followed[1]
    assert conv.pending().kind == "followup"
    say(conv, "Done. The referral went in on Monday.")
    say(conv, "Not done yet, the college has not replied.")
    offer = conv.pending()
    assert (offer.kind, offer.text) == ("offer", "2 other open actions: review them now, or later?")
    say(conv, "later")
    assert conv.pending().step == "q:what"
    shown = "\n".join(assistant_turns(conv))
    for elsewhere in ("Visit Leah's nan", "Shadow a colleague", "police exploitation lead", "share the guidance"):
        assert elsewhere not in shown, "not forced: another case's or another person's action"
    assert {a.text for a in store.open_actions()} >= {"Visit Leah's nan", "Shadow a colleague at panel",
                                                      "Read the exploitation guidance"}


def test_the_other_open_actions_can_be_reviewed_now(store, flows, bank) -> None:
    reflection_with_actions(store, flows, bank, "YJ-2", "Visit Leah's nan")
    reflection_with_actions(store, flows, bank, None, "Shadow a colleague at panel")
    group_with_actions(store, bank)
    conv = begin(store, flows, bank, "YJ-9")
    assert conv.pending().text == "2 other open actions: review them now, or later?"
    with pytest.raises(ReflectionError, match="now .* or later"):
        conv.answer("perhaps")
    say(conv, "Yes, now please")
    assert "Visit Leah's nan" in conv.pending().text
    say(conv, "We dropped it because he moved")
    assert "Shadow a colleague at panel" in conv.pending().text
    say(conv, "It went fine.")
    assert conv.pending().kind == "followup-status"
    say(conv, "carry on")
    assert conv.pending().step == "q:what"
    assert "police exploitation lead" not in "\n".join(assistant_turns(conv))
    statuses = {a.text: a.status for a in store.open_actions()}
    assert statuses == {"Shadow a colleague at panel": "carried", "invite the police exploitation lead": "open",
                        "share the guidance with everyone": "open"}


def test_skipping_the_offer_means_later(store, flows, bank) -> None:
    reflection_with_actions(store, flows, bank, None, "Shadow a colleague at panel")
    conv = begin(store, flows, bank, None)
    assert conv.pending().text == "1 other open action: review it now, or later?"
    conv.skip()
    conv.advance()
    assert conv.pending().step == "q:what" and len(store.open_actions()) == 1


def test_choosing_followups_by_owner_and_case(store, flows, bank) -> None:
    mine = reflection_with_actions(store, flows, bank, "YJ-1", "Ring school")
    group = group_with_actions(store, bank)
    legacy = store.add_action(mine.session.id, "Saved before owners")  # no owner: a reflection's, so mine
    chosen = choose_followups(store, {"case_ref": "YJ-1"})
    ring = store.actions(mine.session.id)[0]
    assert ring.owner == SELF and chosen.same_case == [ring.id, legacy.id] and chosen.other == []
    assert all(a.owner in ("JT", "team") for a in store.actions(group.session.id))
    assert choose_followups(store, {}).other == [ring.id, legacy.id]  # no case here: all are another case's
    named = choose_followups(store, {"practitioner": "Jo Tate"})  # a name set later still owns 'me'
    assert named.other == [ring.id, legacy.id]
    assert owned_by("JT", "JT") and not owned_by("JT", SELF) and owned_by(" ME ", "Sam") and owned_by(None, SELF)
    assert practitioner_of({}) == SELF and practitioner_of({"practitioner": "  Sam  Jones "}) == "Sam Jones"


# --- an answer about an action is understood -----------------------------------------------------

def test_done_is_understood_without_the_status_question(store, flows, bank) -> None:
    first = reflection_with_actions(store, flows, bank, "YJ-1", "Refer him to the speech and language team")
    conv = begin(store, flows, bank, "YJ-1")
    say(conv, "Done. The referral went in on Monday and they have accepted it.")
    assert conv.pending().step == "q:what"
    assert not any(t.step and t.step.startswith("status:") for t in conv.turns())
    action = store.actions(first.session.id)[0]
    assert action.status == "done" and "went in on Monday" in action.followup
    assert "Noted as done: \u201cRefer him to the speech and language team\u201d." in assistant_turns(conv)
    log = log_context(store, conv.session.id, flows, bank)
    assert [c["status"] for c in log["carried_forward"]] == ["done"]
    assert not any(t["kind"] == "readback" for t in log["turns"]), "what was read back stays out of the log"


def test_an_unclear_answer_is_asked_about_and_an_edit_is_read_again(store, flows, bank) -> None:
    first = reflection_with_actions(store, flows, bank, "YJ-1", "Meet his mum")
    conv = begin(store, flows, bank, "YJ-1")
    say(conv, "Sort of")
    assert conv.pending().text == "Is that action done, or will you carry it on? Reply done, carry on, or drop."
    with pytest.raises(ReflectionError, match="done, carry on, or drop"):
        conv.answer("hmm")
    say(conv, "done")
    assert store.actions(first.session.id)[0].status == "done"

    again = reflection_with_actions(store, flows, bank, "YJ-2", "Ring the college")
    conv = begin(store, flows, bank, "YJ-2")
    say(conv, "Completed on Friday")
    assert store.actions(again.session.id)[0].status == "done" and conv.pending().step == "q:what"
    conv.edit_last_answer("I rang but it went to voicemail.")  # says nothing now: back to open, asked next
    assert store.actions(again.session.id)[0].status == "open"
    say(conv, "What happened.")
    assert conv.pending().kind == "followup-status"
    say(conv, "not yet")
    assert store.actions(again.session.id)[0].status == "carried"


def test_with_a_broken_words_file_the_status_question_is_asked(store, flows, bank) -> None:
    from assistant.reflection.action_status import FALLBACK

    reflection_with_actions(store, flows, bank, "YJ-1", "Meet his mum")
    flow = next(f for f in flows if f.id == "what-so-what-now-what")
    conv = Conversation.start(store, flow, bank.framework, strand="desistance", stage="planning",
                              meta={"case_ref": "YJ-1"}, status_words=FALLBACK)
    say(conv, "Done. We met on Tuesday.")
    assert conv.pending().kind == "followup-status"
    say(conv, "done")
    assert conv.pending().step == "q:what"


# --- due dates read, or asked again -------------------------------------------------------------

def test_a_relative_date_is_resolved_and_shown(store, flows, bank) -> None:
    conv = begin(store, flows, bank, "YJ-1")
    to_actions(conv)
    say(conv, "Ring his mum by next Friday\nRead the AIM3 guidance in two weeks\nTalk to my manager")
    readback = assistant_turns(conv)[-2]
    assert readback.splitlines() == ["Due Friday 18 December 2026: \u201cRing his mum\u201d",
                                     "Due Monday 21 December 2026: \u201cRead the AIM3 guidance\u201d",
                                     "No due date: \u201cTalk to my manager\u201d"]
    assert conv.pending().kind == "support"
    say(conv, "None.")
    saved = [(a.text, a.due, a.owner) for a in store.actions(conv.session.id)]
    assert saved == [("Ring his mum", dt.date(2026, 12, 18), SELF),
                     ("Read the AIM3 guidance", dt.date(2026, 12, 21), SELF), ("Talk to my manager", None, SELF)]


def test_a_bad_date_is_said_back_and_asked_again(store, flows, bank, tmp_path: Path) -> None:
    conv = begin(store, flows, bank, "YJ-1")
    to_actions(conv)
    say(conv, "Meet the college by 31/02\nRing his mum by Friday\nBook a room by the 45th")
    assert assistant_turns(conv)[-2] == ("Due Friday 11 December 2026: \u201cRing his mum\u201d")
    asked = conv.pending()
    assert asked.kind == "due" and asked.text == (
        "\u201cMeet the college\u201d: I couldn't read '31/02' as a date; when is it due? "
        "(or leave it without a date)")
    with pytest.raises(ReflectionError, match=r"I couldn't read 'the 45th' as a date; when is it due\?"):
        conv.answer("the 45th")
    with pytest.raises(ReflectionError, match=r"I couldn't read 'soon-ish' as a date"):
        conv.answer("soon-ish")
    assert store.actions(conv.session.id) == [], "not saved until the date is answered"
    sid = conv.session.id
    store.close()
    with Store(tmp_path / "data" / "reflect.db", clock=lambda: MONDAY) as again:  # resumes at the question
        conv = Conversation.resume(again, sid, flows, bank.framework)
        assert conv.pending().step == "due:actions:0"
        say(conv, "31/03")
        assert assistant_turns(conv)[-2] == "Due Wednesday 31 March 2027: \u201cMeet the college\u201d"
        assert "I couldn't read 'the 45th'" in conv.pending().text and "Book a room" in conv.pending().text
        say(conv, "leave it without a date")
        assert assistant_turns(conv)[-2] == "No due date: \u201cBook a room\u201d"
        assert conv.pending().kind == "support"
        say(conv, "None.")
        saved = [(a.text, a.due) for a in again.actions(sid)]
        assert saved == [("Meet the college", dt.date(2027, 3, 31)), ("Ring his mum", dt.date(2026, 12, 11)),
                         ("Book a room", None)]
        log = log_context(again, sid, flows, bank)
        assert not any((t.get("step") or "").startswith("due:") for t in log["turns"])


def test_skipping_the_date_question_saves_the_action_without_a_date(store, flows, bank) -> None:
    conv = begin(store, flows, bank, "YJ-1")
    to_actions(conv)
    say(conv, "Meet on 30 February")
    conv.skip()
    conv.advance()
    assert assistant_turns(conv)[-2] == "No due date: \u201cMeet\u201d"
    say(conv, "None.")
    assert [(a.text, a.due) for a in store.actions(conv.session.id)] == [("Meet", None)]


def test_editing_the_actions_to_a_readable_date_drops_its_question(store, flows, bank) -> None:
    conv = begin(store, flows, bank, "YJ-1")
    to_actions(conv)
    say(conv, "Meet the college by 31/02")
    assert conv.pending().kind == "due"
    conv.edit_last_answer("Meet the college by 28/02")
    assert conv.pending().kind == "support"
    assert assistant_turns(conv)[-2] == "Due Sunday 28 February 2027: \u201cMeet the college\u201d"
    say(conv, "None.")
    assert [(a.text, a.due) for a in store.actions(conv.session.id)] == [("Meet the college", dt.date(2027, 2, 28))]


# --- group sessions: a date is read from the group's clock, never dropped ------------------------

def test_a_group_action_with_a_bad_date_is_refused_not_saved_without_one(store, bank) -> None:
    group = group_with_actions(store, bank)
    today = dt.date.fromtimestamp(1_796_000_000.0)  # the group's clock
    before = store.actions(group.session.id)
    with pytest.raises(GroupError, match="couldn't read '31/02' as a date"):
        group.add_actions("JT: ring the school by 31/02")
    assert store.actions(group.session.id) == before, "nothing saved without its date"
    [action] = group.add_actions("JT: ring the school tomorrow")
    assert (action.text, action.due, action.owner) == ("ring the school", today + dt.timedelta(days=1), "JT")
    assert group.said_back([action]).startswith("JT: Due ") and "\u201cring the school\u201d" in group.said_back([action])
