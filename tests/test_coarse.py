"""The int8 first pass of a big bank: rough cosines choose the cases scored exactly, and the results
are those of exact search. Run here on the bundled bank, forced on and with few cases rescored,
so that the rough pass really decides which cases are scored exactly."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search import engine
from assistant.search.coarse import COARSE_MIN_PASSAGES, CoarseScorer
from assistant.search.engine import Searcher, clauses
from assistant.search.evaluate import load_qrels
from assistant.search.filters import Filters

from conftest import JUDGED


@pytest.fixture(scope="module")
def queries(case_search, bank):
    judged, _ = load_qrels(JUDGED / "qrels.yaml", {c.id for c in bank.cases})
    out = []
    for j in judged[:40]:
        parts = clauses(j.text)
        out.append((j.text, case_search.embedder.encode_one(j.text),
                    case_search.embedder.encode(parts) if parts else None))
    return out


def test_rough_cosines_are_within_the_margin_of_the_exact_ones(case_search, queries) -> None:
    vectors = case_search.index.vectors
    rough = CoarseScorer(vectors)
    worst = max(float(np.abs(rough.scores(v) - vectors @ v).max()) for _, v, _ in queries)
    assert 0 < worst < engine.COARSE_MARGIN / 4, worst


def test_the_first_pass_gives_the_results_of_exact_search(case_search, bank, queries, monkeypatch) -> None:
    monkeypatch.setattr(engine, "COARSE_RESCORE", 15)  # of 90 cases: the rough pass must choose well
    exact = Searcher(bank.cases, case_search.index, coarse=False)
    fast = Searcher(bank.cases, case_search.index, coarse=True)
    for text, vector, clause_vectors in queries:
        for mode in ("dense", "hybrid"):
            for filters in (None, Filters(stage="planning")):
                a = exact.search(text, vector, k=5, mode=mode, filters=filters, clause_vectors=clause_vectors)
                b = fast.search(text, vector, k=5, mode=mode, filters=filters, clause_vectors=clause_vectors)
                assert [h.case.id for h in a] == [h.case.id for h in b], (text, mode)
                assert [h.snippet for h in a] == [h.snippet for h in b], (text, mode)
                # with only 15 rescored, a hit can keep its rough cosine (off by under 0.003)
                assert np.allclose([h.score for h in a], [h.score for h in b], atol=0.003), (text, mode)


def test_small_banks_search_exactly(case_search) -> None:
    assert len(case_search.index.chunks) < COARSE_MIN_PASSAGES
    assert case_search.searcher._coarse is None
