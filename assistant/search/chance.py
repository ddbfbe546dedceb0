"""How strongly BM25 points at one case by chance: the lexical evidence that random words get.

The fusion weighs BM25 by its confidence, the best case's share of what the query could attain
(above the median case's). A query's own words can reach a fair share in some case by luck: the
fewer words the query has in the bank, the likelier one case holds most of them. A paraphrase
("dad insists his teenage daughter no longer runs off") keeps only common words, and its best
BM25 case is no better than what random words of the bank would give. This module measures that
level for the bank in hand: for each query length, queries of random words drawn as often as the
bank uses them, their confidence computed as the fusion computes it, and a low percentile of
those kept. The level follows the bank: a bigger bank with a wider vocabulary changes it, and so
the gate needs no re-tuning when cases are added (benchmarks/bench_fusion_growth.py).
"""

from __future__ import annotations

import numpy as np

LENGTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)  # known query words; interpolated in log n
SAMPLES = 256  # random queries per length (64 and 128 gave qrels 0.759, 256 0.760: the estimate's own noise)
PERCENTILE = 40.0  # the chance level: what 60% of random queries of that length exceed


class ChanceLevel:
    """The confidence random words reach, per query length, for each set of allowed cases asked about.

    `data`, `indices`, `indptr`: BM25's per-term, per-document contributions as a term-by-document
    matrix (bm25s's arrays: contributions, document ids, row pointers per term); `term_max`: each
    term's largest contribution; `frequency`: how often the bank uses each term; `order`: the term
    ids in a fixed order (of the terms' spelling). The ids themselves differ from one process to
    the next (string hashing), and the random words must not.
    """

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, docs: int,
                 term_max: np.ndarray, frequency: np.ndarray, order: np.ndarray, seed: int = 0) -> None:
        from scipy.sparse import csr_matrix

        self._terms = csr_matrix((np.asarray(data, np.float32), np.asarray(indices), np.asarray(indptr)),
                                 shape=(len(indptr) - 1, docs))
        self._term_max = np.asarray(term_max, np.float64)
        total = float(frequency.sum())
        self._p = frequency / total if total > 0 else None
        self._order = np.asarray(order, dtype=np.int64)
        self._seed = seed
        self._curves: dict[bytes, np.ndarray] = {}

    def level(self, known_words: int, allowed: np.ndarray) -> float:
        """The chance confidence for a query with this many words in the bank, over these cases."""
        if self._p is None or known_words <= 0 or not allowed.any():
            return 1.0
        key = np.packbits(allowed).tobytes()
        curve = self._curves.get(key)
        if curve is None:
            if len(self._curves) > 16:  # a few filters (stages, strands) recur; others need not be kept
                self._curves.clear()
            curve = self._curves[key] = self._curve(allowed)
        return float(np.interp(np.log(known_words), np.log(LENGTHS), curve))

    def _curve(self, allowed: np.ndarray) -> np.ndarray:
        from scipy.sparse import csr_matrix

        rng = np.random.default_rng(self._seed)
        vocab = len(self._term_max)
        columns = np.flatnonzero(allowed)
        restricted = self._terms[:, columns]
        out = np.empty(len(LENGTHS))
        for i, n in enumerate(LENGTHS):
            words = self._order[rng.choice(len(self._order), size=(SAMPLES, n), p=self._p[self._order])]
            rows = np.repeat(np.arange(SAMPLES), n)
            queries = csr_matrix((np.ones(SAMPLES * n, np.float32), (rows, words.ravel())), shape=(SAMPLES, vocab))
            scores = np.asarray((queries @ restricted).todense(), np.float64)  # SAMPLES x allowed cases
            attainable = self._term_max[words].sum(axis=1)
            shares = scores / np.maximum(attainable, 1e-12)[:, None]
            confidence = (shares - np.median(shares, axis=1, keepdims=True)).max(axis=1)
            out[i] = np.percentile(np.maximum(confidence, 0.0), PERCENTILE)
        return out
