"""The hybrid fusion, chosen on the tuning sets alone: clause-blended cosine plus BM25 gated by coverage.

The shipped fusion (assistant/search/engine.py) adds to the cosine (CLAUSE_SHARE of it from the
query's clauses) BM25 on an absolute scale, above the median case, times LEX_WEIGHT, its
confidence and the query's vocabulary coverage to the power COVERAGE_POWER, when its confidence
beats chance (assistant/search/chance.py). This prints, on the
tuning sets only (casebank/judged/qrels.yaml, queries_tuning.yaml, queries_tuning_2.yaml; the held-out
files are never read here), nDCG@5 per class for the grid of (CLAUSE_SHARE, LEX_WEIGHT, COVERAGE_POWER),
each setting's worst margin over the better of dense and lexical, the same margin against a
dense mode that would also use the clauses (the stricter comparison), and the earlier fusions.

    python benchmarks/bench_fusion_coverage.py [--quick]     (--quick: the pick's neighbours only)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from _common import CASEBANK, JUDGED, ROOT, console, header, parse_args, table

from assistant.casebank.load import load_bank
from assistant.search import CaseSearch, Embedder
from assistant.search.engine import CHANCE_TIE, CLAUSE_SHARE, COVERAGE_POWER, LEX_WEIGHT, clauses
from assistant.search.evaluate import load_qrels

DATA = ROOT / "tests" / "data"
TUNING = ("qrels.yaml", "queries_tuning.yaml", "queries_tuning_2.yaml")  # never queries_heldout_2*.yaml
SHORT = {"qrels": "qrels", "queries_tuning": "tun", "queries_tuning_2": "tun2"}


@dataclass
class Row:
    relevant: dict[str, int]
    dense: np.ndarray  # the whole query's best-passage cosine (dense mode)
    clause: np.ndarray  # mean over the clauses of each clause's best-passage cosine (= dense for one clause)
    share: np.ndarray  # BM25 / attainable, above the median case
    coverage: float
    beats_chance: bool  # BM25's confidence reaches the chance level (`Lexical.chance_confidence`)


def ndcg5(score: np.ndarray, ids: list[str], relevant: dict[str, int]) -> float:
    order = np.argsort(-score, kind="stable")[:5]
    dcg = sum((2 ** relevant.get(ids[i], 0) - 1) / math.log2(r + 2) for r, i in enumerate(order))
    ideal = sorted(relevant.values(), reverse=True)[:5]
    return dcg / sum((2 ** g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))


def load_rows(search: CaseSearch, ids: list[str]) -> dict[str, list[Row]]:
    searcher = search.searcher
    out: dict[str, list[Row]] = {}
    for name in TUNING:
        judged, _ = load_qrels(JUDGED / name, set(ids))
        for j in judged:
            dense, _ = searcher.dense_scores(search.embedder.encode_one(j.text))
            parts = clauses(j.text)
            everything = np.ones(len(ids), dtype=bool)
            clause = searcher._clause_scores(dense, search.embedder.encode(parts), everything) \
                if len(parts) >= 2 else dense
            lex = searcher.lexical.weighted_scores([j.text], [1.0])
            att = searcher.lexical.weighted_attainable([j.text], [1.0])
            share = lex / att if att > 0 else np.zeros_like(lex)
            share = np.maximum(share - np.median(share), 0.0)
            cov = searcher.lexical.weighted_coverage([j.text], [1.0])
            n = searcher.lexical.known_words([j.text], [1.0])
            beats = bool(n) and float(share.max()) >= searcher.lexical.chance_confidence(n, everything) - CHANCE_TIE
            out.setdefault(f"{SHORT[Path(name).stem]}:{(j.kind or 'all')[:5]}", []).append(
                Row(j.relevant, dense, clause, share, cov, beats))
    return out


def fused(r: Row, alpha: float, w: float, power: float, agree: tuple[int, int] | None = None,
          chance: bool = True) -> np.ndarray:
    d = (1 - alpha) * r.dense + alpha * r.clause
    gate = r.coverage ** power * (r.beats_chance or not chance)
    if agree:  # the previous rule: the share of BM25's top `agree[1]` among the model's top `agree[0]`
        gate = len(set(np.argsort(-r.share)[:agree[1]]) & set(np.argsort(-d)[:agree[0]])) / agree[1]
    return d + w * float(r.share.max()) * gate * r.share


def main() -> None:
    args = parse_args(__doc__ or "")
    header("bench_fusion_coverage: the fusion on the tuning classes (held-out never read)", args.quick)
    bank = load_bank(CASEBANK)
    search = CaseSearch(bank, ROOT / "embeddings", Embedder(index_dir=ROOT / "embeddings"))
    search.warm()
    ids = [c.id for c in search.searcher.cases]
    rows = load_rows(search, ids)
    classes = sorted(rows)

    def mean(rank) -> list[float]:  # type: ignore[no-untyped-def]
        return [float(np.mean([ndcg5(rank(r), ids, r.relevant) for r in rows[c]])) for c in classes]

    dense, lexical = mean(lambda r: r.dense), mean(lambda r: r.share)
    best = [max(a, b) for a, b in zip(dense, lexical)]
    alpha_names = {0.0: "0", 1 / 3: "1/3", 0.5: "1/2", 2 / 3: "2/3"}
    strict = {a: [max(x, y) for x, y in zip(mean(lambda r, a=a: (1 - a) * r.dense + a * r.clause), lexical)]
              for a in alpha_names}
    t = table("Tuning classes, nDCG@5; margins = worst class of hybrid minus max(dense, lexical)",
              caption="strict: against a dense mode that would also use the clauses at that share. "
                      "◀ = shipped (engine.py).")
    for col in ("clause share", "lex weight", "coverage power", *classes, "worst margin", "strict"):
        t.add_column(col, justify="right")
    alphas = (0.5, 2 / 3) if args.quick else tuple(alpha_names)
    weights = (1.5, 2.0, 2.5) if args.quick else (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
    powers = (3.0, 4.0, 6.0) if args.quick else (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
    for a, w, p in itertools.product(alphas, weights, powers):
        row = mean(lambda r, a=a, w=w, p=p: fused(r, a, w, p))
        mark = " ◀" if (math.isclose(a, CLAUSE_SHARE) and w == LEX_WEIGHT and p == COVERAGE_POWER) else ""
        t.add_row(alpha_names[a], f"{w:.1f}", f"{p:.0f}", *(f"{x:.3f}" for x in row),
                  f"{min(x - b for x, b in zip(row, best)):+.3f}{mark}",
                  f"{min(x - b for x, b in zip(row, strict[a])):+.3f}")
    for name, rank in (("no chance gate (stop 18)",
                        lambda r: fused(r, CLAUSE_SHARE, LEX_WEIGHT, COVERAGE_POWER, chance=False)),
                       ("chance gate only", lambda r: fused(r, CLAUSE_SHARE, LEX_WEIGHT, 0.0)),
                       ("agreement (stop 17)", lambda r: fused(r, 0.0, 2.0, 0, (10, 3), chance=False)),
                       ("no gate (stop 16)", lambda r: fused(r, 0.0, 3.0, 0.0, chance=False)),
                       ("agreement+clauses", lambda r: fused(r, 2 / 3, 2.0, 0, (10, 3), chance=False))):
        row = mean(rank)
        t.add_row(name, "", "", *(f"{x:.3f}" for x in row), f"{min(x - b for x, b in zip(row, best)):+.3f}", "")
    t.add_row("dense", "", "", *(f"{x:.3f}" for x in dense), "", "")
    t.add_row("dense+clauses", "", "", *(f"{x:.3f}" for x in mean(lambda r: r.dense / 3 + 2 * r.clause / 3)), "", "")
    t.add_row("lexical", "", "", *(f"{x:.3f}" for x in lexical), "", "")
    console.print(t)
    cov = table("Vocabulary coverage (share of a query's words the bank uses), per tuning class")
    for col in ("class", "p10", "p25", "median", "p75", "p90"):
        cov.add_column(col, justify="right")
    for c in classes:
        cov.add_row(c, *(f"{x:.2f}" for x in np.percentile([r.coverage for r in rows[c]], [10, 25, 50, 75, 90])))
    console.print(cov)


if __name__ == "__main__":
    main()
