"""BM25 over whole cases (bm25s), with English stop words and Snowball stemming.

Exact words matter to practitioners ("county lines", "CAMHS", "referral order") in a way an
embedding can blur; this ranking carries them.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain
from typing import Sequence

import numpy as np

from assistant.search.chance import ChanceLevel

TOKEN = re.compile(r"(?u)\b\w\w+\b")


class Lexical:
    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        self._stemmer = Stemmer.Stemmer("english")
        self._stop = frozenset(STOPWORDS_EN)
        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        corpus = [self.tokens(t) or ["\u2205"] for t in texts]
        if corpus:
            self._bm25.index(corpus, show_progress=False)
        self._vocab: dict[str, int] = dict(getattr(self._bm25, "vocab_dict", {}) or {})
        self._term_max = _term_maxima(getattr(self._bm25, "scores", None), len(self._vocab))
        self._frequency = np.zeros(len(self._term_max) if self._term_max is not None else 0)
        for term, count in Counter(chain.from_iterable(corpus)).items():
            if term in self._vocab and self._vocab[term] < len(self._frequency):
                self._frequency[self._vocab[term]] = count
        self._chance: ChanceLevel | None = None

    def tokens(self, text: str) -> list[str]:
        words = [w for w in TOKEN.findall(text.lower()) if w not in self._stop]
        return self._stemmer.stemWords(words)

    def scores(self, query: str) -> np.ndarray:
        """A BM25 score for every document (zeros when no query word is in the bank)."""
        known = [t for t in self.tokens(query) if t in self._vocab]
        if not known or not self._size:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def attainable(self, query: str) -> float:
        """The most any case could score for this query: each term's best contribution, summed.

        Dividing by it puts BM25 on an absolute scale: 1.0 only when one case carries every
        query word as strongly as any case does, near 0 when the words barely match anything.
        """
        known = [t for t in self.tokens(query) if t in self._vocab]
        if not known or self._term_max is None:
            return 0.0
        return float(sum(self._term_max[self._vocab[t]] for t in known))

    def coverage(self, text: str) -> tuple[int, int]:
        """How many of the query's words (stemmed, stop words left out) the bank uses at all, of how many.

        A query put in the bank's own words ("county lines", "CAMHS") has nearly all of them; a
        paraphrase in other words ("constabulary", "sparky") leaves a third or more unknown,
        and what BM25 finds for it rests on the scraps that happen to match.
        """
        words = self.tokens(text)
        return sum(1 for t in words if t in self._vocab), len(words)

    def weighted_coverage(self, texts: Sequence[str], weights: Sequence[float]) -> float:
        """The share of the texts' words known to the bank, each text's words counted with its weight
        (1.0 when there are no words: nothing then speaks against BM25, which scores zero anyway)."""
        known = total = 0.0
        for text, weight in zip(texts, weights):
            if weight:
                k, n = self.coverage(text)
                known += weight * k
                total += weight * n
        return known / total if total > 0 else 1.0

    def weighted_scores(self, texts: Sequence[str], weights: Sequence[float]) -> np.ndarray:
        """BM25 of several texts at once, each text's terms counted with its weight.

        BM25 is a sum over the query's terms, so this is BM25 of the texts joined, except that
        a term of text i counts `weights[i]` times: with every weight 1 it equals
        `scores("\n".join(texts))`.
        """
        out = np.zeros(self._size, dtype=np.float32)
        for text, weight in zip(texts, weights):
            if weight:
                out += np.float32(weight) * self.scores(text)
        return out

    def known_words(self, texts: Sequence[str], weights: Sequence[float]) -> int:
        """How many of the texts' words (stemmed, repeats counted) the bank uses, in texts of weight > 0."""
        return sum(1 for text, weight in zip(texts, weights) if weight for t in self.tokens(text) if t in self._vocab)

    def chance_confidence(self, known_words: int, allowed: np.ndarray) -> float:
        """The confidence random words of the bank reach for a query with `known_words` of them
        (`ChanceLevel`; 1.0 when it cannot be told, so that nothing passes as beating chance)."""
        scores = getattr(self._bm25, "scores", None)
        if self._term_max is None or not isinstance(scores, dict):
            return 1.0
        if self._chance is None:
            order = np.array([self._vocab[t] for t in sorted(self._vocab) if self._vocab[t] < len(self._frequency)])
            self._chance = ChanceLevel(scores["data"], scores["indices"], scores["indptr"], self._size,
                                       self._term_max, self._frequency, order)
        return self._chance.level(known_words, allowed)

    def weighted_attainable(self, texts: Sequence[str], weights: Sequence[float]) -> float:
        """`attainable` for `weighted_scores`: the most any case could score, term weights included."""
        return float(sum(w * self.attainable(t) for t, w in zip(texts, weights) if w))


def _term_maxima(scores: object, size: int) -> np.ndarray | None:
    """Per vocabulary term, its largest BM25 contribution to any document (from the index's CSC arrays)."""
    if not isinstance(scores, dict) or not size:
        return None
    data, indptr = np.asarray(scores["data"]), np.asarray(scores["indptr"])
    out = np.zeros(len(indptr) - 1, dtype=np.float32)
    filled = np.diff(indptr) > 0
    if data.size:
        out[filled] = np.maximum.reduceat(data, indptr[:-1][filled])
    return out
