"""Index build throughput, and the cost of re-indexing after editing one case.

(a) `build(..., rebuild=True)` of the bundled bank into a temporary folder, against a bare
    `SentenceTransformer.encode(texts, batch_size=64, normalize_embeddings=True)` of the same
    passage texts, in the same run (model warm, alternating, best of 2). Target: ratio >= 0.9.
(b) A full build of a synthetic bank (variants of the bundled cases, really embedded), then
    one case edited and `build` run again on the same folder. Target: time ratio <= 5%, and
    only the edited case's changed passages embedded.

    python benchmarks/bench_index.py [--quick]
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from _common import (console, header, load_base_bank, now, parse_args, synthetic_cases, table,
                     verdict)

FULL_SIZE = 1_000
QUICK_SIZE = 200
BUDGET_S = 300.0  # the full build in (b) must fit in about five minutes (make bench: ~12 min)


def texts_of(cases, model_id: str) -> list[str]:
    from assistant.search.index import plan

    chunks, _ = plan(cases, model_id)
    titles = {c.id: c.title for c in cases}
    return [c.embed_text(titles[c.case_id]) for c in chunks]


def throughput(cases, embedder, repeats: int) -> tuple[float, float, int]:
    """Best passages/second of build(rebuild=True) and of the bare model, alternating."""
    from assistant.search.index import build

    from assistant.search.torch_model import TorchEncoder

    texts = texts_of(cases, embedder.id)
    model = TorchEncoder().load()  # the bare SentenceTransformer: what an index build runs on
    best_build = best_bare = float("inf")
    for _ in range(repeats):
        t0 = now()
        model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        best_bare = min(best_bare, now() - t0)
        with tempfile.TemporaryDirectory(prefix="reflect-bench-") as tmp:
            t0 = now()
            build(cases, Path(tmp), embedder, rebuild=True)
            best_build = min(best_build, now() - t0)
    return len(texts) / best_build, len(texts) / best_bare, len(texts)


def edit_one(case):
    """A practitioner's small edit: one sentence added to the end of the summary."""
    summary = case.summary.rstrip() + (" At the next review the case manager noted that the"
                                       " plan had been shared with the child's social worker.\n")
    return dataclasses.replace(case, summary=summary)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    header("bench_index: build throughput and incremental re-index", args.quick)
    from assistant.search import Embedder
    from assistant.search.index import build, plan

    base = load_base_bank()
    embedder = Embedder()
    embedder.load()
    embedder.encode(texts_of(base.cases[:3], embedder.id))  # warm the model

    # (a) throughput ---------------------------------------------------------------------
    repeats = 1 if args.quick else 2
    cases_a = base.cases[:12] if args.quick else base.cases
    build_pps, bare_pps, n_a = throughput(cases_a, embedder, repeats)
    ta = table("(a) Index build throughput (passages/second, higher is better)",
               caption=f"{len(cases_a)} bundled cases, {n_a} passages; best of {repeats}, alternating, "
                       "model warm. Baseline: bare model.encode(texts, batch_size=64, "
                       "normalize_embeddings=True) of the same texts, same run. Target: ratio ≥ 0.9.")
    for col in ("path", "passages", "passages/s", "ratio to baseline", "target met"):
        ta.add_column(col, justify="left" if col in ("path", "target met") else "right")
    ta.add_row("baseline: bare SentenceTransformer.encode", str(n_a), f"{bare_pps:.1f}", "1.00×", "")
    r = build_pps / bare_pps
    ta.add_row("build(cases, tmp, embedder, rebuild=True)", str(n_a), f"{build_pps:.1f}", f"{r:.2f}×",
               verdict(r >= 0.9))
    console.print(ta)

    # (b) edit one case of a bigger bank --------------------------------------------------
    wanted = QUICK_SIZE if args.quick else FULL_SIZE
    cases = synthetic_cases(base.cases, wanted)
    n_pass = len(plan(cases, embedder.id)[0])
    estimate = n_pass / build_pps
    size = wanted
    note = f"{size:,} cases"
    if args.quick:
        note = f"{size:,} cases (--quick; the full run uses up to {FULL_SIZE:,})"
    elif estimate > BUDGET_S:
        size = max(44, int(wanted * BUDGET_S / estimate) // 50 * 50)
        cases = cases[:size]
        n_pass = len(plan(cases, embedder.id)[0])
        note = (f"{size:,} cases: a full build of {wanted:,} was estimated at {estimate:.0f} s from (a), "
                f"over the {BUDGET_S:.0f} s budget, so the largest size that fits was used")
    console.print(f"  (b) full build of {size:,} cases / {n_pass:,} passages, about "
                  f"{n_pass / build_pps:.0f} s…", style="dim")

    target = len(cases) // 2
    edited = list(cases)
    edited[target] = edit_one(cases[target])
    old_keys = set(plan([cases[target]], embedder.id)[1])
    new_keys = plan([edited[target]], embedder.id)[1]
    changed = sum(1 for k in new_keys if k not in old_keys)

    with tempfile.TemporaryDirectory(prefix="reflect-bench-") as tmp:
        folder = Path(tmp)
        t0 = now()
        _, full_stats = build(cases, folder, embedder, rebuild=True)
        full_s = now() - t0
        t0 = now()
        _, same_stats = build(cases, folder, embedder)
        same_s = now() - t0
        t0 = now()
        _, edit_stats = build(edited, folder, embedder)
        edit_s = now() - t0

    tb = table(f"(b) Re-index after editing one case ({size:,}-case synthetic bank)",
               caption=f"{note}. Variants of the bundled cases (new id, child name, paragraph order, a few "
                       "words), really embedded by the model.\nThe edit adds one sentence to one case's "
                       f"summary: {changed} of its {len(new_keys)} passages change. Baseline: the full "
                       "build (rebuild=True) in the same run. Target: edit ≤ 5% of the full build, and "
                       "only the changed passages embedded.")
    for col in ("build", "passages", "embedded", "reused", "seconds", "ratio to full", "target met"):
        tb.add_column(col, justify="left" if col in ("build", "target met") else "right")
    tb.add_row("baseline: full build, rebuild=True", f"{n_pass:,}", f"{full_stats.embedded:,}",
               f"{full_stats.reused:,}", f"{full_s:.2f}", "100.0%", "")
    tb.add_row("nothing changed", f"{n_pass:,}", f"{same_stats.embedded:,}", f"{same_stats.reused:,}",
               f"{same_s:.2f}", f"{same_s / full_s:.1%}", "")
    tb.add_row("one case edited", f"{len(plan(edited, embedder.id)[0]):,}", f"{edit_stats.embedded:,}",
               f"{edit_stats.reused:,}", f"{edit_s:.2f}", f"{edit_s / full_s:.1%}",
               verdict(edit_s / full_s <= 0.05 and edit_stats.embedded == changed))
    console.print(tb)


if __name__ == "__main__":
    main()
