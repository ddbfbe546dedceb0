"""Which of the bank's themes a piece of writing is about, and which of them a case shares.

Two kinds of evidence, either enough:

- the approach of the trainer's theme suggestions (assistant/trainer/authoring.py): each
  theme's "label: description" is embedded, and a text's score for a theme is the cosine of
  its vector with the description's, as a z-score against the same theme's cosines with every
  prose passage of the bank (some descriptions are close to everything, some to little). Here
  the texts are a reflection's answers, each one vector, so the reference is the bank's passages
  one by one (not each case's best passage, as for a whole case). An answer is about its best
  MAX_THEMES themes whose z-score reaches THEME_Z;
- a phrase of the theme's description (two words in a row of one of its comma-separated
  parts, stemmed, stop words dropped: "county lines", "care leavers", "debt bondage") in the
  text, where the bank's cases that use the phrase mostly carry the theme. The model knows
  little of some practitioners' words: "He has been drawn into county lines." is further from
  the exploitation description than the bank's average passage is (z = -0.3).

A reflection is about what any of its answers is about. Measured against the themes of each
judged query's highly relevant cases in benchmarks/bench_panel_query.py: on the tuning queries
(casebank/judged/qrels.yaml) the embedding alone has precision 0.53, recall 0.23 (about two themes a
query), and F0.5 0.416; with the phrases 0.53, 0.23 and 0.423; the phrases alone 0.88 and 0.03
(so they come first); stems shared with the theme's words, two or more, 0.48 and 0.14. A case's
themes are labelled by hand; the panel names those the reflection is about too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Protocol, Sequence

import numpy as np

from assistant.casebank.model import Case, Theme

if TYPE_CHECKING:
    from assistant.search.index import Index

THEME_Z = 0.25  # best F0.5 on the tuning queries (bench_panel_query.py)
MAX_THEMES = 3  # per answer, by the embedding
PHRASE_SPLIT = re.compile(r"[,;()]|\b(?:and|or|including|such as|covering)\b")


class Encoder(Protocol):  # the part of the Embedder used here
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class ThemeScore:
    id: str
    similarity: float  # cosine of the text with the theme's description
    z: float  # against the same theme's cosines with the bank's passages
    phrase: bool = False  # the text has a phrase of the theme's description


class ThemeMatcher:
    """Scores texts against the theme descriptions, calibrated on one bank's passages.

    `tokens` (the lexical search's stemmer, `Lexical.tokens`) turns on the phrase evidence;
    `cases` (the bank's) keep only the phrases that tell of their theme in the bank (`_telling`).
    """

    def __init__(self, themes: Mapping[str, Theme], encoder: Encoder, index: "Index",
                 tokens: Callable[[str], list[str]] | None = None, cases: Sequence[Case] = ()) -> None:
        self.ids = list(themes)
        self.vectors = encoder.encode([f"{t.label}: {t.description}" for t in themes.values()]) \
            if themes else np.zeros((0, index.vectors.shape[1] if index.vectors.size else 0), np.float32)
        prose = np.fromiter((c.section != "title" for c in index.chunks), dtype=bool, count=len(index.chunks))
        reference = index.vectors[prose] if prose.any() else index.vectors
        sims = reference @ self.vectors.T if len(reference) and len(self.ids) else np.zeros((1, len(self.ids)))
        self.mean = sims.mean(axis=0)
        self.std = np.maximum(sims.std(axis=0), 1e-6)
        self.tokens = tokens
        self.phrases: dict[str, set[tuple[str, str]]] = {}
        if tokens is not None:
            in_cases = [(_pairs(tokens(c.full_text())), set(c.themes)) for c in cases]
            for tid, theme in themes.items():
                parts = PHRASE_SPLIT.split(f"{theme.label}, {theme.description}")
                self.phrases[tid] = {pair for part in parts if part for pair in _pairs(tokens(part))
                                     if _telling(pair, tid, in_cases)}

    def scores(self, vector: np.ndarray) -> list[ThemeScore]:
        """Every theme for one text's vector, best first."""
        if not self.ids:
            return []
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        z = (sims - self.mean) / self.std
        order = sorted(range(len(self.ids)), key=lambda i: -float(z[i]))
        return [ThemeScore(self.ids[i], float(sims[i]), float(z[i])) for i in order]

    def phrase_themes(self, text: str) -> set[str]:
        """The themes one of whose description's phrases is in the text."""
        if self.tokens is None:
            return set()
        pairs = _pairs(self.tokens(text))
        return {tid for tid, phrases in self.phrases.items() if phrases & pairs}

    def about(self, texts: Sequence[str], vectors: Iterable[np.ndarray], *, threshold: float = THEME_Z,
              most: int = MAX_THEMES, phrases: bool = True) -> list[ThemeScore]:
        """The themes the texts are about: those whose phrases a text uses (with `phrases`), then
        each text's best `most` by the embedding that reach `threshold`, by z-score."""
        best: dict[str, ThemeScore] = {}
        for text, vector in zip(texts, vectors):
            ranked = self.scores(vector)
            named = self.phrase_themes(text) if phrases else set()
            chosen = [s for s in ranked[:most] if s.z >= threshold]
            chosen += [ThemeScore(s.id, s.similarity, s.z, True) for s in ranked if s.id in named]
            for score in chosen:
                known = best.get(score.id)
                if known is None or score.z > known.z or score.phrase and not known.phrase:
                    best[score.id] = ThemeScore(score.id, max(score.similarity, known.similarity if known else -1.0),
                                                max(score.z, known.z if known else -np.inf),
                                                score.phrase or (known.phrase if known else False))
        return sorted(best.values(), key=lambda s: (not s.phrase, -s.z))  # phrases are the surer evidence


def _pairs(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:]))


def _telling(pair: tuple[str, str], theme: str, cases: Sequence[tuple[set[tuple[str, str]], set[str]]]) -> bool:
    """Whether a phrase tells of its theme: some of the bank's cases use it, and at least half of
    those carry the theme ("county lines" does; "can help", of the family theme's "the household
    can help", does not; nor "feel the need", which no case uses)."""
    using = [themes for pairs, themes in cases if pair in pairs]
    return bool(using) and sum(theme in themes for themes in using) >= len(using) / 2


def shared(about: Sequence[ThemeScore], case_themes: Iterable[str]) -> tuple[str, ...]:
    """The case's themes that the writing is about, in the writing's order (strongest first)."""
    own = set(case_themes)
    return tuple(s.id for s in about if s.id in own)
