"""Reading YAML that people wrote, safely and with line numbers.

Trainers' files are untrusted: a file that is too big, uses anchors and aliases (the
"billion laughs" shape), or nests absurdly is refused before anything walks it. So is a file
under the byte limit that would still cost seconds and hundreds of megabytes to build (one
999,000-byte flow sequence took PyYAML 19 s): lines, nodes, the items of one collection and
the length of one scalar are bounded, and checked by a fast streaming pass (libyaml when
present) with a time budget before the slow, line-numbered parse ever starts. The node tree
is kept so that every message can name the line it is about.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000
MAX_DEPTH = 12
# The bundled files peak at a 955-character line and 1,433 nodes; these leave wide room.
MAX_LINE_CHARS = 20_000
MAX_NODES = 20_000
MAX_ITEMS = 2_000  # entries of one sequence or mapping, flow or block
MAX_SCALAR_CHARS = 200_000
TIME_BUDGET_S = 2.0

_LONG_LINE = re.compile(f"[^\n]{{{MAX_LINE_CHARS + 1}}}")
_FastParser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    """A file that cannot be read as YAML at all; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Doc:
    """A parsed document: the plain data, plus the line of every key and list item."""

    data: Any
    lines: dict[str, int]
    duplicate_keys: list[tuple[str, int]]

    def line(self, path: str) -> int | None:
        """The line of `path` (e.g. `child.age`, `themes[2]`), or of its nearest parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("", 1)


def read_yaml(path: Path) -> Doc:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise YamlProblem(f"cannot read file: {exc.strerror or exc}") from exc
    if size > MAX_BYTES:
        raise YamlProblem(f"file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblem(f"not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise YamlProblem(f"cannot read file: {exc.strerror or exc}") from exc
    return parse_yaml(text)


def parse_yaml(text: str) -> Doc:
    """Parse `text` as one YAML document, refusing shapes too costly to build (see above).

    libyaml builds the tree where PyYAML has it (the same parser and line marks at about 50x
    the speed); anything it refuses is read again by the pure-Python loader, so the message a
    person sees for a broken file stays the same.
    """
    _check_shape(text)
    _check_events(text)
    if _FastParser is not yaml.SafeLoader:
        try:
            return _parse(text, _FastParser)
        except YamlProblem:
            pass
    return _parse(text, yaml.SafeLoader)


def _parse(text: str, loader_class: type) -> Doc:
    try:
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(f"not valid YAML: {exc.problem or exc.context}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {' '.join(str(exc).split())}") from exc
    except RecursionError as exc:
        raise YamlProblem("not valid YAML: nested too deeply") from exc
    lines: dict[str, int] = {"": 1}
    duplicates: list[tuple[str, int]] = []
    if node is not None:
        _index_lines(node, "", lines, duplicates)
    return Doc(data=data, lines=lines, duplicate_keys=duplicates)


def _check_shape(text: str) -> None:
    """Refuse an over-long line with a string scan alone: no YAML work at all."""
    long = _LONG_LINE.search(text)
    if long is not None:
        line = text.count("\n", 0, long.start()) + 1
        raise YamlProblem(f"a line is longer than {MAX_LINE_CHARS:,} characters; break it up", line)


def _check_events(text: str) -> None:
    """Refuse aliases, deep nesting and oversized shapes while streaming, before any tree is built.

    The stream is libyaml's where PyYAML has it (fast enough that even a refused 1 MB file
    costs a fraction of a second); the clock is checked as it goes.
    """
    depth = 0
    nodes = 0
    counts: list[int] = []  # events inside each open collection (a mapping counts keys and values)
    deadline = time.monotonic() + TIME_BUDGET_S
    try:
        for event in yaml.parse(text, Loader=_FastParser):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlProblem("anchors and aliases (&, *) are not allowed in case bank files", line)
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                counts.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            nodes += 1
            if nodes > MAX_NODES:
                raise YamlProblem(f"more than {MAX_NODES:,} values in one file", line)
            if counts:
                counts[-1] += 1
                if counts[-1] > 2 * MAX_ITEMS:
                    raise YamlProblem(f"more than {MAX_ITEMS:,} entries in one list or mapping", line)
            if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
                raise YamlProblem(f"a value is longer than {MAX_SCALAR_CHARS:,} characters", line)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                counts.append(0)
                if depth > MAX_DEPTH:
                    raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", line)
            if nodes % 256 == 0 and time.monotonic() > deadline:
                raise YamlProblem(f"too costly to read (over {TIME_BUDGET_S:g} s); simplify the file", line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(f"not valid YAML: {exc.problem or exc.context}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {' '.join(str(exc).split())}") from exc


def _index_lines(node: yaml.Node, path: str, lines: dict[str, int], dups: list[tuple[str, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            line = key_node.start_mark.line + 1
            if key in seen:
                dups.append((child, line))
            seen.add(key)
            lines.setdefault(child, line)
            _index_lines(value_node, child, lines, dups)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = f"{path}[{i}]"
            lines.setdefault(child, item.start_mark.line + 1)
            _index_lines(item, child, lines, dups)
