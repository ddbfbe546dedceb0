"""Ranking cases for a query: dense (best passages), lexical (BM25), and their fusion.

Filters restrict the candidates before ranking. A case's dense score is its best passage's
cosine similarity (blending in the second best measured no better); the lexical score is
BM25 over the whole case;
hybrid adds BM25, put on an absolute scale (the share of what the query could attain in the
bank), to a cosine that also hears the query clause by clause: lexical evidence counts as far
as it is strong and as far as the query is in the bank's words (see `_fuse`; measured against
the agreement rule, scaling to the best candidate and reciprocal rank fusion in
benchmarks/bench_fusion_coverage.py and bench_fusion.py). In hybrid the query's vectors first
pass through the bank's query adapter (`adapter.py`), and each case then gains THEME_FEEDBACK
times its theme overlap with the best case (`_with_theme_feedback`); dense mode stays the
model's own vectors, the baseline both are measured against (benchmarks/bench_adapter.py).
Search is one matrix product over normalised vectors, exact on a bank of fewer than
COARSE_MIN_PASSAGES passages; on a bigger one an int8 first pass (`coarse.py`) chooses the
cases scored exactly, with the same results (tests/test_coarse.py, benchmarks/bench_search.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from assistant.casebank.model import Case
from assistant.search.adapter import Adapter
from assistant.search.coarse import COARSE_MIN_PASSAGES, CoarseScorer
from assistant.search.filters import Filters
from assistant.search.index import Index
from assistant.search.lexical import Lexical

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
DENSE_WEIGHT = 0.6  # share of the dense score in the old "linear" fusion (kept for comparison)
# Hybrid: the cosine, with CLAUSE_SHARE of it from the query's clauses (the mean of each clause's
# best-passage cosine), plus BM25 (absolute scale, above the median case) times LEX_WEIGHT, its
# confidence and the query's vocabulary coverage to the power COVERAGE_POWER. Chosen on the
# tuning sets alone (casebank/judged/qrels.yaml and queries_tuning.yaml) in a flat region: with
# CLAUSE_SHARE 1/2..2/3, LEX_WEIGHT 1.5..2.5 and COVERAGE_POWER 3..6 hybrid beats the better of
# dense and lexical on every class by +0.02 to +0.03 (benchmarks/bench_fusion_coverage.py).
CLAUSE_SHARE = 2 / 3
LEX_WEIGHT = 2.0
COVERAGE_POWER = 4.0
CLAUSE_END = re.compile(r"(?<=[.!?;,])\s+")
MIN_CLAUSE_WORDS = 3
MAX_CLAUSES = 8  # a long text (a pasted paragraph) is not cut into more than this many encodes
CHANCE_TIE = 1e-6  # one known word: its best case has the whole share, as random words' do; that passes
CLAUSE_POOL = 100  # the cases (best by the whole query's cosine) whose passages the clauses are read against;
# more than the bundled bank holds, so its figures are exact; 30 measured the same on it (stop 18)
COARSE_RESCORE = 300  # with the int8 first pass: cases scored exactly, the best by it and by BM25 each
COARSE_MARGIN = 0.02  # rough cosines are off by at most 0.003 for real queries on the bundled vectors (tests/test_coarse.py)
RRF_K = 60
# Hybrid adds THEME_FEEDBACK times each case's theme overlap (Jaccard) with the best case: the cases
# judged partly relevant are mostly the best case's neighbours (same core issue, other setting), which
# the words and the model rank anywhere. Cross-validated between the tuning files with the adapter
# (benchmarks/bench_adapter.py): 0.1 to 0.2 flat, 0.5 worse.
THEME_FEEDBACK = 0.15


@dataclass(frozen=True)
class Scored:
    """One query's scores over every case: fused, dense and lexical, and each passage's cosine."""

    score: np.ndarray  # minus infinity for cases the filters leave out
    fused: np.ndarray  # the score before hybrid's theme feedback, which depends on the best allowed
    # case: the one to compare across filters (the same as `score` in dense and lexical mode)
    dense: np.ndarray
    lex: np.ndarray
    sims: np.ndarray | None  # None in lexical mode
    words: frozenset[str] = frozenset()  # the query's stems, for a lexical snippet


@dataclass(frozen=True)
class Hit:
    case: Case
    score: float
    snippet: str
    section: str
    dense: float = 0.0
    lexical: float = 0.0
    other_stage: bool = False  # added from outside the stage asked for: it matched clearly better
    shares: tuple[str, ...] = ()  # theme ids the case shares with what the query is about


class Searcher:
    """Holds one bank's index in memory; `search` needs the query vector only for dense modes."""

    def __init__(self, cases: Sequence[Case], index: Index, fusion: str = "evidence",
                 lex_weight: float = LEX_WEIGHT, chance_gate: bool = True, coarse: bool | None = None,
                 adapter: Adapter | None = None, theme_feedback: float = THEME_FEEDBACK) -> None:
        """`coarse`: the int8 first pass (`CoarseScorer`); None uses it from COARSE_MIN_PASSAGES passages.
        `adapter`: the bank's query adapter (hybrid only: dense mode stays the model's own vectors,
        the baseline it is measured against)."""
        by_id = {c.id: c for c in cases}
        self.cases = [by_id[cid] for cid in index.case_ids if cid in by_id]
        if len(self.cases) != len(index.case_ids):
            raise ValueError("the index does not match the bank (run `reflect index`)")
        self.index = index
        self.fusion = fusion
        self.lex_weight = lex_weight
        self.chance_gate = chance_gate
        self.adapter = adapter
        self.theme_feedback = theme_feedback
        self._themes = _theme_matrix(self.cases)
        self._theme_counts = self._themes.sum(axis=1)
        self.lexical = Lexical([c.full_text() for c in self.cases])
        self._is_title = np.fromiter((c.section == "title" for c in index.chunks), dtype=bool,
                                     count=len(index.chunks))
        self._ends = np.append(index.case_starts[1:], len(index.chunks)).astype(np.int64)
        use_coarse = len(index.chunks) >= COARSE_MIN_PASSAGES if coarse is None else coarse
        self._coarse = CoarseScorer(index.vectors) if use_coarse and len(index.chunks) else None

    def prepare(self) -> None:
        """Build what the first query would otherwise wait for (the int8 first pass on a big bank)."""
        if self._coarse is not None:
            self._coarse.prepare()

    def mask(self, filters: Filters | None) -> np.ndarray:
        if filters is None:
            return np.ones(len(self.cases), dtype=bool)
        return np.fromiter((filters.allows(c) for c in self.cases), dtype=bool, count=len(self.cases))

    def dense_scores(self, query_vector: np.ndarray, allowed: np.ndarray | None = None,
                     also: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per case, its best passage's similarity; and every passage's similarity (for snippets).

        On a big bank the int8 first pass scores every passage roughly, and the COARSE_RESCORE
        cases it rates best among `allowed`, with the cases in `also` (BM25's best, for hybrid),
        are scored exactly; the others keep the rough cosine (off by about 0.003), which only
        decides that they come lower.
        """
        q = query_vector.astype(np.float32)
        if self._coarse is None:
            sims = self.index.vectors @ q
            return np.maximum.reduceat(sims, self.index.case_starts), sims
        sims = self._coarse.scores(q)
        dense = np.maximum.reduceat(sims, self.index.case_starts)
        ranked = dense if allowed is None else np.where(allowed, dense, -np.inf)
        chosen = _top(ranked, min(COARSE_RESCORE, len(dense)))
        if also is not None and len(also):
            chosen = np.union1d(chosen, also)
        chosen = np.sort(chosen)
        rows, local = self._rows(chosen)
        # A chosen case's best passage is one whose rough cosine is within COARSE_MARGIN of the
        # case's best rough one: only those are scored exactly (1-3 a case, not all 17).
        lengths = np.diff(np.append(local, len(rows)))
        owner = np.repeat(np.arange(len(chosen)), lengths)
        keep = sims[rows] >= dense[chosen][owner] - COARSE_MARGIN
        rows, owner = rows[keep], owner[keep]
        exact = self.index.vectors[rows] @ q
        sims[rows] = exact
        first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        dense[chosen] = np.maximum.reduceat(exact, first)
        return dense, sims

    def _rows(self, cases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The passage rows of these cases (sorted case indices), and where each case's rows start among them."""
        starts = self.index.case_starts[cases]
        lengths = self._ends[cases] - starts
        rows = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        return rows, np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)

    def search(self, query: str, query_vector: np.ndarray | None, *, k: int = 5,
               filters: Filters | None = None, mode: Mode = "hybrid",
               clause_vectors: np.ndarray | None = None) -> list[Hit]:
        """`clause_vectors`: the vectors of `clauses(query)`, for hybrid (None: the whole query alone)."""
        return self.search_weighted((query,), (1.0,), query_vector, k=k, filters=filters, mode=mode,
                                    clause_vectors=clause_vectors)

    def search_weighted(self, texts: Sequence[str], weights: Sequence[float], query_vector: np.ndarray | None, *,
                        k: int = 5, filters: Filters | None = None, mode: Mode = "hybrid",
                        clause_vectors: np.ndarray | None = None) -> list[Hit]:
        """Search for several texts at once (a conversation's answers), each term counted with
        its text's weight in BM25; `query_vector` is the texts' combined vector."""
        allowed = self.mask(filters)
        if not allowed.any() or k <= 0:
            return []
        scored = self.score(texts, weights, query_vector, allowed, mode, clause_vectors)
        return [self.hit(int(i), scored) for i in _top(scored.score, min(k, int(allowed.sum())))]

    def score(self, texts: Sequence[str], weights: Sequence[float], query_vector: np.ndarray | None,
              allowed: np.ndarray, mode: Mode = "hybrid", clause_vectors: np.ndarray | None = None) -> Scored:
        """Every case's score (minus infinity where `allowed` is false), with its parts.

        `dense` in the result is the whole query's cosine (dense mode); hybrid blends in the
        clauses' (`clause_vectors`, one row per clause) where there are two or more."""
        if mode != "dense":
            lex = self.lexical.weighted_scores(texts, weights)
        else:
            lex = np.zeros(len(self.cases), np.float32)
        clause_dense = None
        if mode != "lexical":
            if query_vector is None:
                raise ValueError("dense and hybrid search need the query's vector")
            if mode == "hybrid" and self.adapter is not None:
                query_vector = self.adapter.apply(query_vector)
                if clause_vectors is not None and len(clause_vectors):
                    clause_vectors = self.adapter.apply(clause_vectors)
            also = None
            if self._coarse is not None and mode == "hybrid" and float(lex.max(initial=0.0)) > 0:
                also = _top(np.where(allowed, lex, -np.inf), min(COARSE_RESCORE, len(lex)))
            dense, sims = self.dense_scores(query_vector, allowed, also)
            if mode == "hybrid" and clause_vectors is not None and len(clause_vectors) >= 2 and allowed.any():
                clause_dense = self._clause_scores(dense, clause_vectors, allowed)
        else:
            dense, sims = np.zeros(len(self.cases), np.float32), None
        if mode == "dense":
            score = dense
        elif mode == "lexical":
            score = lex
        else:
            blended = dense if clause_dense is None else \
                ((1 - CLAUSE_SHARE) * dense + CLAUSE_SHARE * clause_dense).astype(np.float32)
            score = self._fuse(blended, lex, allowed,
                               self.lexical.weighted_attainable(texts, weights),
                               self.lexical.weighted_coverage(texts, weights),
                               self.lexical.known_words(texts, weights))
        fused = np.where(allowed, score, -np.inf)
        if mode == "hybrid":
            score = self._with_theme_feedback(score, allowed)
        words = frozenset(t for text, w in zip(texts, weights) if w for t in self.lexical.tokens(text)) \
            if sims is None else frozenset()
        return Scored(np.where(allowed, score, -np.inf), fused, dense, lex, sims, words)

    def hit(self, case_index: int, scored: Scored) -> Hit:
        """One case of a scoring as a hit, with its best-matching passage as the snippet."""
        chunk = self.index.chunks[self._snippet_row(case_index, scored.sims, scored.words)]
        return Hit(self.cases[case_index], float(scored.score[case_index]), chunk.text, chunk.section,
                   float(scored.dense[case_index]), float(scored.lex[case_index]))

    def _with_theme_feedback(self, score: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """The score plus THEME_FEEDBACK times each case's theme overlap with the best allowed case
        (which keeps its place: its overlap with itself is 1)."""
        if not self.theme_feedback or not allowed.any() or not self._themes.shape[1]:
            return score
        best = int(np.argmax(np.where(allowed, score, -np.inf)))
        row = self._themes[best]
        both = self._themes @ row
        either = self._theme_counts + self._theme_counts[best] - both
        overlap = np.divide(both, either, out=np.zeros_like(both), where=either > 0)
        return (score + self.theme_feedback * overlap).astype(np.float32)

    def _clause_scores(self, dense: np.ndarray, clause_vectors: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Per case the mean, over the query's clauses, of each clause's best-passage cosine.

        The model reads a long query as one blurred vector; a clause ("his statement says it
        came out of nowhere") finds the passage that says it, and hybrid gives the clauses'
        mean CLAUSE_SHARE of the cosine: a case each part of the query points at rises.
        Only the CLAUSE_POOL cases the whole query rates best are read clause by clause (a
        matrix product per clause over every passage would cost as much again as the search
        per clause); the rest get the pool's lowest clause score, so the clauses never lift
        them over a case of the pool.
        """
        candidates = np.flatnonzero(allowed)
        if len(candidates) > CLAUSE_POOL:
            candidates = np.sort(candidates[_top(dense[candidates], CLAUSE_POOL)])
        rows, local = self._rows(candidates)
        sims = self.index.vectors[rows] @ np.asarray(clause_vectors, dtype=np.float32).T  # rows x clauses
        best = np.maximum.reduceat(sims, local, axis=0).mean(axis=1)
        out = np.full(len(self.cases), float(best.min()), dtype=np.float32)
        out[candidates] = best
        return out

    def _fuse(self, dense: np.ndarray, lex: np.ndarray, allowed: np.ndarray, attainable: float,
              coverage: float = 1.0, known_words: int = 0) -> np.ndarray:
        """Cosine plus BM25 weighed by its evidence.

        BM25 is divided by the score the query could attain in this bank (each term's best
        contribution, summed), so a case counts lexically in proportion to how much of the
        query's words it really carries, and the whole lexical term is weighed by the best
        case's share (the confidence) and by the query's coverage (the share of its words the
        bank uses at all) to the power COVERAGE_POWER. A practitioner's query is in the bank's
        words (coverage about 0.96: the weight stays 0.85 of itself); a paraphrase leaves a
        third of its words unknown (0.64: 0.17), and the words it shares then point at other
        cases by chance. This replaced the agreement rule (BM25's top cases among the model's),
        which silenced BM25 also where it was right against the model.

        BM25 counts at all only when its confidence beats chance: what random words of the
        bank, as many as the query has there, reach (`Lexical.chance_confidence`). A paraphrase
        in common words ("dad", "teenage", "daughter") is known to the bank word for word, so
        coverage cannot tell it, but its best case is no better than chance.
        """
        if self.fusion == "rrf":
            return (_rrf(dense, allowed) + _rrf(lex, allowed)).astype(np.float32)
        if self.fusion == "evidence":
            lex_abs = lex / attainable if attainable > 0 else np.zeros_like(lex)
            if allowed.any():  # what a typical case gets (age, "school", "mum") is no evidence
                lex_abs = np.maximum(lex_abs - float(np.median(lex_abs[allowed])), 0.0)
            confidence = float(lex_abs[allowed].max()) if allowed.any() else 0.0
            if self.chance_gate and known_words and \
                    confidence < self.lexical.chance_confidence(known_words, allowed) - CHANCE_TIE:
                return dense.astype(np.float32)
            weight = self.lex_weight * confidence * coverage ** COVERAGE_POWER
            return (dense + weight * lex_abs).astype(np.float32)
        top_lex = float(lex[allowed].max()) if allowed.any() else 0.0
        lex_scaled = lex / top_lex if top_lex > 0 else np.zeros_like(lex)
        return (DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lex_scaled).astype(np.float32)

    def _snippet_row(self, case_index: int, sims: np.ndarray | None, words: frozenset[str]) -> int:
        """The case's best-matching prose passage (not its header): by the model, or by shared words."""
        start = int(self.index.case_starts[case_index])
        end = int(self.index.case_starts[case_index + 1]) if case_index + 1 < len(self.cases) else len(self.index.chunks)
        prose = [r for r in range(start, end) if not self._is_title[r]] or [start]
        if sims is not None:
            return max(prose, key=lambda r: float(sims[r]))
        return max(prose, key=lambda r: len(words & set(self.lexical.tokens(self.index.chunks[r].text))))


def clauses(text: str) -> list[str]:
    """The query's clauses (cut at sentence ends, semicolons and commas; fragments under
    MIN_CLAUSE_WORDS words dropped), or nothing when it has one clause: then the whole
    query's vector says it all and no more encoding is needed."""
    parts = [p.strip() for p in CLAUSE_END.split(text.strip())]
    parts = [p for p in parts if len(p.split()) >= MIN_CLAUSE_WORDS][:MAX_CLAUSES]
    return parts if len(parts) >= 2 else []


def _top(score: np.ndarray, k: int) -> np.ndarray:
    if k >= len(score):
        return np.argsort(-score, kind="stable")[:k]
    part = np.argpartition(-score, k)[:k]
    return part[np.argsort(-score[part], kind="stable")]


def _theme_matrix(cases: Sequence[Case]) -> np.ndarray:
    """Cases x themes, 1 where the case carries the theme (for the theme feedback)."""
    column = {t: i for i, t in enumerate(sorted({t for c in cases for t in c.themes}))}
    matrix = np.zeros((len(cases), len(column)), dtype=np.float32)
    for row, case in enumerate(cases):
        matrix[row, [column[t] for t in case.themes]] = 1.0
    return matrix


def _rrf(score: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(score), dtype=np.float64)
    masked = np.where(allowed, score, -np.inf)
    ranks[np.argsort(-masked, kind="stable")] = np.arange(1, len(score) + 1)
    return 1.0 / (RRF_K + ranks)
