"""Group formats as data: the bundled ones, a broken file, roles, and sessions and records that follow them."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.group import GroupError, GroupSession, parse_participants
from assistant.group.formats import load_formats
from assistant.reflection import load_flows
from assistant.render import a_minutes
from assistant.services.export import render_session
from assistant.store import Store

from tui_helpers import FakeClock

TEAM = "Amira Begum, Jo Tate (JT), Dan, Priya Shah"
NAMES = ("Amira", "Begum", "Jo Tate", "Dan", "Priya", "Shah")


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "data" / "reflect.db") as s:
        yield s


@pytest.fixture(scope="module")
def formats():
    found, problems = load_formats()
    assert problems == []
    return {f.id: f for f in found}


def start(store, bank, fmt, roles=None, clock=None):
    return GroupSession.create(store, facilitator="Dee Supervisor", participants=parse_participants(TEAM),
                               case=bank.case("leah-planning-missing-exploitation"), group_format=fmt, minutes=5,
                               roles=roles, clock=clock or FakeClock())


def test_the_bundled_formats(formats) -> None:
    assert {"case-questions", "structured-case-discussion", "systemic-case-discussion", "action-learning-set",
            "reflective-case-discussion"} <= set(formats)
    systemic = formats["systemic-case-discussion"]
    assert [s.minutes for s in systemic.stages] == [15, 15, 15]
    assert [(r.id, r.several, r.required) for r in systemic.roles] == [
        ("presenter", False, True), ("co-supervisors", True, False), ("scribe", False, False)]
    learning = formats["action-learning-set"]
    assert [s.id for s in learning.stages] == ["the-challenge", "clarifying", "open-questions", "summary", "actions"]
    assert learning.stages[2].rule.startswith("Open questions only, no advice")
    assert formats["reflective-case-discussion"].attributed is False
    assert all(f.attributed for i, f in formats.items() if i != "reflective-case-discussion")
    flows, problems = load_flows()
    assert problems == [] and not {f.id for f in flows} & set(formats), "formats are not reflection flows"


GOOD = """\
id: pairs
title: Pairs
kind: group
stages:
  - id: talk
    title: Talk in pairs
    text: What did you notice?
    minutes: 5
"""

BROKEN = """\
id: broken
title: Broken
kind: group
roles:
  - {id: presenter, title: Presenter}
stages:
  - id: one
    title: One
    text: A question
    minutes: 500
    lead: presentr
  - id: two
    title: Two
    text: Another
    rules: a typo
