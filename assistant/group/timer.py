"""A countdown per question that can be paused, extended and skipped, with a clock you can hold.

The timer is a value (it never runs a thread): it keeps how long has elapsed before the last
start and when that start was, so it can be saved with the session and carried on after a
crash. Time up is a signal, never a forced move.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable

Clock = Callable[[], float]


def wall_clock() -> float:
    return time.time()


@dataclass(frozen=True)
class Countdown:
    seconds: float  # the time allowed, extensions included
    elapsed: float = 0.0  # time used before `started_at`
    started_at: float | None = None  # when it was last started or resumed; None while paused

    @property
    def running(self) -> bool:
        return self.started_at is not None

    def used(self, now: float) -> float:
        return self.elapsed + (now - self.started_at if self.started_at is not None else 0.0)

    def remaining(self, now: float) -> float:
        return self.seconds - self.used(now)

    def is_up(self, now: float) -> bool:
        return self.remaining(now) <= 0

    def start(self, now: float) -> "Countdown":
        return self if self.running else replace(self, started_at=now)

    def pause(self, now: float) -> "Countdown":
        return replace(self, elapsed=self.used(now), started_at=None) if self.running else self

    def toggle(self, now: float) -> "Countdown":
        return self.pause(now) if self.running else self.start(now)

    def extend(self, seconds: float) -> "Countdown":
        return replace(self, seconds=self.seconds + seconds)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Countdown":
        return cls(float(data.get("seconds", 0)), float(data.get("elapsed", 0)),
                   None if data.get("started_at") is None else float(data["started_at"]))


def clock_text(seconds: float) -> str:
    """'4:05' while time is left; '+0:35' once over."""
    sign = "" if seconds >= 0 else "+"
    whole = int(abs(seconds) + (0.999 if seconds > 0 else 0))
    return f"{sign}{whole // 60}:{whole % 60:02d}"
