"""Group sessions without a screen: people, the timer, capture, records and handouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.services.export import export_handout, export_session
from assistant.group import Countdown, GroupError, GroupSession, PeopleError, clock_text, parse_participants
from assistant.group.formats import load_formats
from assistant.group.people import initials_note, parse_line
from assistant.reflection import load_flows
from assistant.store import Store

from tui_helpers import FakeClock


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "data" / "reflect.db") as s:
        yield s


def team():
    return parse_participants("Amira Begum, Jo Tate (JT), Sam, Priya Shah")


def test_participants_and_initials() -> None:
    people = team()
    assert [(p.name, p.initials) for p in people] == [("Amira Begum", "AB"), ("Jo Tate", "JT"), ("Sam", "SAM"),
                                                       ("Priya Shah", "PS")]
    assert initials_note(parse_participants("Dan, Jo Tate (JT), Amira Begum")) == "Dan → DAN, Jo Tate → JT, Amira Begum → AB"
    assert initials_note(parse_participants("PS")) == "PS"


@pytest.mark.parametrize("text, fragment", [("", "at least one participant"), ("Sam, sam", "named twice"),
                                            ("Amy Bell, Adam Brown", "share the initials AB")])
def test_bad_participant_lists(text: str, fragment: str) -> None:
    with pytest.raises(PeopleError, match=fragment):
        parse_participants(text)


def test_reading_lines() -> None:
    people = team()
    assert parse_line("AB: ring school first", people).speaker.initials == "AB"
    assert parse_line("jt: agree", people).speaker.initials == "JT"
    assert parse_line("Priya: and the youth worker", people).speaker.initials == "PS"
    unknown = parse_line("XY: who is this", people)
    assert unknown.speaker is None and unknown.unknown_prefix == "XY" and unknown.text == "who is this"
    note = parse_line("We agreed to look at the exclusion policy", people)
    assert note.speaker is None and note.unknown_prefix is None


def test_countdown_pauses_extends_and_goes_over() -> None:
    clock = FakeClock()
    c = Countdown(300).start(clock())
    clock.advance(100)
    assert round(c.remaining(clock())) == 200
    c = c.pause(clock())
    clock.advance(1000)
    assert round(c.remaining(clock())) == 200, "no time passes while paused"
    c = c.extend(60).start(clock())
    clock.advance(250)
    assert round(c.remaining(clock())) == 10 and not c.is_up(clock())
    clock.advance(20)
    assert c.is_up(clock()) and clock_text(c.remaining(clock())) == "+0:10"
    assert Countdown.from_dict(c.to_dict()) == c


def test_a_whole_group_session_and_its_record(store, bank, tmp_path: Path) -> None:
    clock = FakeClock()
    flows, _ = load_flows()
    structured = next(f for f in load_formats()[0] if f.id == "structured-case-discussion")
    case = bank.case("leah-planning-missing-exploitation")
    session = GroupSession.create(store, facilitator="Dee <b>Supervisor</b>", participants=team(), case=case,
                                  group_format=structured, minutes=5, clock=clock)
    assert session.phase == "present" and len(session.questions) == len(case.questions) + 4
    first = session.begin()
    assert first.text == case.questions[0] and session.remaining() == 300
    said = session.read("AB: {{ 7*7 }} we would start with the <script>missing</script> episodes")
    session.contribute(said.text, said.speaker)
    said = session.read("JT: and talk to her mum")
    session.contribute(said.text, said.speaker)
    session.contribute("The team agreed the plan needs her voice.", None)
    clock.advance(120)
    session.toggle_pause()
    clock.advance(600)
    assert round(session.remaining()) == 180
    session.extend(2)
    session.toggle_pause()
    session.add_participant("Late Comer", "LC")
    session.next_question()
    said = session.read("LC: I have a girl like this")
    session.contribute(said.text, said.speaker)
    session.add_actions("AB: Share the exploitation screening tool by 12/12/2026")
    session.add_actions("Book a follow-up session")
    with pytest.raises(GroupError, match="nobody here has the initials 'ZZ'"):
        session.add_actions("ZZ: something")
    session.take_back("Ask every child with missing episodes who they are with.")
    clock.advance(45 * 60)
    while session.next_question() is not None:
        pass
    assert session.phase == "close"
    session.finish()

    record = export_session(store, session.session.id, "md", flows, bank, logs_dir=tmp_path / "logs").read_text()
    assert "Amira Begum (AB):** {{ 7*7 }} we would start" in record
    assert "Jo Tate (JT):** and talk to her mum" in record
    assert "Late Comer (LC):** I have a girl like this" in record
    assert "Share the exploitation screening tool | Amira Begum (AB) | 12 December 2026" in record
    assert "Book a follow-up session | The team |" in record
    assert "Ask every child with missing episodes" in record
    assert "Not reached in this session." not in record
    assert ("Amira Begum took part in a 57-minute group reflective practice session (Structured case discussion)"
            in record)
    assert "Dee <b>Supervisor</b> facilitated a 57-minute group" in record
    assert "Late Comer took part in a" in record and "Dee <b>Supervisor</b>" in record
    page = export_session(store, session.session.id, "html", flows, bank, logs_dir=tmp_path / "logs").read_text()
    assert "<script>missing</script>" not in page and "&lt;script&gt;missing&lt;/script&gt;" in page
    assert "Dee &lt;b&gt;Supervisor&lt;/b&gt;" in page

    handout = export_handout(case.id, bank, "md", logs_dir=tmp_path / "logs").read_text()
    assert case.title in handout and case.questions[0] in handout and "Amira" not in handout


def test_resume_after_the_case_is_gone(store, bank, tmp_path: Path) -> None:
    clock = FakeClock()
    case = bank.cases[0]
    session = GroupSession.create(store, facilitator="D", participants=team(), case=case, clock=clock)
    session.begin()
    from assistant.casebank.model import Bank

    empty = Bank(bank.root, bank.framework, bank.themes, [], [])
    again = GroupSession.resume(store, session.session.id, empty, clock)
    assert again.case_missing and again.phase == "questions" and again.question.text == case.questions[0]
    flows, _ = load_flows()
    record = export_session(store, session.session.id, "md", flows, empty, logs_dir=tmp_path / "l").read_text()
    assert case.title in record and "has since been removed" in record


@pytest.mark.parametrize("kwargs, fragment", [({"facilitator": " "}, "who is facilitating"),
                                              ({"participants": []}, "at least one participant"),
                                              ({"minutes": 0}, "between 0.5 and 60")])
def test_bad_setup(store, bank, kwargs, fragment: str) -> None:
    args = {"facilitator": "D", "participants": team(), "case": bank.cases[0], **kwargs}
    with pytest.raises(GroupError, match=fragment):
        GroupSession.create(store, **args)
    assert store.list_sessions() == []
