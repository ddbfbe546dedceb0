"""The reflection log: a session's record turned into the context the templates expect."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any, Sequence

from assistant.casebank.model import STAGE_LABELS, STRAND_LABELS, Bank
from assistant.reflection.checklist import checklist
from assistant.reflection.conversation import READBACK
from assistant.reflection.flows import Flow
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
        "flow_title": flow.title if flow else session["flow"],
        "strand_title": strand.title if strand else STRAND_LABELS.get(session["strand"], session["strand"]),
        "stage_title": stage.title if stage else STAGE_LABELS.get(session["stage"], session["stage"]),
    }
    turns = []
    for turn in record["turns"]:
        step = turn.get("step") or ""
        if kind_of(step) in HIDDEN_STEPS or step == "finish-early" or turn["kind"] in HIDDEN_KINDS:
            continue
        kind = turn["kind"]
        if turn["role"] == "assistant" and kind in QUESTION_KINDS:
            kind = "question"
        turns.append({**turn, "kind": kind})
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
        "actions": _own_actions_unlabelled(record["actions"], practitioner_of(session["meta"])),
        "support": support,
        "carried_forward": carried,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _own_actions_unlabelled(actions: list[dict[str, Any]], practitioner: str) -> list[dict[str, Any]]:
    """A reflection's own actions need no "(owner: me)": only someone else's owner is shown."""
    return [{**a, "owner": None if owned_by(a.get("owner"), practitioner) else a["owner"]} for a in actions]


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
