"""Reflection logs (and later group records) rendered from changeable Jinja2 templates.

Practitioners and trainers may change how a log looks, so templates live in files:
the bundled ones in ``prompts/templates/``, overridden file by file by a user template
folder. Templates run in Jinja2's sandbox, and everything a person typed or a case says is
passed in as a *value*: it is never compiled as a template, so ``{{ 7*7 }}`` in an answer
renders as typed, and HTML output escapes it.

Context for ``reflection.{md,html}.j2`` (every key optional; missing ones render empty):

``session``
    ``id``, ``title``, ``flow_title``, ``strand_title``, ``stage_title``,
    ``created_at``, ``finished_at`` (ISO-8601 strings), ``duration_minutes`` (int).
``turns``
    list of ``{kind, role, step, speaker, text, created_at}`` in order. An assistant turn of
    kind ``question`` or ``probe`` (a follow-up) is followed by the practitioner's answer
    turn(s) (kind ``answer``). Other kinds (``note``, ...) are shown as notes.
``pins``
    list of ``{case_id, title, stage, themes (list of labels), snippet, reason}``.
``coverage``
    list of ``{id, text, covered (bool)}``: what good practice expects at this stage.
``actions``
    list of ``{text, owner, due (ISO date), status, followup}``.
``support``
    text: support the practitioner would like, or ``''``.
``carried_forward``
    list of ``{text, status, followup}``: earlier actions followed up in this session.
``generated_at``
    ISO-8601 time the log was made.

Filters for templates: ``date`` ("23 November 2026"), ``datetime`` ("23 November 2026,
14:05", local time), ``minutes`` ("1 hour 5 minutes"), ``a_minutes`` ("a 45-minute",
"an 8-minute": before a noun, as in "a 45-minute session"), ``paragraphs`` (text split on blank
lines; ``<p>`` elements in HTML), ``oneline`` (whitespace collapsed, for headings and list
items), ``lines`` (the non-blank lines, each collapsed: plain-text records) and ``quote``
(Markdown block quote).

The filed records (``reflection.cpd.txt.j2``, ``reflection.supervision.txt.j2``) also get
``session.case_ref``, ``supervision_date``, ``supervisor``, ``practitioner`` and ``fields``:
for each record field of ``assistant.reflection.flows.RECORD_FIELDS``, a list of
``{question, text}`` (see ``assistant/reflection/log.py``); their actions carry ``owner_name``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from assistant.resources import folder

__all__ = ["BUNDLED_TEMPLATES", "RenderError", "environment", "render", "render_log"]

BUNDLED_TEMPLATES = folder("prompts") / "templates"

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class RenderError(Exception):
    """A template could not be found, compiled or run; the message names the file and line."""


# ---------------------------------------------------------------------------- filters


def _blank(value: Any) -> bool:
    return value is None or isinstance(value, jinja2.Undefined) or value == ""


_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_when(value: Any) -> dt.date | dt.datetime | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _DATE_ONLY.fullmatch(text):  # a due date has no time, not midnight
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


def _local(when: dt.datetime) -> dt.datetime:
    """Times are stored in UTC; a log is read where it was written, so show local time."""
    return when.astimezone() if when.tzinfo is not None else when


def format_date(value: Any) -> str:
    """ISO date or time -> '23 November 2026' (English month names whatever the locale)."""
    if _blank(value):
        return ""
    when = _parse_when(value)
    if when is None:
        return str(value)
    if isinstance(when, dt.datetime):
        when = _local(when)
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def format_datetime(value: Any) -> str:
    """ISO time -> '23 November 2026, 14:05' in local time (a bare date has no time part)."""
    if _blank(value):
        return ""
    when = _parse_when(value)
    if when is None:
        return str(value)
    if not isinstance(when, dt.datetime):
        return format_date(when)
    when = _local(when)
    return f"{format_date(when)}, {when:%H:%M}"


def _whole_minutes(value: Any) -> int | str:
    """A template's minutes as a number, or the text to show instead ('' when blank, else as given)."""
    if _blank(value):
        return ""
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def format_minutes(value: Any) -> str:
    """Minutes -> 'under a minute', '25 minutes', '1 hour 5 minutes'."""
    total = _whole_minutes(value)
    if not isinstance(total, int):
        return total
    if total < 1:
        return "under a minute"
    hours, mins = divmod(total, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


def a_minutes(value: Any) -> str:
    """Minutes as a describing word with its article: 'a 45-minute', 'an 8-minute', 'an 11-minute'.

    For 'took part in a 45-minute session': a number before a noun takes the singular and a
    hyphen, and 8, 11, 18 and the eighties are said with a vowel, so they take 'an'.
    """
    total = _whole_minutes(value)
    if not isinstance(total, int):
        return total
    if total < 1:
        return "a brief"
    spoken_with_vowel = total in (11, 18) or str(total).startswith("8")
    return f"{'an' if spoken_with_vowel else 'a'} {total}-minute"


def _split_paragraphs(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paras = re.split(r"\n[ \t]*\n+", text.strip("\n"))
    return [p.rstrip() for p in paras if p.strip()]


@pass_eval_context
def paragraphs(eval_ctx: EvalContext, value: Any) -> str | Markup:
    """Split text on blank lines: ``<p>`` elements (lines joined by ``<br>``) in HTML,
    paragraphs separated by one blank line in Markdown, each line ending in a hard break
    (two spaces), so lines typed one under another stay that way when the Markdown is read
    (Markdown would run them into one line).

    In HTML each piece is escaped before it is wrapped, so typed text can never become markup.
    """
    if _blank(value):
        return Markup("") if eval_ctx.autoescape else ""
    paras = _split_paragraphs(str(value))
    if not eval_ctx.autoescape:
        return "\n\n".join("  \n".join(line.rstrip() for line in p.split("\n")) for p in paras)
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in p.split("\n")))
        for p in paras
    )


