"""Which of a stage's expectations an answer shows, sentence by sentence, with evidence.

A cosine threshold against the expectation texts cannot work: vague sentences ("we went
through the plan in supervision") sit closer to them than real practice does. So each stage
has a small classifier over the bundled model's sentence vectors, trained on labelled example
sentences (`casebank/coverage/`): one class per expectation plus an explicit "none" class
taught by vague, process, feeling, mention, negation and wish sentences. A sentence covers an
expectation when that class's probability reaches `THRESHOLD` and a second, pooled classifier
(the *gate*: is this sentence practice at all, trained on every strand's examples against
every "none" sentence) agrees. The gate learns "nothing in particular" from twelve times the
data a stage's classifier has. Measured on whole answers written apart (benchmarks/bench_coverage.py),
the gate paid; hand-written cue features (negation, wishes, supervision talk...) and the cosines
to the expectation texts did not, though cross-validation on the examples had favoured them:
the features stay in the vector layout with zero weight (`TrainConfig.cues`, `.anchors`).

The weights are trained by `reflect index` (`coverage_train`) and saved beside the index, so
checking an answer costs one encode and a small matrix product.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from assistant.casebank.model import Expectation

NONE = "none"
# Chosen on whole answers written apart from the examples (tests/data/coverage_tuning_*.yaml and the
# retired first held-out set): best F1 with precision ≥ 0.75, in a flat region (benchmarks/bench_coverage.py).
THRESHOLD = 0.5
GATE = 0.5  # the gate's probability that a sentence is practice at all
ANCHOR_SCALE = 3.0  # weight of the similarity to each expectation's own text, beside the vector
HALF = 0.2  # an expectation the last answer reached this far is half-said: not the next probe
MODEL_FILE = "coverage.npz"
META_FILE = "coverage.json"
MIN_WORDS = 4

_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|\s+[-\u2013\u2014]\s+(?=[A-Z])|^\s*[-*\u2022]\s+", re.M)

# Cue features: the sentence vectors hardly tell "I rang the school" from "I haven't rung the school".
CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(p, re.I)) for name, p in (
    ("negation", r"\b(?:haven'?t|hasn'?t|hadn'?t|have not|has not|had not|didn'?t|did not|don'?t|do not|"
                 r"doesn'?t|does not|not yet|never|no-?one|nobody|nothing|wasn'?t|weren'?t|isn'?t|aren'?t|"
                 r"couldn'?t|can'?t|cannot|won'?t|not been|not had|yet to|no idea|not sure|not really)\b"),
    ("wish", r"\b(?:i'?d like|i would like|i'd love|would (?:be|have been) (?:good|nice|great|better|useful)|"
             r"i hope|hopefully|i wish|ideally|i want to|i need to|i should|we should|we need to|"
             r"ought to|maybe|perhaps|at some point|might|could (?:try|look|think))\b"),
    ("process", r"\b(?:supervision|my manager|team manager|went through|talked about|talked through|discussed|"
                r"we looked at|we covered|went over|touched on|spoke about|reflected on|the session)\b"),
    ("feeling", r"\b(?:i feel|i felt|feeling|helpful|useful|stuck|overwhelmed|reassured|confident|worried|"
                r"anxious|frustrat\w*|stressed|tired|really good|good to|nice to|valued|supported)\b"),
    ("concrete", r"\b(?:monday|tuesday|wednesday|thursday|friday|next week|tomorrow|booked|arranged|referred|"
                 r"rang|phoned|emailed|met|visited|asked (?:him|her|them)|agreed|because|so that|so he|so she|"
                 r"\d+)\b"),
))
CUE_SCALE = 0.5


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def sentences(text: str) -> list[str]:
    """The sentences (and bullet points) of an answer that are long enough to carry practice."""
    parts = (p.strip(" \t-*\u2022") for p in _SPLIT.split(text or ""))
    return [p for p in parts if p and len(p.split()) >= MIN_WORDS]


def cue_vector(sentence: str) -> np.ndarray:
    return np.array([CUE_SCALE if pattern.search(sentence) else 0.0 for _, pattern in CUES], dtype=np.float32)


def features(vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    cues = np.vstack([cue_vector(t) for t in texts]) if texts else np.zeros((0, len(CUES)), np.float32)
    return np.hstack([vectors.astype(np.float32), cues])


def with_anchors(x: np.ndarray, anchors: np.ndarray | None) -> np.ndarray:
    """Features followed by each row's cosine to each expectation text (the vector comes first)."""
    if anchors is None or not len(anchors):
        return x
    return np.hstack([x, ANCHOR_SCALE * (x[:, :anchors.shape[1]] @ anchors.T)])


@dataclass(frozen=True)
class Evidence:
    expectation: str
    sentence: str
    score: float


@dataclass
class StageModel:
    """Softmax regression for one strand and stage: classes are expectation ids and `none`.

    Its features are a sentence's vector and cues (`features`), plus the sentence's cosine to
    each expectation's own text (`anchors`), which gives the few examples a prior to lean on.
    """

    classes: list[str]
    weights: np.ndarray  # (features + anchors, classes)
    bias: np.ndarray  # (classes,)
    anchors: np.ndarray | None = None  # (expectations, dimensions): the expectation texts' vectors

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = with_anchors(x, self.anchors) @ self.weights + self.bias
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@dataclass
class Gate:
    """Logistic regression over `features`, shared by every stage: is a sentence practice at all?"""

    weights: np.ndarray  # (features,)
    bias: float

    def proba(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(x @ self.weights + self.bias, -30.0, 30.0)))