"""


def test_a_broken_format_is_reported_with_file_and_line_and_the_others_still_load(tmp_path: Path) -> None:
    (tmp_path / "pairs.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "not-yaml.yaml").write_text("id: [\n", encoding="utf-8")
    found, problems = load_formats([tmp_path])
    assert [f.id for f in found] == ["pairs"]
    lines = [str(p) for p in problems]
    assert any(line.endswith("broken.yaml:10: stages[0].minutes: expected minutes from 0.5 to 120, got 500")
               for line in lines), lines
    assert any("broken.yaml:11: stages[0].lead: no role 'presentr' in this format (did you mean 'presenter'?)"
               in line for line in lines), lines
    assert any("broken.yaml:15: stages[1].rules: unknown key 'rules' (did you mean 'rule'?)" in line
               for line in lines), lines
    assert any("not-yaml.yaml:" in line and "not valid YAML" in line for line in lines), lines
    flows, flow_problems = load_flows(tmp_path)
    assert flows == [] and [p.path for p in flow_problems] == [problems[-1].path], "the flows loader skips formats"


def test_a_folder_of_formats_only_reports_a_file_that_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "pairs.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "forgot-kind.yaml").write_text(GOOD.replace("kind: group\n", "").replace("pairs", "trios"),
                                               encoding="utf-8")
    found, problems = load_formats((), formats_only=[tmp_path])
    assert [f.id for f in found] == ["pairs"]
    assert [str(p).split("forgot-kind.yaml")[1] for p in problems] == [
        ":1: kind: expected 'kind: group' (this folder holds group formats only)"]
    shared, quiet = load_formats([tmp_path])
    assert [f.id for f in shared] == ["pairs"] and quiet == [], "beside the flows, another kind is a flow"


def test_roles_are_given_by_initials_and_checked(store, bank, formats) -> None:
    systemic = formats["systemic-case-discussion"]
    for roles, fragment in [({}, "who is the presenter"),
                            ({"presenter": "XY"}, "nobody here is 'XY'"),
                            ({"presenter": "JT, AB"}, "the presenter is one person"),
                            ({"presenter": "JT", "co-supervisors": "AB, JT"}, "JT is both presenter and co-supervisors"),
                            ({"presenter": "JT", "chair": "AB"}, "no role 'chair'")]:
        with pytest.raises(GroupError, match=fragment):
            start(store, bank, systemic, roles)
    assert store.list_sessions() == []
    group = start(store, bank, systemic, {"presenter": "jo", "co-supervisors": "AB, Dan", "scribe": "DS"})
    assert [(title, [p.initials for p in people]) for title, people in group.roles()] == [
        ("Presenter", ["JT"]), ("Co-supervisors", ["AB", "DAN"]), ("Scribe", ["DS"])]
    assert group.roles_of("DS") == ["facilitator", "scribe"]


def test_a_session_follows_its_format_stage_by_stage(store, bank, formats) -> None:
    clock = FakeClock()
    group = start(store, bank, formats["action-learning-set"], {"presenter": "PS"}, clock)
    expected = [("The challenge", 10), ("Clarifying questions", 10), ("Open questions", 20),
                ("The presenter's summary", 5), ("Actions", 5)]
    seen = []
    stage = group.begin()
    while stage is not None:
        seen.append((stage.title, round(group.remaining() / 60)))
        if stage.id == "open-questions":
            assert "no advice" in stage.rule
        if stage.lead:
            assert group.lead() == ("Presenter", [next(p for p in group.participants if p.initials == "PS")])
        stage = group.next_question()
    assert seen == expected and group.phase == "close"


def test_the_case_questions_come_first_in_the_structured_discussion(store, bank, formats) -> None:
    case = bank.case("leah-planning-missing-exploitation")
    group = start(store, bank, formats["structured-case-discussion"])
    assert [q.text for q in group.questions[:len(case.questions)]] == list(case.questions)
    assert [q.title for q in group.questions[len(case.questions):]] == [
        "Clarifying questions", "What stood out", "What we would do", "What we will take back"]


def test_the_facilitator_is_in_the_room_and_owns_actions(store, bank, formats) -> None:
    group = start(store, bank, formats["case-questions"])
    assert [p.initials for p in group.participants] == ["DS", "AB", "JT", "DAN", "PS"]
    group.begin()
    said = group.read("DS: I will take this one to the managers")
    group.contribute(said.text, said.speaker)
    group.add_actions("DS: Raise the return-home interviews with the managers by 5/1/2027")
    assert [(s.person.initials, s.roles, s.spoken) for s in group.room()][:2] == [
        ("DS", "facilitator", True), ("AB", "", False)]
    assert [(a.text, a.owner, a.due) for a in group.action_lines()] == [
        ("Raise the return-home interviews with the managers", "Dee Supervisor (DS)", "5 January 2027")]
    with pytest.raises(GroupError, match=r"nobody here has the initials 'ZZ' \(here: DS, AB, JT, DAN, PS\)"):
        group.add_actions("ZZ: something")


def test_a_facilitator_in_the_list_is_listed_once_and_initials_must_differ(store, bank) -> None:
    case = bank.cases[0]
    group = GroupSession.create(store, facilitator="Jo Tate", participants=parse_participants(TEAM), case=case)
    assert [p.initials for p in group.participants] == ["JT", "AB", "DAN", "PS"]
    with pytest.raises(GroupError, match="share the initials AB"):
        GroupSession.create(store, facilitator="Ann Bell", participants=parse_participants(TEAM), case=case)


def test_what_was_said_keeps_its_order_in_the_record(store, bank, formats, tmp_path: Path) -> None:
    group = start(store, bank, formats["case-questions"])
    group.begin()
    for line in ("AB: first", "a note in between", "JT: third", "another note", "Dan: fifth"):
        said = group.read(line)
        group.contribute(said.text, said.speaker)
    record = render_session(store, group.session.id, "md", [], bank)
    order = ["**Amira Begum (AB):** first", "_Note:_ a note in between", "**Jo Tate (JT):** third",
             "_Note:_ another note", "**Dan (DAN):** fifth"]
    positions = [record.index(line) for line in order]
    assert positions == sorted(positions), record


def test_the_unattributed_format_keeps_themes_not_names(store, bank, formats) -> None:
    clock = FakeClock()
    group = start(store, bank, formats["reflective-case-discussion"], {"panel": "JT, AB"}, clock)
    group.begin()
    for line in ("AB: it felt like nobody was listening to her", "XY: I carried it home with me", "we all felt it"):
        said = group.read(line)
        assert said.speaker is None and said.unknown_prefix is None
        group.contribute(said.text, said.speaker)
    group.add_actions("JT: Book a debrief for the panel")
    assert all(t.speaker is None for t in store.turns(group.session.id)), "no name is even stored"
    clock.advance(55 * 60)
    while group.next_question() is not None:
        pass
    group.finish()
    for fmt in ("md", "html"):
        record = render_session(store, group.session.id, fmt, [], bank)
        assert "it felt like nobody was listening to her" in record and "I carried it home with me" in record
        assert "4 people" in record and "Each of the 4 people who attended took part in a 55-minute" in record
        assert "The story" in record and "Themes, not names." in record
        for name in NAMES:
            assert name not in record, (fmt, name)
        assert "(AB)" not in record and "(JT)" not in record


@pytest.mark.parametrize("minutes, phrase", [(0, "a brief"), (1, "a 1-minute"), (2, "a 2-minute"), (8, "an 8-minute"),
                                             (11, "an 11-minute"), (18, "an 18-minute"), (45, "a 45-minute"),
                                             (83, "an 83-minute"), (90, "a 90-minute")])
def test_minutes_before_a_noun(minutes: int, phrase: str) -> None:
    assert a_minutes(minutes) == phrase


def test_a_session_from_before_formats_still_resumes_and_renders(store, bank) -> None:
    """Sessions saved before formats had no format, roles or facilitator initials in their meta."""
    case = bank.case("leah-planning-missing-exploitation")
    clock = FakeClock()
    meta = {"facilitator": "Dee", "participants": [{"name": "Amira Begum", "initials": "AB", "joined": clock.now}],
            "case_id": case.id, "case_title": case.title, "case_stage": case.stage,
            "questions": [{"id": "case-1", "text": case.questions[0], "source": "case"},
                          {"id": "clarifying", "text": "What would you ask?", "source": "structured-case-discussion"}],
            "minutes": 5, "flow": "structured-case-discussion", "started": clock.now}
    session = store.create_session("group", title="Group session: old", flow="structured-case-discussion",
                                   strand=case.strand, stage=case.stage, meta=meta)
    store.set_state(session.id, {"phase": "present", "index": 0, "countdown": None})
    group = GroupSession.resume(store, session.id, bank, clock)
    assert group.attributed and group.roles() == [] and [p.initials for p in group.participants] == ["AB"]
    assert group.begin().text == case.questions[0] and group.remaining() == 300
    said = group.read("AB: still works")
    group.contribute(said.text, said.speaker)
    clock.advance(600)
    group.finish()
    record = render_session(store, session.id, "md", [], bank)
    assert "**Amira Begum (AB):** still works" in record and "**Facilitator:** Dee" in record
    assert "Amira Begum took part in a 10-minute group reflective practice session on" in record
