"""Text from case files and from people is data: make it safe to print on a terminal.

Control characters and escape sequences are removed (a case file or a paste must never move
the cursor, retitle the window or hide text); line breaks and tabs stay.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab and newline, DEL, C1 controls, and bidi overrides that can reorder text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def plain(text: str) -> str:
    """The text with escape sequences and control characters removed, NFC-normalised."""
    text = _ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def one_line(text: str, limit: int | None = None) -> str:
    """Plain text folded onto one line, cut at a word boundary with an ellipsis if too long."""
    flat = " ".join(plain(text).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
    return flat
