"""Records people file: the case a reflection is about, the CPD entry and the supervision record."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.group import GroupSession, parse_participants
from assistant.privacy import case_ref_problem
from assistant.reflection import Conversation, load_flows
from assistant.reflection.details import (DetailsError, earlier_case_refs, last_supervisor, parse_supervision_date,
                                          practitioner_name, read_details, set_practitioner_name)
from assistant.reflection.flows import load_flow
from assistant.render import format_date
from assistant.services.datadir import remove_session_logs, session_logs
from assistant.services.export import export_session
from assistant.store import Store

from tui_helpers import FakeClock

TODAY = dt.date(2026, 11, 25)
MEANT = {"case_ref": "JS", "supervision_date": "2026-11-23", "supervisor": "Sam Patel", "practitioner": "Alex Jones"}
# The takeaways flow at the planning stage, in order: the case, what stood out, the child's own plan,
# what comes first, develop, actions, support.
PLANNING_ANSWERS = [
    "J and I planned after the robbery.",
    "My supervisor helped me see I plan around the order, not around him.",
    "J wrote the first goal himself: back to football on Saturdays.",
    "Education first, because he is out of school and bored.",
    "I learnt to ask what he wants before I write anything.",
    "Ask school for his attendance by 12/12/2026\n- Meet his mum with his youth worker",
    "Time with my manager on exploitation.",
]


def fields(text: str) -> dict[str, list[str]]:
    """A plain-text record read the way a person pastes it: a heading line, its lines, a blank line."""
    out = {}
    for block in text.strip("\n").split("\n\n"):
        heading, *body = block.split("\n")
        out[heading] = body
    return out


def reflect(store: Store, bank, flow_id: str, stage: str, answers: list[str], meta=None, skip_actions=False) -> str:
    flows, _ = load_flows()
    conv = Conversation.start(store, next(f for f in flows if f.id == flow_id), bank.framework, strand="desistance",
                              stage=stage, title="Planning with J", meta=meta)
    queue = list(answers)
    while not conv.finished:
        kind = conv.pending().kind
        if kind in ("followup", "followup-status"):  # earlier reflections' actions
            conv.answer("done")
        elif kind == "offer":  # other cases' open actions: not now
            conv.answer("later")
        elif kind == "due":  # an action's date could not be read: leave it without one
            conv.skip()
        elif skip_actions and kind == "actions":
            conv.skip()
        else:
            conv.answer(queue.pop(0))
        conv.advance()
    assert not queue, "every answer was asked for"
    return conv.session.id


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data: Path):
    with Store(data / "reflect.db") as s:
        yield s


def run(data: Path, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data), "sessions", *args], catch_exceptions=False)


# --- the case and the people ---------------------------------------------------------------

@pytest.mark.parametrize("ref", ["Jordan Smith", "jordan smith", "J Smith", "Mr Smith", "JAY SMITH",
                                 "Mary-Jane O'Neil"])
def test_a_full_name_is_refused_as_a_case_reference(ref: str) -> None:
    assert "looks like a full name" in case_ref_problem(ref)
    with pytest.raises(DetailsError, match="full name") as caught:
        read_details(ref, "", "")
    assert caught.value.field == "case_ref" and "\n" not in str(caught.value)


@pytest.mark.parametrize("ref, what", [("SW1A 1AA", "postcode"), ("07700 900123", "phone number"),
                                       ("12/03/2009", "date of birth"), ("jo@example.org", "email address"),
                                       ("Case 4417281", "long number")])
def test_an_identifier_is_refused_as_a_case_reference(ref: str, what: str) -> None:
    assert what in case_ref_problem(ref)


@pytest.mark.parametrize("ref", ["", "JS", "J.S.", "Jay", "Jay S", "Child K", "K-17", "YP 3", "Boy A", "Mary-Jane"])
def test_initials_and_pseudonyms_are_kept(ref: str) -> None:
    assert case_ref_problem(ref) == ""
    assert read_details(f"  {ref} ", "", "").case_ref == ref


def test_the_supervision_date_is_read_or_said_back() -> None:
    assert parse_supervision_date("", TODAY) == TODAY
    assert parse_supervision_date("23/11/2026", TODAY) == dt.date(2026, 11, 23)
    assert parse_supervision_date("2026-11-20", TODAY) == dt.date(2026, 11, 20)
    assert parse_supervision_date("20 Nov", TODAY) == dt.date(2026, 11, 20)
    assert parse_supervision_date("1/12", TODAY) == dt.date(2025, 12, 1), "no year: the last one past"
    assert parse_supervision_date("yesterday", TODAY) == dt.date(2026, 11, 24)
    with pytest.raises(DetailsError, match=r"could not read '31/02/2026' as a date; write it like 25/11/2026"):
        parse_supervision_date("31/02/2026", TODAY)
    with pytest.raises(DetailsError, match="could not read 'next tuesday'"):
        parse_supervision_date("next tuesday", TODAY)
    with pytest.raises(DetailsError, match="30 November 2026 is after today") as caught:
        parse_supervision_date("30/11/2026", TODAY)
    assert caught.value.field == "supervision_date"


def test_the_details_go_into_the_new_reflections_meta_and_are_remembered(store, bank) -> None:
    assert earlier_case_refs(store) == [] and last_supervisor(store) == ""
    details = read_details("JS", "23/11/2026", "Sam  Patel", "Alex Jones", today=TODAY)
    sid = reflect(store, bank, "takeaways", "planning", PLANNING_ANSWERS, meta=details.meta())
    meta = store.get_session(sid).meta
    assert {k: meta[k] for k in MEANT} == MEANT
    reflect(store, bank, "takeaways", "planning", PLANNING_ANSWERS, meta={"case_ref": "K-17"})
    reflect(store, bank, "takeaways", "planning", PLANNING_ANSWERS, meta={"case_ref": "js"})
    assert earlier_case_refs(store) == ["js", "K-17"], "newest first, each case once"
    assert last_supervisor(store) == "Sam Patel", "the last one named, even when the newest named none"


def test_the_practitioners_name_is_a_setting(store) -> None:
    assert practitioner_name(store) == ""
    assert set_practitioner_name(store, "  Alex   Jones ") == "Alex Jones"
    assert practitioner_name(store) == "Alex Jones"
    with pytest.raises(DetailsError, match="keep it to 80"):
        set_practitioner_name(store, "x" * 81)
    set_practitioner_name(store, "")
    assert practitioner_name(store) == ""
    with pytest.raises(ValueError, match="unknown setting"):
        store.setting("colour")


# --- record fields are data -----------------------------------------------------------------

def test_record_fields_are_read_from_the_flow_and_checked(tmp_path: Path) -> None:
    flows, problems = load_flows()
    assert not problems
    takeaways = next(f for f in flows if f.id == "takeaways")
    assert takeaways.closing[1].record_fields == ("impact",)
    assert [q.record_fields for q in takeaways.questions] == [("description",), ("discussion", "peer_learning")]
    path = tmp_path / "mine.yaml"
    path.write_text("id: mine\ntitle: Mine\nquestions:\n  - id: a\n    text: What?\n    record_field: lerning\n"
                    "  - id: b\n    text: Why?\n    recordfield: impact\n", encoding="utf-8")
    flow, problems = load_flow(path)
    assert flow is None
    messages = [p.message for p in problems]
    assert "unknown record field 'lerning' (did you mean 'learning'?)" in messages
    assert "unknown key 'recordfield' (did you mean 'record_field'?)" in messages


# --- the CPD entry ------------------------------------------------------------------------

def test_a_cpd_entry_gives_each_field_on_its_own(store, bank, tmp_path: Path) -> None:
    sid = reflect(store, bank, "takeaways", "planning", PLANNING_ANSWERS, meta=MEANT)
    flows, _ = load_flows()
    path = export_session(store, sid, "cpd", flows, bank, logs_dir=tmp_path / "logs")
    assert path.name.endswith(f"-{sid}.cpd.txt")
    entry = fields(path.read_text(encoding="utf-8"))
    assert list(entry) == ["Type of CPD", "Description and why it is relevant", "Date", "What I learnt",
                           "Impact on my practice and on the people I work with",
                           "What I learnt from discussing it with a peer"]
    assert "following supervision" in entry["Type of CPD"][0]
    assert "after supervision with Sam Patel on 23 November 2026" in entry["Description and why it is relevant"][0]
    assert entry["Date"] == [format_date(dt.date.today())]
    assert entry["What I learnt"] == ["I learnt to ask what he wants before I write anything."]
    assert entry["Impact on my practice and on the people I work with"] == [
        "Ask school for his attendance by 12/12/2026", "- Meet his mum with his youth worker"]
    assert entry["What I learnt from discussing it with a peer"] == [PLANNING_ANSWERS[1]]
    assert "JS" not in path.read_text(encoding="utf-8"), "the entry goes to the regulator: no case reference"


def test_without_a_supervisor_there_is_no_peer_field(store, bank, tmp_path: Path) -> None:
    sid = reflect(store, bank, "what-so-what-now-what", "review",
                  ["What happened.", "So what.", "Now I will ask him first.", "Ring college by 5/1/2027", "None"])
    flows, _ = load_flows()
    entry = fields(export_session(store, sid, "cpd", flows, bank, logs_dir=tmp_path / "l").read_text())
    assert "What I learnt from discussing it with a peer" not in entry
    assert entry["What I learnt"] == ["So what."]
    assert entry["Impact on my practice and on the people I work with"] == ["Now I will ask him first.",
                                                                            "Ring college by 5/1/2027"]


def test_a_cpd_entry_with_an_empty_impact_field_warns_on_stderr(store, bank, data: Path) -> None:
    sid = reflect(store, bank, "gibbs", "review", ["What happened", "Felt", "Went well", "Because", "Learnt", "none"],
                  skip_actions=True)
    out = data.parent / "entry.txt"
    result = run(data, "export", sid[:5], "--format", "cpd", "-o", str(out))
    assert result.exit_code == 0 and result.stdout.strip() == str(out)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("reflect: warning: the CPD entry's impact")
    assert fields(out.read_text())["Impact on my practice and on the people I work with"] == [
        "(nothing recorded in this reflection)"]
    assert run(data, "export", sid, "--format", "md", "-o", str(out)).stderr == "", "only a CPD entry warns"


# --- the supervision record -----------------------------------------------------------------

def test_a_supervision_record_has_the_case_the_decisions_the_childs_view_and_a_sign_off(store, bank, data) -> None:
    sid = reflect(store, bank, "takeaways", "planning", PLANNING_ANSWERS, meta=MEANT)
    result = run(data, "export", sid, "--format", "supervision")
    assert result.exit_code == 0 and result.stderr == ""
    path = Path(result.stdout.strip())
    assert path.parent == data / "logs" and path.name.endswith(f"-{sid}.supervision.txt")
    record = path.read_text(encoding="utf-8")
    for line in ("Case reference:      JS", "Supervision date:    23 November 2026", "Supervisor:          Sam Patel",
                 "Practitioner:        Alex Jones"):
        assert line in record
    discussed = section(record, "What was discussed")
    assert PLANNING_ANSWERS[0] in discussed and PLANNING_ANSWERS[1] in discussed
    assert section(record, "Decisions and the reasons for them").endswith(PLANNING_ANSWERS[3])
    assert section(record, "The child's own view").endswith(PLANNING_ANSWERS[2])
    assert section(record, "Actions").split("\n") == [
        "- Ask school for his attendance. Owner: Alex Jones. By: 12 December 2026.",
        "- Meet his mum with his youth worker. Owner: Alex Jones. By: no date set."]
    signed = section(record, "Signed")
    assert "Practitioner: Alex Jones" in signed and "Supervisor:   Sam Patel" in signed
    assert signed.count("Signature: ____") == 2


def test_a_supervision_record_leaves_out_the_childs_view_it_was_not_given(store, bank, tmp_path: Path) -> None:
    sid = reflect(store, bank, "gibbs", "review", ["What happened", "Felt", "Went well", "Because", "Learnt",
                                                   "Ring his mum", "none"])
    flows, _ = load_flows()
    record = export_session(store, sid, "supervision", flows, bank, logs_dir=tmp_path / "l").read_text()
    assert "The child's own view" not in record
    assert "Case reference:      (not given)" in record
    assert section(record, "Decisions and the reasons for them") == "No decisions were recorded in this reflection."


def test_typed_text_stays_text_in_the_filed_records(store, bank, tmp_path: Path) -> None:
    nasty = "{{ 7*7 }} {% raw %} <script>x</script> [bold]b[/bold]"
    answers = [nasty if i < 5 else a for i, a in enumerate(PLANNING_ANSWERS)]
    sid = reflect(store, bank, "takeaways", "planning", answers, meta={**MEANT, "supervisor": "Sam {{ 6*7 }}"})
    flows, _ = load_flows()
    for fmt in ("cpd", "supervision"):
        text = export_session(store, sid, fmt, flows, bank, logs_dir=tmp_path / "l").read_text()
        assert nasty in text and "Sam {{ 6*7 }}" in text
        # Nothing was evaluated: no 49 or 42 anywhere but inside the session's random id or a clock time.
        scrubbed = re.sub(r"\b[0-9a-f]{6,}\b|\d{1,2}:\d{2}", "", text)
        assert not re.search(r"(?<!\d)(49|42)(?!\d)", scrubbed), fmt


def section(record: str, heading: str) -> str:
    """The text under a plain-text record's underlined heading, up to the next heading."""
    lines = record.split("\n")
    start = lines.index(heading) + 2
    end = next((i - 1 for i in range(start + 1, len(lines)) if set(lines[i]) == {"-"}), len(lines))
    return "\n".join(lines[start:end]).strip()


