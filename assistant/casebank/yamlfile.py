"""Reading YAML that people wrote, safely and with line numbers.

Trainers' files are untrusted: a file that is too big, uses anchors and aliases (the
"billion laughs" shape), or nests absurdly is refused before anything walks it. The node tree
is kept so that every message can name the line it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000
MAX_DEPTH = 12
# libyaml when PyYAML has it: the same parser and line marks at about 50x the speed (0.8 s -> 0.015 s
# for the bundled bank). Anything it refuses is re-read by the pure-Python loader, so the messages
# people see for a broken file stay the same.
FAST_LOADER = getattr(yaml, "CSafeLoader", None)


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
    if FAST_LOADER is not None:
        try:
            return _parse(text, FAST_LOADER)
        except YamlProblem:
            pass  # the careful loader below words the problem as it always has
    return _parse(text, yaml.SafeLoader)


def _parse(text: str, loader_class: type) -> Doc:
    _check_events(text, loader_class)
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
        raise YamlProblem(f"not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise YamlProblem("not valid YAML: nested too deeply") from exc
    lines: dict[str, int] = {"": 1}
    duplicates: list[tuple[str, int]] = []
    if node is not None:
        _index_lines(node, "", lines, duplicates)
    return Doc(data=data, lines=lines, duplicate_keys=duplicates)


def _check_events(text: str, loader_class: type = yaml.SafeLoader) -> None:
    """Refuse aliases and deep nesting while streaming, before any structure is built."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader_class):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else None
                raise YamlProblem("anchors and aliases (&, *) are not allowed in case bank files", line)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", line)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(f"not valid YAML: {exc.problem or exc.context}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {exc}") from exc


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
