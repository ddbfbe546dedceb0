"""Which of a stage's expectations a reflection has touched on, by embedding similarity.

Each sentence of an answer is compared with each expectation's text; an expectation counts as
covered when some sentence comes within `THRESHOLD` cosine similarity of it. The threshold
was chosen on the labelled pairs in tests/data/coverage_pairs.yaml (benchmarks/bench_coverage.py
prints the precision and recall around it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from assistant.casebank.model import Expectation

THRESHOLD = 0.24
NEAR = 0.06  # below the threshold by less than this: half-said, so not the next thing to ask about
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def sentences(text: str) -> list[str]:
    """Sentences of at least three words (shorter fragments carry no meaning to match)."""
    return [s.strip() for s in _SENTENCE.split(text) if len(s.split()) >= 3]


@dataclass(frozen=True)
class Match:
    expectation: str
    score: float
    sentence: str


class CoverageChecker:
    def __init__(self, encoder: Encoder, expectations: Sequence[Expectation], threshold: float = THRESHOLD) -> None:
        self.encoder = encoder
        self.expectations = list(expectations)
        self.threshold = threshold
        self._vectors: np.ndarray | None = None
        self._seen: dict[str, np.ndarray] = {}  # sentence -> vector: a reflection is re-read after every answer

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = self.encoder.encode([e.text for e in self.expectations])
        return self._vectors

    def similarities(self, parts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each sentence (rows) to each expectation (columns)."""
        new = [p for p in dict.fromkeys(parts) if p not in self._seen]
        if new:
            self._seen.update(zip(new, self.encoder.encode(new)))
        return np.vstack([self._seen[p] for p in parts]) @ self.vectors.T

    def best_matches(self, text: str) -> list[Match]:
        """For each expectation, the answer's sentence closest to it."""
        parts = sentences(text)
        if not parts or not self.expectations:
            return []
        sims = self.similarities(parts)
        best = sims.argmax(axis=0)
        return [Match(e.id, float(sims[best[j], j]), parts[best[j]]) for j, e in enumerate(self.expectations)]

    def covered(self, text: str) -> list[Match]:
        return [m for m in self.best_matches(text) if m.score >= self.threshold]

    def next_probe(self, text: str, done: set[str]) -> Expectation | None:
        """The first expectation, in the framework's order, that the reflection is clearly not about yet.

        Expectations the text comes close to (within `NEAR` of the threshold) are left for later:
        asking about something the person has half-said feels like not listening.
        """
        remaining = [e for e in self.expectations if e.id not in done]
        if not remaining:
            return None
        scores = {m.expectation: m.score for m in self.best_matches(text)} if text.strip() else {}
        clear = [e for e in remaining if scores.get(e.id, 0.0) < self.threshold - NEAR]
        return clear[0] if clear else min(remaining, key=lambda e: scores.get(e.id, 0.0))