# --- group sessions ---------------------------------------------------------------------------

def group_session(store: Store, bank, actions: bool) -> str:
    clock = FakeClock()
    session = GroupSession.create(store, facilitator="Dee", participants=parse_participants("Amira Begum, Jo Tate (JT)"),
                                  case=bank.case("leah-planning-missing-exploitation"), minutes=5, clock=clock)
    session.begin()
    for line in ("AB: start with the missing episodes", "JT: talk to her mum"):
        said = session.read(line)
        session.contribute(said.text, said.speaker)
    if actions:
        session.add_actions("AB: Share the screening tool by 12/12/2026")
    session.take_back("Ask every child who they are with.")
    clock.advance(45 * 60)
    while session.next_question() is not None:
        pass
    session.finish()
    return session.session.id


def test_a_group_sessions_cpd_entry_is_peer_learning(store, bank, data: Path) -> None:
    sid = group_session(store, bank, actions=True)
    out = data.parent / "group.txt"
    result = run(data, "export", sid, "--format", "cpd", "-o", str(out))
    assert result.exit_code == 0 and result.stderr == ""
    entry = fields(out.read_text(encoding="utf-8"))
    assert entry["Type of CPD"] == ["Peer learning: a group reflective practice session"]
    assert "facilitated by Dee" in entry["Description and why it is relevant"][0]
    assert entry["What I learnt"] == ["Ask every child who they are with."]
    assert entry["Impact on my practice and on the people I work with"] == [
        "Share the screening tool: Amira Begum (AB), by 12 December 2026"]
    peers = entry["What I learnt from discussing it with my peers"]
    assert len(peers) == 1 and peers[0].endswith(
        "— Amira Begum (AB): start with the missing episodes; Jo Tate (JT): talk to her mum")


