"""Small widgets that show data. Every string from a case or a person goes in as rich `Text`,
so square brackets are shown, never read as markup, and control characters are stripped."""

from __future__ import annotations

from typing import Iterable, Sequence

from rich.text import Text
from textual.widgets import Static

from assistant.textsafe import one_line, plain

ROLE_LABELS = {"assistant": "reflect", "practitioner": "You", "system": "Note"}


def text(value: str, style: str = "") -> Text:
    """Data as a renderable that is never parsed as markup."""
    return Text(plain(value), style=style)


class TurnView(Static):
    """One message of the transcript."""

    def __init__(self, role: str, kind: str, body: str) -> None:
        label = "Follow-up" if kind == "probe" else ROLE_LABELS.get(role, role.title())
        if kind == "skip":
            label = "You (skipped)"
        content = Text(label + "\n", style="bold")
        content.append_text(text(body))
        classes = f"turn {role} {kind}"
        super().__init__(content, classes=classes)


class CaseCard(Static):
    """A similar case: title, stage, themes and the passage that matched."""

    def __init__(self, number: int, title: str, stage: str, themes: Sequence[str], snippet: str,
                 pinned: bool = False) -> None:
        content = Text(f"{number}. ", style="bold")
        content.append(one_line(title), style="bold")
        if pinned:
            content.append("  [pinned]", style="italic")
        content.append(f"\n{stage} · {', '.join(themes)}\n", style="dim")
        content.append(one_line(snippet, 260))
        super().__init__(content, classes="case-card")


class Checklist(Static):
    """The stage's expectations, ticked as the reflection touches on them."""

    def show(self, items: Iterable[tuple[str, bool]]) -> None:
        content = Text()
        for label, done in items:
            content.append("☑ " if done else "☐ ", style="bold green" if done else "dim")
            content.append(one_line(label) + "\n", style="" if done else "dim")
        self.update(content)
