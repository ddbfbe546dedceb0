"""Rendering and exporting any session (a reflection or a group session) from templates.

One module serves the app and `reflect sessions export`, so the two can never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

from assistant.casebank.model import Bank
from assistant.fileio import atomic_write_text, ensure_private_dir
from assistant.outputsafe import clean
from assistant.reflection.flows import Flow
from assistant.render import render
from assistant.store import Store
from assistant.textsafe import one_line

Format = Literal["md", "html", "cpd", "supervision"]
FORMATS: tuple[Format, ...] = ("md", "html", "cpd", "supervision")
#: How each format's file name ends: the filed records say what they are, and never overwrite the log.
LOG_SUFFIXES: dict[str, str] = {"md": ".md", "html": ".html", "cpd": ".cpd.txt", "supervision": ".supervision.txt"}
#: The template of each format, after the session's kind ("reflection." or "group.").
_TEMPLATES: dict[str, str] = {"md": "md.j2", "html": "html.j2", "cpd": "cpd.txt.j2",
                              "supervision": "supervision.txt.j2"}


class ExportRefused(ValueError):
    """This session has no such record (a supervision record of a group session): one line why."""


@dataclass(frozen=True)
class Exported:
    """What an export from the app wrote, or the one line that says why it could not."""

    paths: list[Path] = field(default_factory=list)
    error: str = ""
    warnings: list[str] = field(default_factory=list)  # written, but worth knowing before filing it


def export_files(write: Callable[[Format], Path], formats: Sequence[Format],
                 warn: Callable[[Format], list[str]] | None = None) -> Exported:
    """Run each export; any failure (the file system, a template, the store, a missing session,
    a record the session cannot have) comes back as one line, with what was already written.
    `warn` says, per format written, what the person should know before filing it."""
    from assistant.render import RenderError
    from assistant.store import StoreError

    paths: list[Path] = []
    warnings: list[str] = []
    for fmt in formats:
        try:
            paths.append(write(fmt))
            warnings += warn(fmt) if warn else []
        except (OSError, RenderError, StoreError, LookupError, ExportRefused) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
            return Exported(paths, one_line(f"Could not export {fmt}: {reason}{where}", 300),
                            [one_line(w, 300) for w in warnings])
    return Exported(paths, warnings=[one_line(w, 300) for w in warnings])


def render_session(store: Store, session_id: str, fmt: Format, flows: Sequence[Flow], bank: Bank,
                   user_templates: Path | None = None) -> str:
    """The session's log or record as text that is safe to `cat` (see `outputsafe.clean`)."""
    return clean(_render_session(store, session_id, fmt, flows, bank, user_templates))


def _render_session(store: Store, session_id: str, fmt: Format, flows: Sequence[Flow], bank: Bank,
                    user_templates: Path | None = None) -> str:
    kind, context = session_context(store, session_id, fmt, flows, bank)
    return render(f"{kind}.{_TEMPLATES[fmt]}", context, user_dir=_existing(user_templates))


def session_context(store: Store, session_id: str, fmt: Format, flows: Sequence[Flow],
                    bank: Bank) -> tuple[str, dict[str, Any]]:
    """The session's kind ('reflection' or 'group') and what its templates are given.

    Raises ExportRefused for a format this kind of session has no record in."""
    if fmt not in _TEMPLATES:
        raise ExportRefused(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
    session = store.get_session(session_id)
    if session is not None and session.kind == "group":
        if fmt == "supervision":
            raise ExportRefused(f"a supervision record is for reflections only; {session.id} is a group session "
                                "(export it as md, html or cpd)")
        from assistant.group.record import group_context

        return "group", group_context(store, session_id, bank)
    from assistant.reflection.log import log_context

    return "reflection", log_context(store, session_id, flows, bank)


def export_warnings(store: Store, session_id: str, fmt: Format, flows: Sequence[Flow], bank: Bank) -> list[str]:
    """What to tell the person about an export before they file it (one line each)."""
    if fmt != "cpd":
        return []
    kind, context = session_context(store, session_id, fmt, flows, bank)
    if kind == "group":
        from assistant.group.record import group_export_warnings

        return group_export_warnings(context, fmt)
    from assistant.reflection.log import export_warnings as reflection_warnings

    return reflection_warnings(context, fmt)


def default_log_path(logs_dir: Path, title: str, session_id: str, fmt: Format,
                     created_at: str | None = None) -> Path:
    """`logs/<day>-<title>-<id><suffix>`: sorted by date, found again by the id (`session_logs`)."""
    day = (created_at or dt.date.today().isoformat())[:10]
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "reflection"
    return logs_dir / f"{day}-{slug}-{session_id}{LOG_SUFFIXES[fmt]}"


def export_session(store: Store, session_id: str, fmt: Format, flows: Sequence[Flow], bank: Bank, *,
                   logs_dir: Path, out: Path | None = None, user_templates: Path | None = None) -> Path:
    """Write the log atomically, readable by its owner alone; returns where it went."""
    session = store.get_session(session_id)
    if session is None:
        raise LookupError(f"no session '{session_id}'")
    text = render_session(store, session.id, fmt, flows, bank, user_templates)
    if out is None:
        _check_writable(logs_dir)
        ensure_private_dir(logs_dir)
        out = default_log_path(logs_dir, session.title, session.id, fmt, session.created_at)
    return atomic_write_text(out, text, mode=0o600)


def _check_writable(logs_dir: Path) -> None:
    """Refuse (as PermissionError, with the reason) a data folder reflect must not write in."""
    from assistant.services.datadir import folder_problem

    problem = folder_problem(logs_dir.parent) or folder_problem(logs_dir)
    if problem:
        raise PermissionError(problem)


def _existing(folder: Path | None) -> Path | None:
    return folder if folder is not None and folder.is_dir() else None


def export_handout(case_id: str, bank: Bank, fmt: Format, *, logs_dir: Path, out: Path | None = None,
                   user_templates: Path | None = None) -> Path:
    """A printable handout of a case and its questions, for before a group session."""
    from assistant.group.record import handout_context

    case = bank.case(case_id)
    if case is None:
        raise LookupError(f"no case '{case_id}' in the bank")
    text = clean(render(f"handout.{fmt}.j2", handout_context(case, bank), user_dir=_existing(user_templates)))
    if out is None:
        _check_writable(logs_dir)
        ensure_private_dir(logs_dir)
        out = logs_dir / f"handout-{case.id}.{fmt}"
    return atomic_write_text(out, text, mode=0o600)
