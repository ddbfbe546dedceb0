"""Reflection logs render from changeable templates, and typed text stays text."""

from __future__ import annotations


import copy
import html.parser
import re
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.render import (
    BUNDLED_TEMPLATES,
    RenderError,
    format_date,
    format_datetime,
    format_minutes,
    render,
    render_log,
)

NASTY = [
    "{{ 7*7 }}",
    "{% raw %}",
    "{% endraw %}",
    "{# not a comment #}",
    "[bold]loud[/bold]",
    "<script>alert(1)</script>",
]
NASTY_TEXT = " ".join(NASTY)


def full_context() -> dict[str, Any]:
    return {
        "session": {
            "id": "ab12cd34",
            "title": "Planning with Jay",
            "flow_title": "After supervision",
            "strand_title": "Court orders",
            "stage_title": "Planning",
            "created_at": "2026-11-23T14:05:00",
            "finished_at": "2026-11-23T14:40:00",
            "duration_minutes": 35,
        },
        "turns": [
            {"kind": "question", "role": "assistant", "step": "q1", "speaker": None,
             "text": "What did you take away from supervision?", "created_at": "2026-11-23T14:06:00"},
            {"kind": "answer", "role": "practitioner", "step": "q1", "speaker": None,
             "text": "We agreed a plan.\nJay chose the goals.\n\n" + NASTY_TEXT,
             "created_at": "2026-11-23T14:07:00"},
            {"kind": "probe", "role": "assistant", "step": "voice", "speaker": None,
             "text": "How did Jay's own words shape the plan?", "created_at": "2026-11-23T14:08:00"},
            {"kind": "answer", "role": "practitioner", "step": "voice", "speaker": None,
             "text": "He wrote the first goal himself.", "created_at": "2026-11-23T14:09:00"},
        ],
        "pins": [
            {"case_id": "case-007", "title": "Sam's plan " + NASTY_TEXT, "stage": "Planning",
             "themes": ["Family and carers", "Education"],
             "snippet": "The plan was written with Sam. " + NASTY_TEXT,
             "reason": "Both plans were built with the child"},
        ],
        "coverage": [
            {"id": "voice", "label": "The child's voice shapes the plan", "text": "The child wrote the plan.",
             "state": "confirmed", "sentence": "Jay chose the goals.", "covered": True},
            {"id": "carers", "label": "Carers help shape the plan", "text": "Carers shaped the plan.",
             "state": "suggested", "sentence": "His mum came to the planning meeting. " + NASTY_TEXT,
             "covered": True},
            {"id": "strengths", "label": "The plan builds on strengths", "text": "Strengths are built on.",
             "state": "open", "sentence": "", "covered": False},
            {"id": "victims", "label": "Victims in the plan", "text": "Victims are in the plan.",
             "state": "cleared", "sentence": "We talked about the victim.", "covered": False},
        ],
        "actions": [
            {"text": "Meet the school SENCo", "owner": "Me", "due": "2026-12-01",
             "status": "open", "followup": None},
        ],
        "support": "Time with my manager to talk through risk.",
        "carried_forward": [
            {"text": "Read the new guidance", "status": "done", "followup": "Read it; useful."},
        ],
        "generated_at": "2026-11-23T14:41:00",
    }


def test_the_checklist_keeps_confirmed_suggested_and_not_discussed_apart() -> None:
    for fmt in ("md", "html"):
        out = html.unescape(render_log(full_context(), fmt))
        confirmed = out.split("Confirmed by the practitioner", 1)[1].split("Suggested, not confirmed", 1)[0]
        suggested = out.split("Suggested, not confirmed", 1)[1].split("Not discussed", 1)[0]
        missing = out.split("Not discussed", 1)[1]
        assert "The child's voice shapes the plan" in confirmed and "Jay chose the goals." in confirmed
        assert "Carers help shape the plan" in suggested and "His mum came to the planning meeting." in suggested
        assert "The plan builds on strengths" in missing and "Victims in the plan" in missing
        assert "We talked about the victim." not in out, "a cleared suggestion shows no evidence"
        assert "Carers help shape the plan" not in confirmed + missing


