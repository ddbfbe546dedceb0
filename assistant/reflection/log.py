"""The reflection log: a session's record turned into the context the templates expect.

The same context serves every export: the log (Markdown, HTML), the CPD entry and the
supervision record. What the filed records need beyond the log is prepared here, not in the
templates: the case and people from the session's meta, and each record field's answers,
chosen by the `record_field` the flow gives its questions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from assistant.casebank.model import STAGE_LABELS, STRAND_LABELS, Bank
from assistant.reflection.actions import action_lines
from assistant.reflection.checklist import checklist
from assistant.reflection.conversation import READBACK
from assistant.reflection.details import CASE_REF, PRACTITIONER, SUPERVISION_DATE, SUPERVISOR
from assistant.reflection.flows import RECORD_FIELDS, Flow
from assistant.reflection.followups import owned_by, practitioner_of
from assistant.reflection.steps import kind_of, step_id
from assistant.store import Action, NotFound, Store

QUESTION_KINDS = {"question", "closing", "actions", "support", "followup"}
# The log keeps what was asked and answered; how reflect got the status, the offer and the dates
# right (and what it said back) is in the actions and follow-up lists instead.
HIDDEN_STEPS = ("status", "offer", "due", "done")  # step kinds the log leaves out
HIDDEN_KINDS = {READBACK}


def log_context(store: Store, session_id: str, flows: Sequence[Flow], bank: Bank) -> dict[str, Any]:
    record = session_record(store, session_id)
    session = record["session"]
    flow = next((f for f in flows if f.id == session["flow"]), None)
    stage = bank.framework.stage(session["strand"], session["stage"])
    strand = bank.framework.strand(session["strand"])
    info = {
        **session,
        **session_details(session["meta"]),
        "flow_title": flow.title if flow else session["flow"],
        "strand_title": strand.title if strand else STRAND_LABELS.get(session["strand"], session["strand"]),
        "stage_title": stage.title if stage else STAGE_LABELS.get(session["stage"], session["stage"]),
    }
    action_steps = {step_id("close", q.id) for q in (flow.closing if flow else ()) if q.kind == "actions"}
    turns = []
    for turn in record["turns"]:
        step = turn.get("step") or ""
        if kind_of(step) in HIDDEN_STEPS or step == "finish-early" or turn["kind"] in HIDDEN_KINDS:
            continue
        kind = turn["kind"]
        if turn["role"] == "assistant" and kind in QUESTION_KINDS:
            kind = "question"
        items = action_lines(turn["text"]) if turn["role"] == "practitioner" and step in action_steps else []
        turns.append({**turn, "kind": kind, "action_lines": items})
    pins = []
    for pin in record["pins"]:
        case = bank.case(pin["case_id"])
        pins.append({
            **pin,
            "stage": case.stage_label if case else "",
            "themes": [bank.themes[t].label if t in bank.themes else t for t in case.themes] if case else [],
        })
    coverage = [{"id": e.id, "label": e.label, "text": e.text, "state": e.state, "sentence": e.sentence,
                 "covered": e.shown}
                for e in checklist(stage.expectations if stage else (), store.coverage(session_id))]
    support_steps = {step_id("close", q.id) for q in (flow.closing if flow else ()) if q.kind == "support"}
    support = "\n\n".join(t["text"] for t in record["turns"]
                          if t["role"] == "practitioner" and t["kind"] == "answer" and t.get("step") in support_steps)
    carried = [{"text": a["text"], "status": a["status"], "followup": a.get("followup") or ""}
               for a in record["followed_up"]]
    return {
        "session": info,
        "turns": turns,
        "pins": pins,
        "coverage": coverage,
        "actions": [{**a, "owner_name": owner_name(a.get("owner"), info["practitioner"])}
                    for a in _own_actions_unlabelled(record["actions"], practitioner_of(session["meta"]))],
        "fields": record_fields(flow, session["stage"], record["turns"]),
        "support": support,
        "carried_forward": carried,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _own_actions_unlabelled(actions: list[dict[str, Any]], practitioner: str) -> list[dict[str, Any]]:
    """A reflection's own actions need no "(owner: me)": only someone else's owner is shown."""
    return [{**a, "owner": None if owned_by(a.get("owner"), practitioner) else a["owner"]} for a in actions]


def session_details(meta: Mapping[str, Any]) -> dict[str, str]:
    """The case and the people a reflection names (see `details.py`), '' for those not given."""
    return {key: " ".join(str(meta.get(key) or "").split())
            for key in (CASE_REF, SUPERVISION_DATE, SUPERVISOR, PRACTITIONER)}


def owner_name(owner: str | None, practitioner: str) -> str:
    """Who an action belongs to, as a filed record names them: a reflection's own actions are the
    practitioner's (saved with no owner, or as 'me')."""
    owner = " ".join((owner or "").split())
    if owner and owner.casefold() != "me":
        return owner
    return practitioner or "the practitioner"


