"""Fusion settings chosen on the tuning sets, then the held-out classes once (the agreement rule).

Superseded: engine.py now gates BM25 by the query's vocabulary coverage and blends in the
clauses' cosine instead (chosen in benchmarks/bench_fusion_coverage.py, which reads the tuning
sets only). Kept as the record of the agreement rule's choice; note it PRINTS HELD-OUT NUMBERS.

The fusion shipped then (assistant/search/engine.py until the coverage gate) added BM25, on an absolute scale and above the
median case, to the cosine, weighed by its confidence and by *agreement*: the share of BM25's
top AGREE_LEX cases found in the model's top AGREE_DENSE. This runs a grid of (AGREE_DENSE,
AGREE_LEX, LEX_WEIGHT) on the tuning sets (tests/data/qrels.yaml, tests/data/queries_tuning.yaml)
and picks the setting whose worst class margin over the better of dense and lexical is widest
(the issue's criterion: hybrid at least as good as either on every class). Then it prints the
held-out classes (tests/data/queries_heldout.yaml) for the pick and for the old fusion, once.

    python benchmarks/bench_fusion_agreement.py [--quick]     (--quick: a smaller grid)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import numpy as np

from _common import CASEBANK, ROOT, console, header, parse_args, table

from assistant.casebank.load import load_bank
from assistant.search import CaseSearch, Embedder
from assistant.search.evaluate import load_qrels

DATA = ROOT / "tests" / "data"
TUNING = ("qrels.yaml", "queries_tuning.yaml")
Row = tuple[dict[str, int], np.ndarray, np.ndarray, float]  # relevant, dense, lexical, attainable


def ndcg5(order: np.ndarray, ids: list[str], relevant: dict[str, int]) -> float:
    dcg = sum((2 ** relevant.get(ids[i], 0) - 1) / math.log2(r + 2) for r, i in enumerate(order[:5]))
    ideal = sorted(relevant.values(), reverse=True)[:5]
    return dcg / sum((2 ** g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))


def load_rows(search: CaseSearch, ids: list[str], files: tuple[str, ...]) -> dict[str, list[Row]]:
    searcher = search.searcher
    out: dict[str, list[Row]] = {}
    for name in files:
        judged, _ = load_qrels(DATA / name, set(ids))
        for j in judged:
            dense, _ = searcher.dense_scores(search.embedder.encode_one(j.text))
            lex = searcher.lexical.weighted_scores([j.text], [1.0])
            att = searcher.lexical.weighted_attainable([j.text], [1.0])
            out.setdefault(f"{Path(name).stem}:{j.kind or 'all'}", []).append((j.relevant, dense, lex, att))
    return out


def fused(dense: np.ndarray, lex: np.ndarray, att: float, k: int, top: int, w: float) -> np.ndarray:
    share = lex / att if att > 0 else np.zeros_like(lex)
    share = np.maximum(share - np.median(share), 0.0)
    agree = 1.0 if k <= 0 else len(set(np.argsort(-share)[:top]) & set(np.argsort(-dense)[:k])) / top
    return dense + w * float(share.max()) * agree * share


def score(rows: list[Row], ids: list[str], rank: Callable[[np.ndarray, np.ndarray, float], np.ndarray]) -> float:
    return float(np.mean([ndcg5(np.argsort(-rank(d, l, a), kind="stable"), ids, rel) for rel, d, l, a in rows]))


def main() -> None:
    args = parse_args(__doc__ or "")
    header("bench_fusion_agreement: fusion chosen on tuning classes, held-out once", args.quick)
    bank = load_bank(CASEBANK)
    search = CaseSearch(bank, ROOT / "embeddings", Embedder(index_dir=ROOT / "embeddings"))
    search.warm()
    ids = [c.id for c in search.searcher.cases]
    tuning = load_rows(search, ids, TUNING)
    classes = sorted(tuning)
    best_single = {c: max(score(tuning[c], ids, lambda d, l, a: d), score(tuning[c], ids, lambda d, l, a: l))
                   for c in classes}
    grid = [(k, top, w) for k in ((10,) if args.quick else (5, 8, 10, 15)) for top in (3,)
            for w in ((2.0, 3.0) if args.quick else (1.0, 2.0, 3.0, 4.0))]
    grid = [(0, 1, 3.0)] + grid  # (0 = no agreement: last stop's fusion, LEX_WEIGHT 3)
    t = table("Tuning classes, nDCG@5 (pick: widest worst-class margin over max(dense, lexical))")
    for col in ("agree dense k", "lex top", "weight", *classes, "worst margin"):
        t.add_column(col, justify="right")
    results = []
    for k, top, w in grid:
        row = [score(tuning[c], ids, lambda d, l, a, k=k, top=top, w=w: fused(d, l, a, k, top, w)) for c in classes]
        margin = min(r - best_single[c] for r, c in zip(row, classes))
        results.append((margin, k, top, w, row))
    pick = max(results[1:], key=lambda r: r[0])
    for margin, k, top, w, row in results:
        mark = " ◀" if (k, top, w) == pick[1:4] else ""
        t.add_row(str(k) if k else "off", str(top), f"{w:.1f}", *(f"{x:.3f}" for x in row), f"{margin:+.3f}{mark}")
    t.add_row("dense", "", "", *(f"{score(tuning[c], ids, lambda d, l, a: d):.3f}" for c in classes), "")
    t.add_row("lexical", "", "", *(f"{score(tuning[c], ids, lambda d, l, a: l):.3f}" for c in classes), "")
    console.print(t)
    held = load_rows(search, ids, ("queries_heldout.yaml",))
    h = table("Held-out classes, nDCG@5 (run once, after the pick)")
    for col in ("method", *sorted(held)):
        h.add_column(col, justify="right")
    _, k, top, w, _ = pick
    methods = {"lexical": lambda d, l, a: l, "dense": lambda d, l, a: d,
               "old hybrid (no agreement, weight 3)": lambda d, l, a: fused(d, l, a, 0, 1, 3.0),
               f"hybrid (agreement {k}/{top}, weight {w:.0f})": lambda d, l, a: fused(d, l, a, k, top, w)}
    for name, rank in methods.items():
        h.add_row(name, *(f"{score(held[c], ids, rank):.3f}" for c in sorted(held)))
    console.print(h)


if __name__ == "__main__":
    main()
