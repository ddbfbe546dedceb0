"""Small widgets that show data. Every string from a case or a person goes in as rich `Text`,
so square brackets are shown, never read as markup, and control characters are stripped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from assistant.textsafe import one_line, plain

if TYPE_CHECKING:  # the home screen uses these widgets' module without loading the domain
    from assistant.casebank.model import Case
    from assistant.reflection.checklist import ChecklistEntry

ROLE_LABELS = {"assistant": "reflect", "practitioner": "You", "system": "Note"}

# A form's Tab and Shift+Tab, resolved before the next key is read. As ordinary bindings Textual
# resolves them only after the key has passed through the focused box and back up, and the keys
# typed meanwhile go on into that box: "Dee<Tab>Amira" typed quickly all landed in one box.
FORM_BINDINGS = [Binding("tab", "app.focus_next", "Next box", show=False, priority=True),
                 Binding("shift+tab", "app.focus_previous", "Previous box", show=False, priority=True)]


def text(value: str, style: str = "") -> Text:
    """Data as a renderable that is never parsed as markup."""
    return Text(plain(value), style=style)


def sentence(message: str) -> str:
    """A domain message (a ReflectionError, a GroupError) as a sentence.

    Not str.capitalize(), which lowercases the rest: the words quoted back ('31/02', 'next
    Friday', a person's name) must read as they were typed.
    """
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!", ")")) else message + "."


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
    """A similar case: title, stage and themes, then why it matched: the passage that matched,
    whether it comes from another stage than the reflection's, and the themes it shares with
    what was written."""

    def __init__(self, number: int, title: str, stage: str, themes: Sequence[str], snippet: str,
                 pinned: bool = False, *, from_stage: str = "", closer: bool = False,
                 shares: Sequence[str] = ()) -> None:
        """`from_stage`: the case's stage when it is not the reflection's; `closer`: it was added
        because it matched more closely than the stage's own cases; `shares`: theme ids."""
        content = Text(f"{number}. ", style="bold")
        content.append(one_line(title), style="bold")
        if pinned:
            content.append("  [pinned]", style="italic")
        content.append(f"\n{one_line(stage)} · {', '.join(one_line(t) for t in themes)}\n", style="dim")
        if from_stage:
            content.append(f"From the {one_line(from_stage)} stage"
                           + (": a closer match than this stage's cases" if closer else "") + "\n",
                           style="bold italic")
        content.append("\u201c" + one_line(snippet, 260) + "\u201d")
        if shares:
            content.append("\nShares: " + ", ".join(one_line(t) for t in shares), style="italic")
        super().__init__(content, classes="case-card" + (" other-stage" if from_stage else ""))


class Checklist(Static):
    """The stage's expectations, ticked as the reflection touches on them."""

    def show(self, items: Iterable[tuple[str, bool]]) -> None:
        content = Text()
        for label, done in items:
            content.append("☑ " if done else "☐ ", style="bold green" if done else "dim")
            content.append(one_line(label) + "\n", style="" if done else "dim")
        self.update(content)


MARKS = {"open": ("☐ ", "dim"), "suggested": ("◐ ", "bold yellow"), "confirmed": ("☑ ", "bold green"),
         "cleared": ("☒ ", "dim red")}


class CoverageList(OptionList):
    """The stage's expectations; what the reflection seems to show is a suggestion to confirm or clear."""

    BINDINGS = [
        Binding("c,enter", "decide('confirmed')", "Confirm mark"),
        Binding("x,delete", "decide('cleared')", "Clear mark"),
    ]

    class Decided(Message):
        def __init__(self, expectation: str, state: str) -> None:
            super().__init__()
            self.expectation = expectation
            self.state = state

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[ChecklistEntry] = []

    def show(self, items: Sequence[ChecklistEntry]) -> None:
        keep = self.highlighted
        self.items = list(items)
        self.clear_options()
        self.add_options([Option(self._prompt(item), id=item.id) for item in self.items])
        if self.items:
            self.highlighted = min(keep or 0, len(self.items) - 1)

    @staticmethod
    def _prompt(item: ChecklistEntry) -> Text:
        mark, style = MARKS.get(item.state, MARKS["open"])
        content = Text(mark, style=style)
        content.append(one_line(item.label), style="" if item.state in ("suggested", "confirmed") else "dim")
        if item.sentence and item.state in ("suggested", "confirmed"):
            content.append("\n   “" + one_line(item.sentence, 120) + "”", style="italic dim")
        return content

    def current(self) -> ChecklistEntry | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.items):
            return None
        return self.items[self.highlighted]

    def action_decide(self, state: str) -> None:
        item = self.current()
        if item is not None:
            self.post_message(self.Decided(item.id, state))


def case_text(case: Case, warnings: list[str] | None = None) -> Text:
    """The whole case as one renderable, every part of it shown literally."""
    out = Text()
    out.append(plain(case.title) + "\n", style="bold")
    child = ", ".join(p for p in (case.child.name, f"{case.child.age}", case.child.gender) if p)
    out.append(f"{case.stage_label} · {case.strand} · {', '.join(case.themes)}\n", style="dim")
    out.append(plain(f"{child} · {case.disposal} · {'; '.join(case.offences)}") + "\n", style="dim")
    sections = [("Case summary", case.summary), ("Inspector comments", case.inspector_comments)]
    for heading, body in sections:
        out.append(f"\n{heading}\n", style="bold underline")
        out.append(plain(body) + "\n")
    for heading, items in (("Important learning", case.learning), ("Questions to take away", case.questions),
                           ("Further reading", case.further_reading)):
        if items:
            out.append(f"\n{heading}\n", style="bold underline")
            for item in items:
                out.append("• " + plain(item) + "\n")
    if warnings is not None:  # None: not checked (a practitioner reading); []: checked, all well
        out.append("\nChecks for trainers\n", style="bold underline")
        for warning in warnings:
            out.append("! " + plain(warning) + "\n", style="yellow")
        if not warnings:
            out.append("No identifiers, near duplicates or findability problems found.\n", style="green")
    return out
