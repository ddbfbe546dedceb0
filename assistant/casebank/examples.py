"""Labelled example sentences that teach the coverage check what each expectation looks like.

They live beside the framework as data (`casebank/coverage/*.yaml`) so that trainers can add
to them: a strand file (any name, `strand:` inside; several may share a strand) maps each stage's
expectation ids to sentences that show that practice, and files named `none*.yaml` hold sentences
that show none (vague, process, feelings, mentions, negations, wishes), shared by every strand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.casebank.model import Framework, Problem
from assistant.casebank.load import display_path
from assistant.casebank.yamlfile import YamlProblem, read_yaml

EXAMPLES_DIR = "coverage"
NONE_PREFIX = "none"  # none.yaml, none-more.yaml, ...


@dataclass(frozen=True)
class Example:
    text: str
    strand: str = ""  # empty for a "none" sentence: it belongs to every strand and stage
    stage: str = ""
    covers: tuple[str, ...] = ()  # empty: covers nothing
    kind: str = ""  # for none sentences: vague, process, feelings, mentions, negations, wishes


@dataclass
class Examples:
    items: list[Example] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""  # changes whenever any example file changes: the trained model's key

    def positives(self, strand: str, stage: str) -> list[Example]:
        return [e for e in self.items if e.covers and e.strand == strand and e.stage == stage]

    @property
    def none(self) -> list[Example]:
        return [e for e in self.items if not e.covers]

    def for_stage(self, strand: str, stage: str) -> list[Example]:
        return [*self.positives(strand, stage), *self.none]


def example_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_examples(folder: Path, framework: Framework) -> Examples:
    """Read every example file; a broken file is reported and the rest still load."""
    out = Examples()
    digest = hashlib.sha256()
    for path in example_files(folder):
        try:
            raw = path.read_bytes()
            doc = read_yaml(path)
        except (OSError, YamlProblem) as exc:
            line = getattr(exc, "line", None)
            out.problems.append(Problem(display_path(path), line, "", getattr(exc, "message", str(exc))))
            continue
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        if path.stem.startswith(NONE_PREFIX):
            _read_none(path, doc.data, doc.line, out)
        else:
            _read_strand(path, doc.data, doc.line, framework, out)
    out.digest = digest.hexdigest()
    return out


def _read_none(path: Path, data: Any, line: Any, out: Examples) -> None:
    groups = data.get("none") if isinstance(data, dict) else None
    if not isinstance(groups, dict):
        out.problems.append(Problem(display_path(path), line("none"), "none", "expected a mapping of kinds to lists of sentences"))
        return
    for kind, sentences in groups.items():
        for text in _sentences(path, f"none.{kind}", sentences, line, out):
            out.items.append(Example(text, kind=str(kind)))


def _read_strand(path: Path, data: Any, line: Any, framework: Framework, out: Examples) -> None:
    if not isinstance(data, dict):
        out.problems.append(Problem(display_path(path), 1, "", "expected a mapping with strand, stages and pairs"))
        return
    strand_id = data.get("strand")
    strand = framework.strand(str(strand_id))
    if strand is None:
        out.problems.append(Problem(display_path(path), line("strand"), "strand", f"unknown strand {strand_id!r}"))
        return
    stages = data.get("stages") or {}
    if not isinstance(stages, dict):
        out.problems.append(Problem(display_path(path), line("stages"), "stages", "expected a mapping of stages"))
        stages = {}
    for stage_id, by_expectation in stages.items():
        stage = framework.stage(strand.id, str(stage_id))
        if stage is None or not isinstance(by_expectation, dict):
            out.problems.append(Problem(display_path(path), line(f"stages.{stage_id}"), f"stages.{stage_id}",
                                        f"unknown stage {stage_id!r} of strand '{strand.id}'"))
            continue
        known = {e.id for e in stage.expectations}
        for eid, sentences in by_expectation.items():
            where = f"stages.{stage_id}.{eid}"
            if eid not in known:
                out.problems.append(Problem(display_path(path), line(where), where, f"unknown expectation '{eid}'"))
                continue
            for text in _sentences(path, where, sentences, line, out):
                out.items.append(Example(text, strand.id, stage.id, (str(eid),)))
    for k, pair in enumerate(data.get("pairs") or []):
        where = f"pairs[{k}]"
        stage = framework.stage(strand.id, str(pair.get("stage"))) if isinstance(pair, dict) else None
        covers = pair.get("covers") if isinstance(pair, dict) else None
        text = pair.get("text") if isinstance(pair, dict) else None
        if stage is None or not isinstance(covers, list) or not isinstance(text, str) or not text.strip():
            out.problems.append(Problem(display_path(path), line(where), where, "expected stage, covers (a list) and text"))
            continue
        unknown = [c for c in covers if c not in {e.id for e in stage.expectations}]
        if unknown:
            out.problems.append(Problem(display_path(path), line(where), f"{where}.covers", f"unknown expectation '{unknown[0]}'"))
            continue
        out.items.append(Example(text.strip(), strand.id, stage.id, tuple(str(c) for c in covers)))


def _sentences(path: Path, where: str, value: Any, line: Any, out: Examples) -> list[str]:
    if not isinstance(value, list):
        out.problems.append(Problem(display_path(path), line(where), where, "expected a list of sentences"))
        return []
    texts = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            out.problems.append(Problem(display_path(path), line(f"{where}[{i}]"), f"{where}[{i}]", "expected a sentence"))
            continue
        texts.append(item.strip())
    return texts