@dataclass
class CoverageModel:
    stages: dict[tuple[str, str], StageModel] = field(default_factory=dict)
    digest: str = ""  # of the example files it was trained on
    model_id: str = ""  # of the sentence model whose vectors it reads
    threshold: float = THRESHOLD
    gate: Gate | None = None

    def stage(self, strand: str, stage: str) -> StageModel | None:
        return self.stages.get((strand, stage))

    def save(self, folder: Path) -> None:
        """Weights then metadata, each written atomically (the metadata is the commit point)."""
        from assistant.fileio import atomic_write_bytes

        arrays: dict[str, np.ndarray] = {}
        for (strand, stage), m in self.stages.items():
            arrays[f"{strand}/{stage}/w"] = m.weights
            arrays[f"{strand}/{stage}/b"] = m.bias
            if m.anchors is not None:
                arrays[f"{strand}/{stage}/a"] = m.anchors
        if self.gate is not None:
            arrays["gate/w"] = self.gate.weights
            arrays["gate/b"] = np.array([self.gate.bias], np.float32)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(folder / MODEL_FILE, buf.getvalue(), mode=0o644)
        meta = {"digest": self.digest, "model_id": self.model_id, "threshold": self.threshold,
                "classes": {f"{k[0]}/{k[1]}": m.classes for k, m in self.stages.items()}}
        atomic_write_bytes(folder / META_FILE, (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode(), mode=0o644)

    @classmethod
    def load(cls, folder: Path) -> "CoverageModel | None":
        """The saved model, or None when it is missing or does not fit together."""
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            with np.load(folder / MODEL_FILE) as data:
                stages = {}
                for key, classes in meta["classes"].items():
                    strand, stage = key.split("/", 1)
                    w, b = data[f"{key}/w"], data[f"{key}/b"]
                    a = data[f"{key}/a"].astype(np.float32) if f"{key}/a" in data else None
                    if w.shape[1] != len(classes) or b.shape != (len(classes),):
                        return None
                    stages[(strand, stage)] = StageModel(list(classes), w.astype(np.float32), b.astype(np.float32), a)
                gate = Gate(data["gate/w"].astype(np.float32), float(data["gate/b"][0])) if "gate/w" in data else None
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        return cls(stages, meta.get("digest", ""), meta.get("model_id", ""), float(meta.get("threshold", THRESHOLD)),
                   gate)


# --- checking an answer -------------------------------------------------------------------

class CoverageChecker:
    """Reads answers against one stage's expectations; keeps sentence vectors it has seen."""

    def __init__(self, encoder: Encoder, expectations: Sequence[Expectation], model: StageModel | None,
                 threshold: float = THRESHOLD, gate: Gate | None = None) -> None:
        self.encoder = encoder
        self.expectations = list(expectations)
        self.model = model
        self.threshold = threshold
        self.gate = gate
        self._seen: dict[str, np.ndarray] = {}

    def _vectors(self, parts: Sequence[str]) -> np.ndarray:
        new = [p for p in dict.fromkeys(parts) if p not in self._seen]
        if new:
            self._seen.update(zip(new, self.encoder.encode(new)))
        return np.vstack([self._seen[p] for p in parts])

    def scores(self, text: str) -> tuple[list[str], np.ndarray]:
        """The answer's sentences and, for each, the probability of each expectation (columns in order);
        zero on a sentence the gate does not read as practice."""
        parts = sentences(text)
        if not parts or self.model is None or not self.expectations:
            return parts, np.zeros((len(parts), len(self.expectations)), np.float32)
        x = features(self._vectors(parts), parts)
        probs = self.model.proba(x)
        cols = [self.model.classes.index(e.id) if e.id in self.model.classes else -1 for e in self.expectations]
        out = np.zeros((len(parts), len(cols)), np.float32)
        for j, col in enumerate(cols):
            if col >= 0:
                out[:, j] = probs[:, col]
        if self.gate is not None:
            out[self.gate.proba(x) < GATE] = 0.0
        return parts, out

    def assess(self, text: str) -> list[Evidence]:
        """Expectations the text shows, each with its best sentence, in the framework's order."""
        parts, probs = self.scores(text)
        found = []
        for j, exp in enumerate(self.expectations):
            if not parts:
                break
            best = int(probs[:, j].argmax())
            if probs[best, j] >= self.threshold:
                found.append(Evidence(exp.id, parts[best], round(float(probs[best, j]), 3)))
        return found

    def reach(self, text: str) -> dict[str, float]:
        """How close the text comes to each expectation (its best sentence's probability)."""
        parts, probs = self.scores(text)
        if not parts:
            return {}
        return {e.id: float(probs[:, j].max()) for j, e in enumerate(self.expectations)}

    def next_probe(self, last_answer: str, done: set[str]) -> Expectation | None:
        """The first expectation in the framework's order not covered, not asked, and not half-said
        in the last answer; None when nothing is left to ask (never a filler)."""
        reach = self.reach(last_answer) if last_answer.strip() else {}
        for exp in self.expectations:
            if exp.id not in done and reach.get(exp.id, 0.0) < HALF:
                return exp
        return None
