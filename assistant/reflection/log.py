"""The reflection log: a session's record turned into the context the templates expect, and exported.

One function serves the app and `reflect sessions export`, so the two can never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal, Sequence

from assistant.casebank.model import STAGE_LABELS, STRAND_LABELS, Bank
from assistant.fileio import atomic_write_text, ensure_private_dir
from assistant.reflection.flows import Flow
from assistant.render import render
from assistant.store import Store

Format = Literal["md", "html"]
QUESTION_KINDS = {"question", "closing", "actions", "support", "followup"}
HIDDEN_STEPS = ("status:", "done")


def log_context(store: Store, session_id: str, flows: Sequence[Flow], bank: Bank) -> dict[str, Any]:
    record = store.session_record(session_id)
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
        if step.startswith(HIDDEN_STEPS) or step == "finish-early":
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
    covered = set(record["covered"])
    coverage = [{"id": e.id, "text": e.text, "covered": e.id in covered} for e in (stage.expectations if stage else ())]
    support_steps = {f"close:{q.id}" for q in (flow.closing if flow else ()) if q.kind == "support"}
    support = "\n\n".join(t["text"] for t in record["turns"]
                          if t["role"] == "practitioner" and t["kind"] == "answer" and t.get("step") in support_steps)
    carried = [{"text": a["text"], "status": a["status"], "followup": a.get("followup") or ""}
               for a in record["followed_up"]]
    return {
        "session": info,
        "turns": turns,
        "pins": pins,
        "coverage": coverage,
        "actions": record["actions"],
        "support": support,
        "carried_forward": carried,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def render_session(store: Store, session_id: str, fmt: Format, flows: Sequence[Flow], bank: Bank,
                   user_templates: Path | None = None) -> str:
    session = store.get_session(session_id)
    kind = session.kind if session else "reflection"
    if kind == "group":
        from assistant.group.record import group_context

        context = group_context(store, session_id, bank)
        return render(f"group.{fmt}.j2", context, user_dir=_existing(user_templates))
    context = log_context(store, session_id, flows, bank)
    return render(f"reflection.{fmt}.j2", context, user_dir=_existing(user_templates))


def default_log_path(logs_dir: Path, title: str, session_id: str, fmt: Format,
                     created_at: str | None = None) -> Path:
    day = (created_at or dt.date.today().isoformat())[:10]
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "reflection"
    return logs_dir / f"{day}-{slug}-{session_id}.{fmt}"


def export_session(store: Store, session_id: str, fmt: Format, flows: Sequence[Flow], bank: Bank, *,
                   logs_dir: Path, out: Path | None = None, user_templates: Path | None = None) -> Path:
    """Write the log atomically, readable by its owner alone; returns where it went."""
    session = store.get_session(session_id)
    if session is None:
        raise LookupError(f"no session '{session_id}'")
    text = render_session(store, session.id, fmt, flows, bank, user_templates)
    if out is None:
        ensure_private_dir(logs_dir)
        out = default_log_path(logs_dir, session.title, session.id, fmt, session.created_at)
    return atomic_write_text(out, text, mode=0o600)


def _existing(folder: Path | None) -> Path | None:
    return folder if folder is not None and folder.is_dir() else None
