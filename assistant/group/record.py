"""The group session record and the pre-session handout, as template contexts.

The record is what a team files as its reflective practice record: who attended (with a CPD
line each), the format and its roles, the case, each stage (its minutes and rule) with who
said what and the notes in the order they were said, actions with owners, and what the team
will take back. It follows the format: where the format attributes nothing, nobody is named.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.casebank.model import Bank, Case
from assistant.group.formats import CASE_QUESTIONS
from assistant.group.session import GroupQuestion, GroupSession
from assistant.reflection.steps import kind_of, step_id
from assistant.store import Action, Store, Turn


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
    """Everything the group record templates show, prepared here so a template only lays it out.

    A format that does not attribute gets no names in this context at all (not even for a
    user's own template to print): attendance is a count, contributions are themes, and the
    actions belong to the team. The facilitator, who writes and files the record, stays named.
    """
    group = group or GroupSession.resume(store, session_id, bank)
    session = group.session
    turns = store.turns(session.id)
    people = _people(group)
    facilitator = next((p for p in people if p["facilitator"]), None)
    attendees = [p for p in people if not p["facilitator"]]
    return {
        "session": {"id": session.id, "title": session.title, "created_at": session.created_at,
                    "finished_at": session.finished_at, "duration_minutes": group.duration_minutes(),
                    "status": session.status, "facilitator": group.meta.get("facilitator", ""),
                    "facilitator_minutes": facilitator["minutes"] if facilitator else None,
                    "minutes_per_question": group.meta.get("minutes"), "format": group.format_title,
                    "format_named": group.format_id not in ("", CASE_QUESTIONS), "attributed": group.attributed},
        "case": case_context(group.case, group.meta.get("case_title", ""), bank),
        "attendees": attendees if group.attributed else [],
        "attended_count": len(attendees),
        "roles": _roles(group),
        "questions": [_question(group, i, q, turns) for i, q in enumerate(group.questions)],
        "actions": _actions(group, store.actions(session.id)),
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


def _people(group: GroupSession) -> list[dict[str, Any]]:
    minutes = group.minutes_attended()
    return [{"name": p.name, "initials": p.initials, "minutes": minutes.get(p.initials, 0),
             "facilitator": p.facilitator} for p in group.participants]


def _roles(group: GroupSession) -> list[dict[str, Any]]:
    """Each role with its people, or (where nobody is named) how many held it."""
    return [{"title": title, "people": [p.label() for p in held] if group.attributed else [], "count": len(held)}
            for title, held in group.roles()]


def _question(group: GroupSession, index: int, question: GroupQuestion, turns: list[Turn]) -> dict[str, Any]:
    """One stage, with what was said in the order it was typed (notes stay where they were said)."""
    said = [_said(group, t) for t in turns if t.step == step_id("q", index) and t.kind in ("contribution", "note")]
    lead = group.lead(question)
    return {
        "text": question.text, "source": question.source, "title": question.title, "rule": question.rule,
        "minutes": group.minutes_for(question),
        "lead": lead[0] if lead else "",  # the role's title
        "lead_people": [p.label() for p in lead[1]] if lead and group.attributed else [],
        "said": said,
        "contributions": [s for s in said if s["kind"] == "contribution"],  # kept for user templates
        "notes": [s["text"] for s in said if s["kind"] == "note"],
        "asked": any(t.step == step_id("q", index) and t.kind == "question" for t in turns),
    }


def _said(group: GroupSession, turn: Turn) -> dict[str, str]:
    if turn.kind == "note" or not group.attributed:
        return {"kind": "note", "speaker": "", "text": turn.text}
    return {"kind": "contribution", "speaker": group.owner_label(turn.speaker) if turn.speaker else "",
            "text": turn.text}


def _actions(group: GroupSession, actions: list[Action]) -> list[dict[str, Any]]:
    return [{"text": a.text, "owner": group.owner_label(a.owner) if group.attributed else "The team",
             "due": a.due.isoformat() if a.due else None, "status": a.status} for a in actions]


def handout_context(case: Case, bank: Bank, questions: list[str] | None = None) -> dict[str, Any]:
    context = case_context(case, bank=bank)
    if questions is not None:
        context["questions"] = questions
    return {"case": context, "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