def oneline(value: Any) -> str:
    """Collapse all whitespace to single spaces, so text fits a heading or list item."""
    if _blank(value):
        return ""
    return " ".join(str(value).split())


def lines(value: Any) -> list[str]:
    """The text's non-blank lines, each with its whitespace collapsed: for plain-text records in
    which a blank line ends a field, so none may fall inside one."""
    if _blank(value):
        return []
    return [line for line in (oneline(raw) for raw in str(value).splitlines()) if line]


def quote(value: Any) -> str:
    """Prefix every line with '> ' (a Markdown block quote, blank lines kept inside it)."""
    if _blank(value):
        return ""
    lines = str(value).replace("\r\n", "\n").strip("\n").split("\n")
    return "\n".join(("> " + line).rstrip() for line in lines)


FILTERS = {
    "date": format_date,
    "datetime": format_datetime,
    "minutes": format_minutes,
    "a_minutes": a_minutes,
    "paragraphs": paragraphs,
    "oneline": oneline,
    "lines": lines,
    "quote": quote,
}

# ---------------------------------------------------------------------------- environment


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html.j2", ".htm.j2", ".xml.j2"))


@functools.lru_cache(maxsize=8)
def _environment(user_dir: Path | None) -> SandboxedEnvironment:
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        loaders.append(FileSystemLoader(str(user_dir)))
    loaders.append(FileSystemLoader(str(BUNDLED_TEMPLATES)))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=ChainableUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )
    env.filters.update(FILTERS)
    return env


def environment(user_dir: Path | None = None) -> SandboxedEnvironment:
    """The sandboxed environment for a user template folder (cached; edits are reloaded)."""
    return _environment(Path(user_dir).resolve() if user_dir is not None else None)


def _template_location(exc: BaseException, fallback: str) -> tuple[str, int | None]:
    """The template file and line a runtime error happened on (Jinja maps frames to them)."""
    filename, lineno = fallback, None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith(".j2") or code.co_filename == "<template>":
            filename, lineno = code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return filename, lineno


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def render(
    template_name: str, context: Mapping[str, Any], *, user_dir: Path | None = None
) -> str:
    """Render a template by name; a file of that name in ``user_dir`` wins over the bundled.

    Raises :class:`RenderError` with a one-line message naming the file and line when the
    template is missing, broken, or fails (including sandbox refusals).
    """
    env = environment(user_dir)
    try:
        template = env.get_template(template_name)
    except jinja2.TemplateNotFound:
        where = f"{user_dir} or {BUNDLED_TEMPLATES}" if user_dir else str(BUNDLED_TEMPLATES)
        raise RenderError(f"No template called {template_name!r} in {where}") from None
    except jinja2.TemplateSyntaxError as exc:
        filename = exc.filename or exc.name or template_name
        raise RenderError(
            f"Template error in {filename}, line {exc.lineno}: {_one_line(exc.message)}"
        ) from exc
    try:
        return template.render(dict(context))
    except jinja2.TemplateSyntaxError as exc:  # an included or extended file is broken
        filename = exc.filename or exc.name or template_name
        raise RenderError(
            f"Template error in {filename}, line {exc.lineno}: {_one_line(exc.message)}"
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(
            f"Template error in {template.filename or template_name}: "
            f"no template called {exc.name!r}"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any failure inside a template is the template's
        filename, lineno = _template_location(exc, template.filename or template_name)
        line = f", line {lineno}" if lineno else ""
        detail = _one_line(exc) or type(exc).__name__
        raise RenderError(f"Template error in {filename}{line}: {detail}") from exc


def render_log(
    context: Mapping[str, Any],
    fmt: Literal["md", "html"],
    *,
    user_dir: Path | None = None,
) -> str:
    """Render a reflection log as Markdown or a self-contained HTML page."""
    if fmt not in ("md", "html"):
        raise ValueError(f"format must be 'md' or 'html', not {fmt!r}")
    return render(f"reflection.{fmt}.j2", context, user_dir=user_dir)

