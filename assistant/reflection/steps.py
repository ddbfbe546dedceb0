"""Step ids: which question a turn asked or answered, stored with the turn as `kind:key`.

    q:<question id>          a take-away question (in a group session, q:<index>)
    probe:<expectation id>   a follow-up about an expectation not yet covered
    followup:<action id>     how an earlier action went; status:<action id> asks what became of it
    close:<question id>      a closing question (actions, support)
    due:<question id>:<n>    the due date of the n-th action typed at a closing question
    offer:<...>              other open actions, now or later

One small type reads and writes them, so no module takes them apart with split or startswith.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    kind: str  # q, probe, followup, status, close, due, offer; or a bare name such as "done"
    key: str = ""

    @classmethod
    def parse(cls, step: str | None) -> "Step":
        kind, sep, key = (step or "").partition(":")
        return cls(kind, key) if sep else cls(kind)

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}" if self.key else self.kind

    @property
    def number(self) -> int:
        """The key as a number (an action's id, a group question's index); -1 when it is not one."""
        head = self.key.split(":", 1)[0]
        return int(head) if head.isdigit() else -1

    @property
    def parts(self) -> list[str]:
        return self.key.split(":") if self.key else []


def step_id(kind: str, *parts: object) -> str:
    """The stored form of a step: step_id("due", "actions", 2) == "due:actions:2"."""
    return ":".join([kind, *(str(p) for p in parts)])


def kind_of(step: str | None) -> str:
    return Step.parse(step).kind
