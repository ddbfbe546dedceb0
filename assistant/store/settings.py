"""Settings: a few named values that belong to the person, not to a session (their own name).

They live in the session database rather than a file beside it, so they share its
guarantees (committed at once, readable by the owner alone, one lock) and a read-only data
folder refuses them the same way it refuses a session.
"""

from __future__ import annotations

from assistant.store.db import Database
from assistant.store.records import _safe_text

#: The settings reflect knows; anything else is refused, so a typo never stores a stray value.
SETTING_KEYS = frozenset({"practitioner"})
MAX_SETTING_CHARS = 200


class Settings(Database):

    def setting(self, key: str, default: str = "") -> str:
        """The value saved for `key`, or `default` when none was ever saved."""
        _check_key(key)
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else default

    def set_setting(self, key: str, value: str) -> None:
        """Save `value` for `key` (an empty value removes it) and commit."""
        _check_key(key)
        value = _safe_text(value.strip())[:MAX_SETTING_CHARS]
        with self._tx() as conn:
            if not value:
                conn.execute("DELETE FROM settings WHERE key = ?", (key,))
                return
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, value, self._clock()),
            )


def _check_key(key: str) -> None:
    if key not in SETTING_KEYS:
        raise ValueError(f"unknown setting {key!r} (known: {', '.join(sorted(SETTING_KEYS))})")
