"""Slash commands typed into an answer or a group's note box: one grammar, parsed here.

`/name rest` on a one-line entry. Several lines are always text. Which names exist depends on
where it was typed: an answer treats an unknown name as a mistake to point out; a group's note
box treats a line that is not one of its commands as something said.
"""

from __future__ import annotations

from dataclasses import dataclass



@dataclass(frozen=True)
class Command:
    name: str  # "" for plain text
    rest: str = ""

    @property
    def number(self) -> int:
        """The N of `/pin N` and `/open N` (1 when none is given or it is not a number)."""
        word = self.rest.split()[0] if self.rest.split() else ""
        return int(word) if word.isdigit() else 1


def parse_command(text: str) -> Command | None:
    """The command in `text`, or None when it is plain text."""
    line = text.strip()
    if not line.startswith("/") or "\n" in line:
        return None
    name, _, rest = line[1:].partition(" ")
    return Command(name.lower(), rest.strip())
