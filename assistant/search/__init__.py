"""Search over a case bank: embeddings (lazy), the index cache, BM25, fusion, evaluation.

`CaseSearch` is the one object the CLI, the app and the reflection layer talk to. Building
it is cheap; the index loads on first use, and the model on the first query that needs it
(the ONNX copy on onnxruntime: no torch for a query).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from assistant.casebank.model import STAGES, Bank
from assistant.paths import BUNDLED_INDEX
from assistant.search import adapter, onnx_copy
from assistant.search.embedder import Embedder, ModelUnavailable
from assistant.search.engine import MODES, Hit, Mode, Scored, Searcher, clauses
from assistant.search.filters import AGE_BANDS, Filters, listing
from assistant.search.index import Index, IndexStats, build, is_current
from assistant.search.panel import (EARLIER_DECAY, LATEST_CLAUSES, LATEST_WEIGHT, MAX_ANSWERS, OTHER_STAGE_MARGIN,
                                   answer_weights, combine, other_stage)
from assistant.search.themes import ThemeMatcher, shared

VECTOR_CACHE = 256  # answers' vectors kept (a few reflections' worth)

__all__ = ["AGE_BANDS", "CaseSearch", "Embedder", "onnx_copy", "Filters", "listing", "Hit", "IndexStats", "MODES", "ModelUnavailable", "Mode"]


class CaseSearch:
    def __init__(self, bank: Bank, index_dir: Path, embedder: Embedder | None = None) -> None:
        self.bank = bank
        self.index_dir = Path(index_dir)
        self.embedder = embedder or Embedder(index_dir=self.index_dir)
        self._searcher: Searcher | None = None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # answer text -> its vector
        self._vectors_lock = threading.Lock()
        self._themes: ThemeMatcher | None = None

    def update_index(self, *, rebuild: bool = False, on_total: Callable[[int], None] | None = None,
                     progress: Callable[[int], None] | None = None) -> IndexStats:
        """Embed what changed since the cache was written (everything with `rebuild`)."""
        seeds = [BUNDLED_INDEX] if self.index_dir.resolve() != BUNDLED_INDEX.resolve() else []
        index, stats = build(self.bank.cases, self.index_dir, self.embedder, rebuild=rebuild,
                             on_total=on_total, progress=progress, seed_dirs=seeds)
        self._searcher = Searcher(self.bank.cases, index, adapter=adapter.current(Path(self.bank.root),
                                                                                   self.index_dir, index))
        self._themes = None  # calibrated on the passages: again on first use
        return stats

    def train_adapter(self, *, force: bool = False) -> adapter.Outcome:
        """Learn the query adapter from the bank's judged queries when they or the index changed.
        A bank without `judged/`, or with no usable query in it, has none."""
        judged = adapter.judged_files(Path(self.bank.root))
        if not judged:
            return adapter.Outcome(0, 0, False)
        if not force and self.searcher.adapter is not None:
            return adapter.Outcome(len(judged), self.searcher.adapter.queries, False)
        learnt, problems = adapter.train(self.index, judged, lambda texts: self.embedder.encode(texts))
        self.searcher.adapter = learnt
        if learnt is None:
            return adapter.Outcome(len(judged), 0, False, problems)
        adapter.save(learnt, self.index_dir)
        return adapter.Outcome(len(judged), learnt.queries, True, problems)

    def is_current(self) -> tuple[bool, str]:
        return is_current(self.bank.cases, self.index_dir, self.embedder.id)

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self.update_index()
        assert self._searcher is not None
        return self._searcher

    @property
    def index(self) -> Index:
        return self.searcher.index

    def warm(self) -> None:
        """Load the index and the model, so that the first real query is quick.

        The model loads in a thread while the index and BM25 are built: onnxruntime and the
        file's hash run outside the interpreter lock, so on two cores the two overlap.
        """
        self.embedder.preload()
        searcher = self.searcher
        # BM25's chance level over all cases and over each stage's (the panel's filter): 2.3 s and
        # about 0.8 s a stage at 10,000 cases, a few milliseconds for the bundled bank
        for allowed in [np.ones(len(searcher.cases), dtype=bool)] + [searcher.mask(Filters(stage=s)) for s in STAGES]:
            if allowed.any():
                searcher.lexical.chance_confidence(1, allowed)
        searcher.prepare()  # the int8 first pass of a big bank, about 3 s at 10,000 cases
        self.embedder.encode_one("warm up")
        self.themes

    def search(self, query: str, *, k: int = 5, stage: str | None = None, strand: str | None = None,
               themes: Iterable[str] = (), mode: Mode = "hybrid", filters: Filters | None = None) -> list[Hit]:
        """The k best cases; `filters` (or the stage, strand and themes) restrict the candidates first."""
        filters = filters or Filters(stage=stage, strand=strand, themes=tuple(themes))
        searcher = self.searcher
        if mode == "lexical":
            return searcher.search(query, None, k=k, filters=filters, mode=mode)
        parts = clauses(query) if mode == "hybrid" else []
        vector = self.embedder.encode_one(query)
        # The clauses in a batch of their own: short texts padded to the longest clause, not to
        # the whole query (measured 2.2 times one encode_one at p50, against 3.3 in one batch).
        clause_vectors = self.embedder.encode(parts) if parts else None
        return searcher.search(query, vector, k=k, filters=filters, mode=mode, clause_vectors=clause_vectors)

    @property
    def themes(self) -> ThemeMatcher:
        """The bank's themes, to tell which of them a text is about (built on first use)."""
        with self._vectors_lock:
            matcher = self._themes
        if matcher is None:
            searcher = self.searcher
            matcher = ThemeMatcher(self.bank.themes, self.embedder, searcher.index, searcher.lexical.tokens,
                                   searcher.cases)
            with self._vectors_lock:
                self._themes = matcher
        return matcher

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, each text embedded once: a conversation's earlier answers are
        not embedded again with every new one (the most recent VECTOR_CACHE texts are kept)."""
        with self._vectors_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        fresh = {t: self.embedder.encode_one(t) for t in missing}  # one at a time: never a big batch
        with self._vectors_lock:
            self._vectors.update(fresh)
            out = np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)
            for t in texts:
                self._vectors.move_to_end(t)
            while len(self._vectors) > VECTOR_CACHE:
                self._vectors.popitem(last=False)
        return out

    def score_answers(self, answers: Sequence[str], allowed: np.ndarray, *, latest: float = LATEST_WEIGHT,
                      decay: float = EARLIER_DECAY, latest_clauses: bool = LATEST_CLAUSES,
                      mode: Mode = "hybrid") -> Scored | None:
        """Every case's score for a conversation, as the panel scores it (None: no answer yet)."""
        query = self._answers_query(answers, latest, decay, latest_clauses, mode)
        if query is None:
            return None
        texts, weights, _, vector, clause_vectors = query
        return self.searcher.score(texts, weights, vector, allowed, mode, clause_vectors)

    def _answers_query(self, answers: Sequence[str], latest: float, decay: float, latest_clauses: bool,
                       mode: Mode) -> tuple[list[str], list[float], np.ndarray, np.ndarray | None,
                                            np.ndarray | None] | None:
        """The panel's query: the answers kept, their weights and vectors, the combined vector and
        the latest answer's clauses' vectors (None when no answer has text)."""
        texts = [a for a in answers if a.strip()][-MAX_ANSWERS:]
        if not texts:
            return None
        weights = answer_weights(len(texts), latest, decay)
        vectors = self.vectors(texts)
        vector = combine(vectors, weights) if mode != "lexical" else None
        parts = clauses(texts[-1]) if latest_clauses and mode == "hybrid" else []
        return texts, weights, vectors, vector, self.vectors(parts) if parts else None

    def search_answers(self, answers: Sequence[str], *, k: int = 3, stage: str | None = None,
                       latest: float = LATEST_WEIGHT, decay: float = EARLIER_DECAY,
                       margin: float | None = OTHER_STAGE_MARGIN, mode: Mode = "hybrid",
                       latest_clauses: bool = LATEST_CLAUSES) -> list[Hit]:
        """Cases like a conversation so far (answers oldest first), the latest answer weighted most.

        With a `stage`, the k best of that stage, and after them the best case of another stage
        when it matches better than the stage's best by `margin` (None: never), flagged
        `other_stage`. Each hit's `shares` names the case's themes that the answers are about
        (`ThemeMatcher.about`), strongest first. `latest_clauses`: hybrid also reads the latest
        answer clause by clause, as `search` reads a query.
        """
        query = self._answers_query(answers, latest, decay, latest_clauses, mode)
        if query is None or k <= 0:
            return []
        texts, weights, vectors, vector, clause_vectors = query
        searcher = self.searcher
        hits = searcher.search_weighted(texts, weights, vector, k=k, filters=Filters(stage=stage), mode=mode,
                                        clause_vectors=clause_vectors)
        if stage is not None and margin is not None and hits:
            everything = np.ones(len(searcher.cases), dtype=bool)
            scored = searcher.score(texts, weights, vector, everything, mode, clause_vectors)
            same = np.fromiter((c.stage == stage for c in searcher.cases), dtype=bool, count=len(searcher.cases))
            extra = other_stage(scored.fused, same, margin)
            if extra is not None:
                hits.append(replace(searcher.hit(extra, scored), other_stage=True))
        about = self.themes.about(texts, vectors)
        return [replace(h, shares=shared(about, h.case.themes)) for h in hits]
