"""The group session record and the pre-session handout, as template contexts.

The record is what a team files as its reflective practice record: who attended (with a CPD
line each), the case, each question with who said what and the notes, actions with owners,
and what the team will take back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.casebank.model import Bank, Case
from assistant.group.session import GroupSession
from assistant.store import Store
from assistant.reflection.steps import kind_of, step_id


def case_context(case: Case | None, title: str = "", bank: Bank | None = None) -> dict[str, Any]:
    if case is None:
        return {"title": title, "missing": True}
    themes = [bank.themes[t].label if bank and t in bank.themes else t for t in case.themes]
    return {
        "id": case.id, "title": case.title, "stage": case.stage_label, "strand": case.strand, "themes": themes,
        "child": f"{case.child.name}, {case.child.age}" + (f", {case.child.gender}" if case.child.gender else ""),
        "disposal": case.disposal, "offences": list(case.offences), "summary": case.summary,
        "inspector_comments": case.inspector_comments, "learning": list(case.learning),
        "questions": list(case.questions), "further_reading": list(case.further_reading), "missing": False,
    }


def group_context(store: Store, session_id: str, bank: Bank, group: GroupSession | None = None) -> dict[str, Any]:
    group = group or GroupSession.resume(store, session_id, bank)
    session = group.session
    people = {p.initials: p for p in group.participants}
    turns = store.turns(session.id)
    questions = []
    for i, q in enumerate(group.questions):
        said = [t for t in turns if t.step == step_id("q", i) and t.kind in ("contribution", "note")]
        questions.append({
            "text": q.text, "source": q.source,
            "contributions": [{"speaker": people[t.speaker].label() if t.speaker in people else (t.speaker or ""),
                               "text": t.text} for t in said if t.kind == "contribution"],
            "notes": [t.text for t in said if t.kind == "note"],
            "asked": any(t.step == step_id("q", i) and t.kind == "question" for t in turns),
        })
    minutes = group.minutes_attended()
    date = session.created_at
    attendees = [{"name": p.name, "initials": p.initials, "minutes": minutes.get(p.initials, 0)}
                 for p in group.participants]
    actions = []
    for a in store.actions(session.id):
        owner = people[a.owner].label() if a.owner in people else ("The team" if a.owner == "team" else a.owner or "")
        actions.append({"text": a.text, "owner": owner, "due": a.due.isoformat() if a.due else None,
                        "status": a.status})
    return {
        "session": {"id": session.id, "title": session.title, "created_at": date, "finished_at": session.finished_at,
                    "duration_minutes": group.duration_minutes(), "status": session.status,
                    "facilitator": group.meta.get("facilitator", ""), "minutes_per_question": group.meta.get("minutes")},
        "case": case_context(group.case, group.meta.get("case_title", ""), bank),
        "attendees": attendees,
        "questions": questions,
        "actions": actions,
        "take_back": [t.text for t in turns if t.kind == "takeback"],
        "general_notes": [t.text for t in turns if t.kind == "note" and kind_of(t.step) != "q"],
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def group_export_warnings(context: dict[str, Any], fmt: str) -> list[str]:
    """What a person should know before filing a group session's export (one line each)."""
    if fmt == "cpd" and not context.get("actions"):
        return [EMPTY_IMPACT]
    return []


EMPTY_IMPACT = ("the CPD entry's impact field is empty (the session agreed no actions): "
                "write in what will change in your practice before you submit the entry")


def handout_context(case: Case, bank: Bank, questions: list[str] | None = None) -> dict[str, Any]:
    context = case_context(case, bank=bank)
    if questions is not None:
        context["questions"] = questions
    return {"case": context, "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