def record_fields(flow: Flow | None, stage: str, turns: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """The answers to each record field (`record_field` on the flow's questions), in order.

    Each item is ``{question, text}``: the question as it was asked, and the answer as it
    stands now (an edited answer is read as edited; a skipped question gives nothing).
    """
    fields: dict[str, list[dict[str, str]]] = {name: [] for name in RECORD_FIELDS}
    if flow is None:
        return fields
    steps = {step_id("q", q.id): q for q in flow.main_questions(stage)}
    steps.update({step_id("close", q.id): q for q in flow.closing})
    asked = {t["step"]: t["text"] for t in turns if t["role"] == "assistant" and t.get("step") in steps}
    for turn in turns:
        step = turn.get("step") or ""
        if turn["role"] != "practitioner" or turn["kind"] != "answer" or step not in steps:
            continue
        question = steps[step]
        for name in question.record_fields:
            fields[name].append({"question": asked.get(step, question.text), "text": turn["text"]})
    return fields


def export_warnings(context: Mapping[str, Any], fmt: str) -> list[str]:
    """What a person should know before filing this export (one line each), e.g. an empty field
    a CPD entry cannot go without."""
    if fmt == "cpd" and not context.get("fields", {}).get("impact"):
        return [EMPTY_IMPACT]
    return []


EMPTY_IMPACT = ("the CPD entry's impact field is empty (no answer in this reflection said what will change in "
                "your practice or for the people you work with): write it in before you submit the entry")


@dataclass(frozen=True)
class TurnText:
    """One turn of a session as a person would copy it: who said it, and the words."""

    who: str
    text: str


_WHO = {"assistant": "reflect", "practitioner": "You", "facilitator": "Facilitator"}


def copyable_turns(store: Store, session_id: str) -> list[TurnText]:
    """The turns of a reflection or a group session that a log shows, in order, to copy one.

    The steps a log leaves out (follow-up status replies, the end marker) are left out here too.
    """
    out = []
    for turn in store.turns(session_id):
        step = turn.step or ""
        if (turn.role == "system" or kind_of(step) in HIDDEN_STEPS or step == "finish-early" or turn.kind == "skip"
                or turn.kind in HIDDEN_KINDS):
            continue
        who = turn.speaker or _WHO.get(turn.role, turn.role.title())
        out.append(TurnText(who, turn.text))
    return out


def _minutes_between(start: str | None, end: str | None) -> int:
    if not start or not end:
        return 0
    try:
        delta = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
    except ValueError:
        return 0
    return max(0, round(delta.total_seconds() / 60))


def session_record(store: Store, session_id: str) -> dict[str, Any]:
    """Everything about a session as plain dicts and lists, the raw material of its log.

    Keys: ``session`` (its fields, ``state``, ``meta`` and ``duration_minutes``: from
    start to finish, or to the last turn while unfinished), ``turns``, ``pins``,
    ``actions``, ``followed_up`` (earlier actions followed up in it) and ``covered``
    (sorted expectation ids).
    """
    session = store.get_session(session_id)
    if session is None:
        raise NotFound(f"no session with id '{session_id}'")
    turns = store.turns(session.id)
    end = session.finished_at or (turns[-1].created_at if turns else None)
    info = asdict(session)
    info["duration_minutes"] = _minutes_between(session.created_at, end)

    def action_dict(a: Action) -> dict[str, Any]:
        d = asdict(a)
        d["due"] = a.due.isoformat() if a.due else None
        return d

    return {
        "session": info,
        "turns": [asdict(t) for t in turns],
        "pins": [asdict(p) for p in store.pins(session.id)],
        "actions": [action_dict(a) for a in store.actions(session.id)],
        "followed_up": [action_dict(a) for a in store.followed_up(session.id)],
        "covered": sorted(store.covered(session.id)),
        "coverage": [asdict(m) for m in store.coverage(session.id)],
    }