def test_a_group_session_has_no_supervision_record_and_warns_of_an_empty_impact(store, bank, data: Path) -> None:
    sid = group_session(store, bank, actions=False)
    refused = run(data, "export", sid, "--format", "supervision")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr == (f"reflect: a supervision record is for reflections only; {sid} is a group session "
                              "(export it as md, html or cpd)\n")
    assert not (data / "logs").exists() or not list((data / "logs").iterdir())
    warned = run(data, "export", sid, "--format", "cpd")
    assert warned.exit_code == 0 and "reflect: warning: the CPD entry's impact field is empty" in warned.stderr


# --- the files --------------------------------------------------------------------------------

def test_every_export_is_found_and_deleted_with_its_session(store, bank, data: Path) -> None:
    sid = reflect(store, bank, "takeaways", "planning", PLANNING_ANSWERS, meta=MEANT)
    for fmt in ("md", "html", "cpd", "supervision"):
        assert run(data, "export", sid, "--format", fmt).exit_code == 0
    names = sorted(p.name.split(sid)[1] for p in session_logs(data / "logs", sid))
    assert names == [".cpd.txt", ".html", ".md", ".supervision.txt"]
    assert len(remove_session_logs(data / "logs", sid)) == 4 and not list((data / "logs").iterdir())


def test_a_log_exported_mid_reflection_says_the_last_question_is_not_answered_yet(store, bank, tmp_path: Path) -> None:
    flows, _ = load_flows()
    conv = Conversation.start(store, next(f for f in flows if f.id == "takeaways"), bank.framework,
                              strand="desistance", stage="planning", title="Planning with J", meta=MEANT)
    conv.answer(PLANNING_ANSWERS[0])
    conv.advance()  # the next question is asked, and left unanswered
    question = " ".join(conv.pending().text.split())
    md = export_session(store, conv.session.id, "md", flows, bank, logs_dir=tmp_path / "l").read_text()
    assert md.count("Not answered yet.") == 1 and f"{question}\n\n_Not answered yet._" in md
    html = export_session(store, conv.session.id, "html", flows, bank, logs_dir=tmp_path / "l").read_text()
    reflection = html.split('<section id="reflection">')[1].split("</section>")[0]
    assert html.count("Not answered yet.") == 1 and reflection.count("<h3>") == 2
    assert reflection.rstrip().endswith("</h3>\n<p class=\"note\"><em>Not answered yet.</em></p>")
    sid = reflect(store, bank, "takeaways", "planning", PLANNING_ANSWERS, meta=MEANT)
    for fmt in ("md", "html"):
        assert "Not answered yet" not in export_session(store, sid, fmt, flows, bank, logs_dir=tmp_path / "l").read_text()


def test_the_markdown_log_keeps_each_action_its_own_list_item(store, bank, tmp_path: Path) -> None:
    sid = reflect(store, bank, "takeaways", "planning", PLANNING_ANSWERS, meta=MEANT)
    flows, _ = load_flows()
    md = export_session(store, sid, "md", flows, bank, logs_dir=tmp_path / "l").read_text()
    assert "\n- Ask school for his attendance by 12/12/2026\n- Meet his mum with his youth worker\n" in md
    assert "- **Case:** JS\n- **After supervision:** 23 November 2026, with Sam Patel\n" in md
    assert "- **Practitioner:** Alex Jones\n" in md


def test_the_export_help_names_every_format(data: Path) -> None:
    shown = " ".join(run(data, "export", "--help").stdout.split())
    assert "[md|html|cpd|supervision]" in shown and "Social Work England CPD entry" in shown
    assert "reflections only" in shown
