"""The query adapter and the theme feedback, chosen by cross-validation between the tuning files.

The judged files of casebank/judged/ are split in two: A (qrels.yaml and queries_tuning.yaml)
and B (queries_tuning_2.yaml). An adapter trained on A is scored on B and one trained on B on
A, so every figure is on queries the adapter never saw; the same run scores the engine without
the adapter and the feedback (stop 19's hybrid) and plain dense as baselines. The held-out sets
(tests/data/queries_heldout_*.yaml) are never read here.

    python benchmarks/bench_adapter.py [--quick]   # about 6 minutes; --quick: the chosen setting, 1.5
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from _common import CASEBANK, EMBEDDINGS, JUDGED, console, parse_args
from rich.table import Table

from assistant.casebank.load import load_bank
from assistant.search import CaseSearch
from assistant.search import adapter as query_adapter
from assistant.search.engine import THEME_FEEDBACK, Searcher, clauses
from assistant.search.evaluate import load_qrels, ndcg_at

SPLIT = {"A": ("qrels.yaml", "queries_tuning.yaml"), "B": ("queries_tuning_2.yaml",)}
SETTINGS = [(16, 0.03), (32, 0.01), (32, 0.03), (32, 0.1), (64, 0.03)]
FEEDBACK = (0.0, 0.1, THEME_FEEDBACK, 0.2, 0.3)


def main() -> None:
    args = parse_args(__doc__ or "")
    bank = load_bank(CASEBANK)
    search = CaseSearch(bank, EMBEDDINGS)
    index = search.index
    ids = list(index.case_ids)
    position = {cid: i for i, cid in enumerate(ids)}
    groups: dict[str, list] = {}
    for half, names in SPLIT.items():
        for name in names:
            for q in load_qrels(JUDGED / name, set(ids))[0]:
                groups.setdefault(half, []).append((f"{Path(name).stem}/{q.kind or 'all'}", q))
    vectors = {}
    for half in groups.values():
        for _, q in half:
            parts = clauses(q.text)
            vectors[q.text] = (search.embedder.encode_one(q.text), search.embedder.encode(parts) if parts else None)
    allowed = np.ones(len(ids), dtype=bool)
    columns = sorted({label for half in groups.values() for label, _ in half})

    def scores(searcher: Searcher, mode: str, half: str) -> dict[str, float]:
        out: dict[str, list[float]] = {}
        for label, q in groups[half]:
            v, cv = vectors[q.text]
            s = searcher.score((q.text,), (1.0,), v, allowed, mode, cv if mode == "hybrid" else None).score
            ranked = [ids[i] for i in np.argsort(-s, kind="stable")[:5]]
            out.setdefault(label, []).append(ndcg_at(ranked, q.relevant))
        return {k: float(np.mean(v)) for k, v in out.items()}

    def examples(half: str) -> list[query_adapter.Example]:
        rows = []
        for _, q in groups[half]:
            v, cv = vectors[q.text]
            grades = {position[c]: g for c, g in q.relevant.items()}
            rows.append(query_adapter.Example(v, grades))
            rows += [query_adapter.Example(c, grades) for c in (cv if cv is not None else [])]
        return rows

    table = Table(title="nDCG@5 on the half each adapter never saw (A: qrels + tuning; B: tuning 2)")
    for col in ["engine"] + columns:
        table.add_column(col, justify="right" if col != "engine" else "left")

    def row(label: str, trained_on: dict[str, Searcher | None], mode: str = "hybrid", feedback: float = 0.0) -> None:
        cells: dict[str, float] = {}
        for test_half, train_half in (("A", "B"), ("B", "A")):
            learnt = trained_on[train_half]
            searcher = Searcher(bank.cases, index, adapter=learnt, theme_feedback=feedback)
            cells.update(scores(searcher, mode, test_half))
        table.add_row(label, *(f"{cells[c]:.3f}" for c in columns))

    none = {"A": None, "B": None}
    row("dense (the model's own vectors)", none, "dense")
    row("hybrid, no adapter, no feedback (stop 19)", none)
    row(f"hybrid, feedback {THEME_FEEDBACK} only", none, feedback=THEME_FEEDBACK)
    settings = [(query_adapter.RANK, query_adapter.PENALTY)] if args.quick else SETTINGS
    for rank, penalty in settings:
        trained = {half: query_adapter.Adapter(*query_adapter.fit(examples(half), index.vectors, index.case_starts,
                                                                  rank=rank, penalty=penalty), key="", queries=0)
                   for half in SPLIT}
        chosen = (rank, penalty) == (query_adapter.RANK, query_adapter.PENALTY)
        for feedback in (FEEDBACK if chosen else (0.0, THEME_FEEDBACK)):
            mark = " (chosen)" if chosen and feedback == THEME_FEEDBACK else ""
            row(f"adapter rank {rank}, penalty {penalty}, feedback {feedback}{mark}", trained, feedback=feedback)
    console.print(table)


if __name__ == "__main__":
    main()
