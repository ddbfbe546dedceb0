"""What the store reports to its callers when it cannot do what was asked."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base class for problems the store reports to its callers."""


class StoreUnavailable(StoreError):
    """The database cannot be used as asked; the message names the file and what to do."""


class StoreDamaged(StoreUnavailable):
    """The file is not a sound SQLite database (truncated, overwritten, corrupt)."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(
            f"{path} is damaged ({detail}); nothing was changed: move it aside (for example "
            f"rename it to {path.name}.damaged) and reflect starts a new one, or restore it from a backup"
        )


class StoreReadOnly(StoreUnavailable):
    """The store was opened read-only (by choice, or because its folder cannot be written)."""


class StoreBusy(StoreError):
    """Another program held the write lock for longer than the store waits; try again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path} is busy: another program (perhaps reflect in another window) is writing to it; "
            "try again in a moment"
        )


class NotFound(StoreError, LookupError):
    """No session, turn or action with that id."""


class AmbiguousId(StoreError, LookupError):
    """A session id prefix matches more than one session."""

    def __init__(self, prefix: str, matches: list[str]) -> None:
        self.prefix = prefix
        self.matches = matches
        shown = ", ".join(matches[:5]) + (", ..." if len(matches) > 5 else "")
        super().__init__(
            f"'{prefix}' matches {len(matches)} sessions ({shown}); type more of the id"
        )