SECTIONS = [
    "Planning with Jay",
    "23 November 2026",
    "35 minutes",
    "After supervision",
    "Court orders",
    "Planning",
    "What did you take away from supervision?",
    "Jay chose the goals.",
    "Follow-up:",
    "He wrote the first goal himself.",
    "case-007",
    "Both plans were built with the child",
    "The plan builds on strengths",
    "Meet the school SENCo",
    "1 December 2026",
    "Time with my manager to talk through risk.",
    "Read the new guidance",
    "Read it; useful.",
    "23 November 2026, 14:41",
]


class _Checker(html.parser.HTMLParser):
    """Collects tags and refuses anything that would reach outside the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            assert name not in {"src", "href"} or not value or value.startswith("#"), (tag, name)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_markdown_has_every_section() -> None:
    md = render_log(full_context(), "md")
    for piece in SECTIONS:
        assert piece in md, piece
    assert md.startswith("# Planning with Jay\n")
    assert "### What did you take away from supervision?" in md
    assert "- [x] The child's voice shapes the plan" in md
    assert "- [ ] The plan builds on strengths" in md
    assert "We agreed a plan.  \nJay chose the goals.\n\n" in md  # a hard break keeps the typed line
    assert "\n\n\n\n" not in md


def test_html_has_every_section_and_is_self_contained() -> None:
    page = render_log(full_context(), "html")
    checker = _Checker()
    checker.feed(page)
    text = "".join(checker.text)
    for piece in SECTIONS:
        assert piece in text, piece
    assert page.startswith("<!DOCTYPE html>")
    assert "script" not in checker.tags and "link" not in checker.tags
    assert "img" not in checker.tags and "iframe" not in checker.tags
    assert "@media print" in page and "prefers-color-scheme" in page
    assert "max-width: 42rem" in page
    assert not re.search(r"url\(|@import|https?://", page)
    assert text.count("<script>alert(1)</script>") == 4  # answer, case title, snippet and evidence


def test_typed_text_stays_literal_in_markdown() -> None:
    md = render_log(full_context(), "md")
    for piece in NASTY:
        assert md.count(piece) >= 3, piece  # answer, case title, snippet
    assert "49" not in md


def test_typed_text_is_escaped_in_html() -> None:
    page = render_log(full_context(), "html")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for piece in ["{{ 7*7 }}", "{% raw %}", "[bold]loud[/bold]"]:
        assert piece in page, piece
    assert "49" not in page


def test_paragraphs_in_html() -> None:
    ctx = {"turns": [{"role": "practitioner", "kind": "answer",
                      "text": "one\ntwo <b>\n\n\n three & four"}]}
    page = render_log(ctx, "html")
    assert "<p>one<br>\ntwo &lt;b&gt;</p>\n<p> three &amp; four</p>" in page


def test_group_style_turns_show_speakers() -> None:
    ctx = {"turns": [
        {"role": "participant", "kind": "contribution", "speaker": "Bo <i>", "text": "I think so"},
        {"role": "facilitator", "kind": "note", "text": "Time is up"},
    ]}
    md = render_log(ctx, "md")
    assert "**Bo <i>:**" in md and "_Note:_ Time is up" in md
    assert "Bo &lt;i&gt;" in render_log(ctx, "html")


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize(
    "ctx",
    [
        {},
        {"session": {}},
        {"session": {"title": "Only a title"}},
        {"session": None, "turns": None, "pins": None, "coverage": None, "actions": None},
        {"turns": [{}], "pins": [{}], "coverage": [{}], "actions": [{}], "carried_forward": [{}]},
        {"session": {"created_at": "not a date", "duration_minutes": "soon"}},
    ],
)
def test_missing_optional_fields_do_not_crash(ctx: dict[str, Any], fmt: str) -> None:
    out = render_log(ctx, fmt)  # type: ignore[arg-type]
    title = (ctx.get("session") or {}).get("title")
    assert (title or "Reflection") in out


def test_every_optional_field_removed_one_at_a_time() -> None:
    base = full_context()
    for key in list(base):
        ctx = copy.deepcopy(base)
        del ctx[key]
        for fmt in ("md", "html"):
            render_log(ctx, fmt)  # type: ignore[arg-type]
    for key in list(base["session"]):
        ctx = copy.deepcopy(base)
        del ctx["session"][key]
        render_log(ctx, "md")
        render_log(ctx, "html")


def test_user_template_overrides_bundled(tmp_path: Path) -> None:
    (tmp_path / "reflection.md.j2").write_text(
        "CUSTOM {{ session.title }} {{ session.created_at | date }}\n", encoding="utf-8"
    )
    out = render_log(full_context(), "md", user_dir=tmp_path)
    assert out == "CUSTOM Planning with Jay 23 November 2026\n"
    # The HTML one is not overridden, so the bundled one is used.
    assert render_log(full_context(), "html", user_dir=tmp_path).startswith("<!DOCTYPE html>")


def test_user_html_template_autoescapes(tmp_path: Path) -> None:
    (tmp_path / "reflection.html.j2").write_text("<p>{{ turns[1].text }}</p>", encoding="utf-8")
    out = render_log(full_context(), "html", user_dir=tmp_path)
    assert "&lt;script&gt;" in out and "<script>" not in out


def test_user_template_edits_are_picked_up(tmp_path: Path) -> None:
    target = tmp_path / "reflection.md.j2"
    target.write_text("one", encoding="utf-8")
    assert render_log({}, "md", user_dir=tmp_path) == "one"
    time.sleep(1.1)  # mtime resolution on some file systems
    target.write_text("two", encoding="utf-8")
    assert render_log({}, "md", user_dir=tmp_path) == "two"


def test_broken_user_template_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "reflection.md.j2").write_text("line one\n{% if session %}\nno end\n")
    with pytest.raises(RenderError) as info:
        render_log(full_context(), "md", user_dir=tmp_path)
    message = str(info.value)
    assert "reflection.md.j2" in message and str(tmp_path) in message
    assert "line" in message and "\n" not in message


def test_runtime_error_in_user_template_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "reflection.md.j2").write_text("ok\n{{ 1 // 0 }}\n")
    with pytest.raises(RenderError) as info:
        render_log({}, "md", user_dir=tmp_path)
    assert "reflection.md.j2" in str(info.value) and "line 2" in str(info.value)


def test_sandbox_blocks_unsafe_templates(tmp_path: Path) -> None:
    (tmp_path / "reflection.md.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(RenderError):
        render_log({}, "md", user_dir=tmp_path)


def test_unknown_template_and_format() -> None:
    with pytest.raises(RenderError, match="no-such"):
        render("no-such.md.j2", {})
    with pytest.raises(ValueError):
        render_log({}, "pdf")  # type: ignore[arg-type]


def test_bundled_templates_exist() -> None:
    assert (BUNDLED_TEMPLATES / "reflection.md.j2").is_file()
    assert (BUNDLED_TEMPLATES / "reflection.html.j2").is_file()


def test_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        assert format_date("2026-11-23") == "23 November 2026"
        assert format_date("2026-06-05T23:30:00+00:00") == "6 June 2026"  # BST
        assert format_datetime("2026-11-23T14:05:00+00:00") == "23 November 2026, 14:05"
        assert format_datetime("2026-07-01T14:05:00+00:00") == "1 July 2026, 15:05"
        assert format_datetime("2026-11-23") == "23 November 2026"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert format_date(None) == "" and format_date("soon") == "soon"
    assert format_minutes(0) == "under a minute"
    assert format_minutes(1) == "1 minute"
    assert format_minutes(60) == "1 hour"
    assert format_minutes(125) == "2 hours 5 minutes"
