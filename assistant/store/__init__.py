"""The session database: reflections, group sessions, turns, pinned cases, actions, coverage, drafts,
settings; search of past sessions.

Nothing a person types and sends may be lost: every write is its own committed transaction
(see `db.py` for the guarantees). The package holds one module per group of tables over one
connection (`db.py`, with the schema in `migrations.py`); :class:`Store` is the thin facade
that puts them together. It stores and hands back rows; what a log or record shows is
prepared by the reflection and group layers.
"""

from __future__ import annotations

from assistant.store.actions import Actions
from assistant.store.coverage import Coverage
from assistant.store.db import DB_NAME, DEFAULT_BUSY_TIMEOUT, Database
from assistant.store.drafts import Drafts
from assistant.store.errors import (AmbiguousId, NotFound, StoreBusy, StoreDamaged, StoreError,
                                    StoreReadOnly, StoreUnavailable)
from assistant.store.migrations import MIGRATIONS
from assistant.store.pins import Pins
from assistant.store.records import Action, CoverageMark, Draft, Pin, Session, SessionMatch, Turn
from assistant.store.search import TextSearch, per_session
from assistant.store.settings import SETTING_KEYS, Settings

__all__ = [
    "DB_NAME", "DEFAULT_BUSY_TIMEOUT", "MIGRATIONS", "Action", "AmbiguousId", "CoverageMark", "Draft", "NotFound",
    "Pin", "SETTING_KEYS", "Session", "SessionMatch", "Store", "StoreBusy", "StoreDamaged", "StoreError",
    "StoreReadOnly", "StoreUnavailable", "Turn", "per_session",
]


class Store(Settings, TextSearch, Actions, Pins, Coverage, Drafts, Database):
    """The SQLite session store. Open once per process; safe to share between threads.

    Use as a context manager, or call :meth:`close`. Every write method commits before it
    returns.
    """
