"""Precision, recall, F1 and accuracy of the coverage check across thresholds, on labelled pairs.

Each pair in tests/data/coverage_pairs.yaml is a sentence, an expectation of a (strand, stage)
and whether the sentence genuinely addresses it. The real `CoverageChecker` (one per strand and
stage, the bundled model) computes `similarities()` for each stage's sentences in one batch; a
pair counts as covered when its sentence's similarity to its expectation is ≥ the threshold.
Thresholds 0.18-0.40 (step 0.02) are swept; the project's `THRESHOLD` is marked. The baseline,
in the same run, is a trivial lexical rule: covered when the sentence shares ≥ 2 distinct
non-stop-word stems (Snowball English, bm25s's stop words, as the BM25 index) with the
expectation's text. A second table gives precision and recall per stage at `THRESHOLD`.

    python benchmarks/bench_coverage.py [--quick]      (--quick changes nothing: 130 pairs is small)
"""

from __future__ import annotations

import re
from collections import defaultdict

import yaml

from _common import ROOT, console, header, load_base_bank, now, parse_args, table

PAIRS = ROOT / "tests" / "data" / "coverage_pairs.yaml"
THRESHOLDS = [round(0.18 + 0.02 * i, 2) for i in range(12)]  # 0.18 … 0.40
TOKEN = re.compile(r"(?u)\b\w\w+\b")
MIN_SHARED = 2


def scores(tp: int, fp: int, fn: int, tn: int) -> tuple[float, float, float, float]:
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = (2 * precision * recall / (precision + recall)
          if tp and precision + recall else 0.0)
    accuracy = (tp + tn) / (tp + fp + fn + tn) if tp + fp + fn + tn else float("nan")
    return precision, recall, f1, accuracy


def confusion(pairs: list[dict], decisions: list[bool]) -> tuple[int, int, int, int]:
    tp = fp = fn = tn = 0
    for pair, hit in zip(pairs, decisions):
        if hit and pair["covers"]:
            tp += 1
        elif hit:
            fp += 1
        elif pair["covers"]:
            fn += 1
        else:
            tn += 1
    return tp, fp, fn, tn


def fmt(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}"


def lexical_rule():
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    stemmer = Stemmer.Stemmer("english")
    stop = frozenset(STOPWORDS_EN)

    def stems(text: str) -> set[str]:
        return set(stemmer.stemWords([w for w in TOKEN.findall(text.lower()) if w not in stop]))

    return lambda sentence, expectation: len(stems(sentence) & stems(expectation)) >= MIN_SHARED


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    header("bench_coverage: coverage threshold on labelled pairs", args.quick)
    from assistant.reflection.coverage import THRESHOLD, CoverageChecker
    from assistant.search import Embedder

    pairs = yaml.safe_load(PAIRS.read_text(encoding="utf-8"))["pairs"]
    bank = load_base_bank()
    embedder = Embedder()
    t0 = now()
    embedder.load()
    load_s = now() - t0

    # similarity of each pair's sentence to its own expectation, with the real checker
    sim: dict[int, float] = {}
    text_of: dict[int, str] = {}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        groups[(p["strand"], p["stage"])].append(i)
    t0 = now()
    for key, rows in groups.items():
        stage = bank.framework.stage(*key)
        checker = CoverageChecker(embedder, stage.expectations)
        column = {e.id: j for j, e in enumerate(stage.expectations)}
        texts = {e.id: e.text for e in stage.expectations}
        sims = checker.similarities([pairs[i]["sentence"] for i in rows])
        for r, i in enumerate(rows):
            sim[i] = float(sims[r, column[pairs[i]["expectation"]]])
            text_of[i] = texts[pairs[i]["expectation"]]
    encode_s = now() - t0
    shares = lexical_rule()
    lexical = [shares(p["sentence"], text_of[i]) for i, p in enumerate(pairs)]

    thresholds = sorted(set(THRESHOLDS) | {round(THRESHOLD, 2)})
    results = {}
    for th in thresholds:
        decisions = [sim[i] >= th for i in range(len(pairs))]
        results[th] = confusion(pairs, decisions)
    best_f1 = max(thresholds, key=lambda th: scores(*results[th])[2])
    positives = sum(p["covers"] for p in pairs)

    t = table("Coverage check on labelled pairs: threshold sweep",
              caption=f"{len(pairs)} pairs ({positives} covers, {len(pairs) - positives} not) over "
                      f"{len(groups)} (strand, stage) groups; model loaded in {load_s:.1f} s, all similarities in "
                      f"{encode_s * 1000:.0f} ms. ◀ = the project's THRESHOLD ({THRESHOLD}); * = best F1 of the "
                      f"sweep. Baseline (same pairs): covered when the sentence shares ≥ {MIN_SHARED} non-stop-word "
                      "stems with the expectation's text.")
    for col in ("rule", "TP", "FP", "FN", "TN", "precision", "recall", "F1", "accuracy", ""):
        t.add_column(col, justify="left" if col in ("rule", "") else "right")
    lex = confusion(pairs, lexical)
    t.add_row(f"baseline: ≥ {MIN_SHARED} shared stems", *map(str, lex), *map(fmt, scores(*lex)), "",
              end_section=True)
    for th in thresholds:
        c = results[th]
        mark = ("◀ THRESHOLD" if abs(th - THRESHOLD) < 1e-9 else "") + (" *" if th == best_f1 else "")
        style = "bold" if abs(th - THRESHOLD) < 1e-9 else None
        t.add_row(f"similarity ≥ {th:.2f}", *map(str, c), *map(fmt, scores(*c)), mark.strip(), style=style)
    console.print(t)

    t = table(f"Per stage at THRESHOLD = {THRESHOLD} (and the lexical baseline)",
              caption="Precision and recall within each (strand, stage) group of pairs.")
    for col in ("strand / stage", "pairs", "covers", "precision", "recall", "F1", "accuracy",
                "baseline precision", "baseline recall"):
        t.add_column(col, justify="left" if col == "strand / stage" else "right")
    for key, rows in groups.items():
        group = [pairs[i] for i in rows]
        c = confusion(group, [sim[i] >= THRESHOLD for i in rows])
        lc = confusion(group, [lexical[i] for i in rows])
        p, r, f1, acc = scores(*c)
        lp, lr, _, _ = scores(*lc)
        t.add_row(" / ".join(key), str(len(rows)), str(sum(g["covers"] for g in group)), fmt(p), fmt(r), fmt(f1),
                  fmt(acc), fmt(lp), fmt(lr))
    console.print(t)


if __name__ == "__main__":
    main()
