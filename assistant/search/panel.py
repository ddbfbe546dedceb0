"""Searching for a reflection in progress: the similar-cases panel's query and its extra case.

The query is the conversation, the latest answer weighted most (`answer_weights`): each answer
is embedded on its own (once: `CaseSearch` caches the vectors by text) and the query vector is
the weighted mean of the answers' vectors, renormalised; BM25 counts each answer's words with
the same weights (`Lexical.weighted_scores`). Measured in benchmarks/bench_panel_query.py.

The panel searches the reflection's stage; a case from another stage is added when it matches
clearly better than the stage's best (`other_stage`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

# The latest answer's weight against 1 for the answer before it; each earlier answer weighs
# EARLIER_DECAY times the one after it. Chosen on conversations composed from
# casebank/judged/qrels.yaml (benchmarks/bench_panel_query.py, nDCG@5, with the query adapter):
# x1 0.695, x2 0.814, x3 0.830, x5 0.828, against 0.608 for the answers joined into one text and
# 0.796 for the latest answer alone; x3 is the smallest weight within 0.005 of the best, and loses
# least when the earlier answers are about the same case. Held out (conversations from the
# dilemmas of queries_heldout_2.yaml): 0.902 against 0.755 joined and 0.861 latest alone.
LATEST_WEIGHT = 3.0
EARLIER_DECAY = 0.5
MAX_ANSWERS = 8  # older answers than these weigh under 1 % of the whole and are left out
# Hybrid also reads the latest answer clause by clause, as `reflect search` reads a query:
# nDCG@5 0.830 -> 0.842 on the tuning conversations (benchmarks/bench_panel_query.py); held out
# 0.902 -> 0.911. It finds "excluded from school" and "county lines" in one long answer.
LATEST_CLAUSES = True

# How much better (in fused score: cosine plus BM25 on its absolute scale) the best case of
# another stage must match than the stage's best case to be added. See `other_stage`. Best F0.5
# (precision weighed twice) on the tuning conversations, re-chosen with the query adapter and the
# latest answer's clauses (stop 22; fused scores before the theme feedback, as the panel compares):
# 0.08 (F0.5 0.934; 0.1 gave 0.929, 0.05 0.930); held out 0.961.
OTHER_STAGE_MARGIN = 0.08


def answer_weights(n: int, latest: float = LATEST_WEIGHT, decay: float = EARLIER_DECAY) -> list[float]:
    """Weights for n answers, oldest first: the latest `latest`, the one before it 1, each
    earlier one `decay` times the one after it. One answer weighs 1."""
    if n <= 0:
        return []
    if n == 1:
        return [1.0]
    return [decay ** (n - 2 - i) for i in range(n - 1)] + [float(latest)]


def combine(vectors: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """The weighted mean of unit vectors, renormalised to unit length."""
    w = np.asarray(weights, dtype=np.float32)
    mean = (w[:, None] * np.asarray(vectors, dtype=np.float32)).sum(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm).astype(np.float32) if norm > 0 else mean.astype(np.float32)


def other_stage(score: np.ndarray, same: np.ndarray, margin: float = OTHER_STAGE_MARGIN) -> int | None:
    """The best case outside the stage, if it beats the stage's best case by `margin`.

    `score` is every case's fused score for the query, with every stage allowed (one scale for
    both); `same` marks the cases of the reflection's stage. None when the stage's best case is
    as good, or nearly, or when either side has no case.

    The margin: every conversation composed from casebank/judged/qrels.yaml, as a reflection at each
    of the four stages (1,760 trials, benchmarks/bench_panel_query.py), asks whether the added
    case is judged more relevant than the stage's best. A margin of 0 adds a case in 75 % of
    trials and is right in 80 % of them; 0.1 adds one in 60 % and is right in 89 % (93 % judged
    relevant at all), still finding 85 % of the trials where another stage had the better case;
    0.2 is right in 94 % but finds only 61 %. 0.1 has the best F0.5 (precision counted twice: a
    wrong extra card costs the reader's attention); 0.08 ties, and the larger margin is kept.
    Held out (the dilemmas' conversations): 62 % added, 96 % right, 88 % found. The rate is high
    because each judged query is about one case, at one stage: at the other three stages the
    best case really is elsewhere (an extra card in 78 % of such panels); a reflection at its
    own case's stage gets one in 9 %.
    """
    finite = np.isfinite(score)
    inside, outside = finite & same, finite & ~same
    if not inside.any() or not outside.any():
        return None
    best_other = int(np.flatnonzero(outside)[np.argmax(score[outside])])
    if float(score[best_other]) - float(score[inside].max()) >= margin:
        return best_other
    return None
