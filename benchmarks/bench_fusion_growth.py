"""Does the fusion drift as the bank grows? The bundled bank, then with 500 and 1,000+ cases more.

The added cases are written text the bank has never held: each is two or three of the project's
practitioner-voiced answers and example sentences (tests/data/coverage_*.yaml,
casebank/coverage/*.yaml), so a bigger bank brings new words, new names and new situations,
as a trainer's own cases would (the synthetic variants of bench_search.py reuse the bundled
words and could not show vocabulary growth). They are not judged: a judged query whose
relevant cases are pushed down by one of them counts it as a miss, for every mode alike.

For each bank size: nDCG@5 per class of the tuning sets (casebank/judged/qrels.yaml,
queries_tuning.yaml and queries_tuning_2.yaml, the first held-out set, retired) for lexical,
dense and hybrid (as shipped, without the chance gate, and without the query adapter and theme
feedback); and what the gates see: the queries' vocabulary coverage and how often BM25's
confidence beats chance (`assistant/search/chance.py`). Held-out sets are never read here.

    python benchmarks/bench_fusion_growth.py [--quick]     (--quick: 500 added cases only)
"""

from __future__ import annotations

import math
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from _common import CASEBANK, EMBEDDINGS, JUDGED, ROOT, bundled_adapter, console, header, parse_args, table

from assistant.casebank.load import load_bank
from assistant.casebank.model import Case, Child
from assistant.search import CaseSearch, Embedder
from assistant.search.engine import Searcher, clauses
from assistant.search.evaluate import load_qrels
from assistant.search.index import build

DATA = ROOT / "tests" / "data"
TUNING = ("qrels.yaml", "queries_tuning.yaml", "queries_tuning_2.yaml")
SHORT = {"qrels": "qrels", "queries_tuning": "tuning", "queries_tuning_2": "tuning 2"}
SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Query:
    name: str
    text: str
    relevant: dict[str, int]
    vector: np.ndarray
    clause_vectors: np.ndarray | None


def units() -> list[str]:
    """Paragraphs of practitioner-voiced text: whole answers, and example sentences four at a time."""
    out: list[str] = []
    for path in sorted(DATA.glob("coverage_*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out += [a["text"].strip() for a in doc.get("answers", []) if isinstance(a, dict) and a.get("text")]
    sentences: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, str) and len(x.split()) > 5:
            sentences.append(x.strip())
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for path in sorted((CASEBANK / "coverage").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    out += [" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
    return out


def added_cases(count: int, stages: list[str], seed: int = 0) -> list[Case]:
    rng = random.Random(seed)
    pool = units()
    out = []
    for i in range(count):
        parts = rng.sample(pool, rng.choice((2, 3)))
        title = " ".join(parts[0].split()[:8]).rstrip(".,;:")
        out.append(Case(id=f"added-{i:04d}", title=title, stage=rng.choice(stages), strand="desistance", themes=(),
                        child=Child("", 15), disposal="", offences=(), summary=parts[0],
                        inspector_comments=parts[1], learning=tuple(SENTENCE.split(parts[2])) if len(parts) > 2 else (),
                        questions=()))
    return out


def ndcg5(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum((2 ** relevant.get(cid, 0) - 1) / math.log2(r + 2) for r, cid in enumerate(ranked[:5]))
    ideal = sorted(relevant.values(), reverse=True)[:5]
    return dcg / sum((2 ** g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))


def main() -> None:
    args = parse_args(__doc__ or "")
    header("bench_fusion_growth: the fusion as the bank grows (tuning sets only)", args.quick)
    bank = load_bank(CASEBANK)
    embedder = Embedder(index_dir=ROOT / "embeddings")
    sizes = (0, 500) if args.quick else (0, 500, 1000)
    extra = added_cases(max(sizes), sorted({c.stage for c in bank.cases}))
    ids = {c.id for c in bank.cases}
    queries: list[Query] = []
    for name in TUNING:
        judged, _ = load_qrels(JUDGED / name, ids)
        for j in judged:
            parts = clauses(j.text)
            queries.append(Query(f"{SHORT[Path(name).stem]}:{j.kind or 'all'}", j.text, j.relevant, embedder.encode_one(j.text),
                                 embedder.encode(parts) if parts else None))
    classes = list(dict.fromkeys(q.name for q in queries))
    bundled = bundled_adapter(CaseSearch(bank, EMBEDDINGS, embedder).index)
    quality = table("nDCG@5 per tuning class as the bank grows",
                    caption="hybrid: as shipped, with the bundled query adapter and the theme feedback; the "
                            "adapter learnt from these very queries, so read how each row moves as the bank "
                            "grows, not its level.\nhybrid−gate: the same without the chance gate. "
                            "hybrid, no adapter: the fusion alone (stop 19). Added cases are unjudged.")
    for col in ("cases", "mode", *classes):
        quality.add_column(col, justify="right")
    gates = table("What the gates see, per class: median coverage / share of queries whose BM25 beats chance")
    for col in ("cases", *classes, "chance level at 10 / 30 words"):
        gates.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            cases = list(bank.cases) + extra[:size]
            index, _ = build(cases, Path(tmp) / f"i{size}", embedder, seed_dirs=[ROOT / "embeddings"])
            searchers = {"hybrid": Searcher(cases, index, adapter=bundled)}
            searchers["hybrid−gate"] = Searcher(cases, index, adapter=bundled, chance_gate=False)
            searchers["hybrid, no adapter"] = Searcher(cases, index, adapter=None, theme_feedback=0.0)
            lex = searchers["hybrid"].lexical
            everything = np.ones(len(cases), dtype=bool)
            for mode in ("lexical", "dense", "hybrid", "hybrid−gate", "hybrid, no adapter"):
                s = searchers.get(mode, searchers["hybrid"])
                m = "hybrid" if mode.startswith("hybrid") else mode
                scores = {c: [] for c in classes}
                for q in queries:
                    hits = s.search(q.text, q.vector, k=5, mode=m, clause_vectors=q.clause_vectors)  # type: ignore[arg-type]
                    scores[q.name].append(ndcg5([h.case.id for h in hits], q.relevant))
                quality.add_row(f"{len(cases):,}", mode, *(f"{np.mean(scores[c]):.3f}" for c in classes))
            row = []
            for c in classes:
                group = [q for q in queries if q.name == c]
                cov = np.median([lex.weighted_coverage([q.text], [1.0]) for q in group])
                beats = 0
                for q in group:
                    raw = lex.weighted_scores([q.text], [1.0])
                    att = lex.weighted_attainable([q.text], [1.0])
                    share = raw / att if att > 0 else raw
                    conf = float(np.maximum(share - np.median(share), 0).max())
                    n = lex.known_words([q.text], [1.0])
                    beats += bool(n) and conf >= lex.chance_confidence(n, everything) - 1e-6
                row.append(f"{cov:.2f} / {beats / len(group):.0%}")
            row.append(f"{lex.chance_confidence(10, everything):.2f} / {lex.chance_confidence(30, everything):.2f}")
            gates.add_row(f"{len(cases):,}", *row)
            quality.add_section()
    console.print(quality)
    console.print(gates)


if __name__ == "__main__":
    main()
