"""What a group sees on the shared screen besides the question: the room and the agreed actions.

The group layer decides who is in the room, who has spoken and whose each action is; these
widgets only lay that out. Every name and line goes in as `Text`, never as markup.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import Static

from assistant.group.session import ActionLine, GroupQuestion, Seat
from assistant.textsafe import one_line, plain

SPOKEN = "✓"


class RoomStrip(Static):
    """Everyone in the room by initials (first name and role beside them), ✓ once they have spoken."""

    def show(self, seats: Sequence[Seat], attributed: bool = True) -> None:
        out = Text("Room  ", style="bold")
        for n, seat in enumerate(seats):
            if n:
                out.append("  ·  ", style="dim")
            out.append(plain(seat.person.initials), style="bold")
            if seat.person.first_name():
                out.append(" " + one_line(seat.person.first_name(), 20))
            if seat.roles:
                out.append(f" ({one_line(seat.roles)})", style="italic")
            if seat.spoken and attributed:
                out.append(" " + SPOKEN, style="bold green")
        out.append(f"   ({SPOKEN} has spoken)" if attributed else "   (nothing said is attributed)", style="dim")
        self.update(out)


class ActionList(Static):
    """The actions agreed so far, with their owners: the room sees the list grow."""

    def show(self, actions: Sequence[ActionLine]) -> None:
        out = Text(f"Agreed actions ({len(actions)})\n" if actions else "Agreed actions\n", style="bold")
        if not actions:
            out.append("None yet. Type /action AB: what by 12/12", style="dim")
        for n, action in enumerate(actions, 1):
            out.append(f"{n}. ", style="bold")
            out.append(one_line(action.text, 160))
            out.append(f"\n   {one_line(action.owner)}" + (f", by {action.due}" if action.due else "") + "\n",
                       style="italic")
        self.update(out)


def stage_heading(question: GroupQuestion | None, number: int, total: int, lead: str = "") -> Text:
    """'Question 2 of 8' for a case question, 'Stage 2 of 5 · Open questions' for a named stage."""
    if question is None:
        return Text("")
    word = "Stage" if question.title else "Question"
    out = Text(f"{word} {number} of {total}", style="bold")
    if question.title:
        out.append(" · " + one_line(question.title), style="bold")
    if lead:
        out.append(" · led by " + one_line(lead), style="italic")
    out.append("\n")
    out.append(plain(question.text), style="bold")
    return out
