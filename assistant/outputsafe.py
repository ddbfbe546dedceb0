"""The one sanitiser for everything reflect prints or writes for people to read.

Titles, answers, case fields and file names are data. A terminal that `cat`s a log, or shows
an error about a file, must never receive a byte from that data that it would act on: ESC
(which starts sequences that clear the screen or, through OSC 52, write the clipboard), BEL,
C1 controls (U+0080-U+009F: U+009B is a one-byte CSI), DEL, or the bidi overrides that reorder
text. Newlines and tabs are kept; everything else of that kind is escaped *visibly* (``\\x1b``,
``\\u202e``), so nothing is hidden and nothing acts.

JSON is escaped with JSON's own ``\\uXXXX``, so a document stays valid and lossless.
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

__all__ = ["UNSAFE", "clean", "clean_json", "dumps", "SafeStream"]

#: Everything a terminal may act on except tab and newline (CR is a line break: see `clean`).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """`text` safe to print or save: CR and CRLF become newlines, other controls show as ``\\xNN``."""
    if not isinstance(text, str):
        text = str(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return UNSAFE.sub(_visible, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def clean_json(document: str) -> str:
    """A JSON document with any raw control character left by ``ensure_ascii=False`` escaped.

    Such characters can only sit inside strings, where ``\\uXXXX`` means the same character:
    the data is unchanged for a JSON reader and inert for a terminal.
    """
    return UNSAFE.sub(_json_escape, document)


def dumps(obj: Any, **kwargs: Any) -> str:
    """`json.dumps` (UTF-8 text kept readable) whose output is safe for a terminal."""
    kwargs.setdefault("ensure_ascii", False)
    return clean_json(json.dumps(obj, **kwargs))


class SafeStream:
    """A text stream that cleans what is written to it, for messages made by libraries (click)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(clean(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
