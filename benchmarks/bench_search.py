"""Query latency of Searcher.search at 100, 1,000 and 10,000 cases, per mode, model warm.

Synthetic banks vary the bundled cases (new id, child name, paragraph order, a few words), so
BM25 sees realistic statistics. Their vectors are NOT computed by the model (80,000+ passages
would take far too long on a laptop): each variant passage reuses the bundled index's vector
of the corresponding passage of its source case, plus small Gaussian noise, re-normalised.
The latency of an exact matrix product does not depend on the values, only on the shape.

Baseline, measured in the same run: the bare matrix product `vectors @ query` at each size,
the least any exact dense search has to do.

    python benchmarks/bench_search.py [--quick]
"""

from __future__ import annotations

import gc
from collections import defaultdict
from pathlib import Path

import numpy as np

from _common import (bundled_adapter, console, header, load_base_bank, ms, now, parse_args, percentile,
                     practitioner_queries, ratio, synthetic_cases, table, verdict)

NOISE = 0.01  # standard deviation per dimension, before re-normalising (vectors are unit length)
TARGET_P50 = 0.015
TARGET_P95 = 0.030


def synthetic_index(cases, base_index, model_id: str, seed: int = 0):
    from assistant.search.index import assemble, plan

    chunks, keys = plan(cases, model_id)
    # The bundled rows of each source case, by section, in order.
    rows_by_case: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row, chunk in enumerate(base_index.chunks):
        rows_by_case[chunk.case_id][chunk.section].append(row)
    source_rows = np.empty(len(chunks), dtype=np.int64)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for i, chunk in enumerate(chunks):
        source = chunk.case_id.rsplit("-v", 1)[0]
        sections = rows_by_case[source]
        rows = sections.get(chunk.section) or sections["title"]
        j = seen[(chunk.case_id, chunk.section)]
        seen[(chunk.case_id, chunk.section)] += 1
        source_rows[i] = rows[j % len(rows)]
    rng = np.random.default_rng(seed)
    vectors = np.empty((len(chunks), base_index.vectors.shape[1]), dtype=np.float32)
    step = 20_000
    for start in range(0, len(chunks), step):
        block = base_index.vectors[source_rows[start:start + step]].astype(np.float32)
        block += rng.normal(0.0, NOISE, size=block.shape).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        vectors[start:start + step] = block
    return assemble(chunks, keys, vectors, model_id)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    header("bench_search: query latency", args.quick)
    from assistant.search import CaseSearch, Embedder
    from assistant.search.engine import Searcher

    sizes = (100, 1_000, 10_000)
    rounds = 1 if args.quick else 3
    queries = practitioner_queries(20 if args.quick else 50)

    base = load_base_bank()
    embedder = Embedder()
    base_index = CaseSearch(base, Path("embeddings"), embedder).index
    learnt = bundled_adapter(base_index)
    embedder.load()
    embedder.encode_one("warm up")
    qvecs = embedder.encode(queries)
    from assistant.search.engine import clauses
    cvecs = [embedder.encode(clauses(q)) if clauses(q) else None for q in queries]  # hybrid's clauses

    full_queries = queries[:10 if args.quick else 20]
    t0 = now()
    all_cases = synthetic_cases(base.cases, max(sizes))
    make_time = now() - t0

    lat = table(
        "Search latency per query, model warm (ms)",
        caption=(f"{len(queries)} practitioner queries (casebank/judged/qrels.yaml) × {rounds} round(s), k=5, "
                 "no filters.\nBaseline: bare `vectors @ query` at the same size, in the same run; "
                 "ratio = p50 / baseline p50.\nSynthetic banks: variants of the 44 bundled cases. "
                 f"Their vectors are the bundled index's real vectors, reused per passage, plus "
                 f"Gaussian noise (σ={NOISE}/dim) and re-normalised: NOT model-embedded (the latency of "
                 "an exact matrix product depends on the shape, not the values).\n"
                 f"'full hybrid' = encode_one(query) + encode(its clauses) + hybrid search, as CaseSearch.search does, over the "
                 f"first {len(full_queries)} queries once (the Embedder encodes a query on one torch "
                 "thread, which measured faster and steadier than two on this size of machine).\n"
                 "Hybrid includes the bundled query adapter (the bank's, applied to any bank's query) "
                 "and the theme feedback, as the app runs it.\n"
                 f"Target at 10,000 cases: hybrid p50 ≤ {TARGET_P50 * 1000:.0f} ms, "
                 f"p95 ≤ {TARGET_P95 * 1000:.0f} ms."))
    for col in ("cases", "passages", "path", "p50", "p95", "mean", "ratio", "target met"):
        lat.add_column(col, justify="right" if col not in ("path", "target met") else "left")

    build = table("Building a Searcher (BM25 index over whole cases, plus row bookkeeping)",
                  caption=f"Generating the {max(sizes):,} synthetic cases took {make_time:.2f} s "
                          "(not included).")
    for col in ("cases", "passages", "Searcher(...) s", "per 1,000 cases s", "first pass s"):
        build.add_column(col, justify="right")

    for size in sizes:
        cases = all_cases[:size]
        index = synthetic_index(cases, base_index, embedder.id)
        gc.collect()
        t0 = now()
        searcher = Searcher(cases, index, adapter=learnt)
        build_s = now() - t0
        t0 = now()
        searcher.prepare()  # the int8 first pass, on a big bank (assistant/search/coarse.py)
        prepare_s = now() - t0
        build.add_row(f"{size:,}", f"{len(index.chunks):,}", f"{build_s:.2f}",
                      f"{build_s / size * 1000:.2f}", f"{prepare_s:.2f}" if searcher._coarse else "not used")

        first_pass = searcher._coarse  # measured with it, then without it (exact float32 over every passage)
        paths = ("baseline: vectors @ q", "lexical", "dense", "hybrid") + \
            (("dense, exact (no first pass)", "hybrid, exact (no first pass)") if first_pass else ())
        full = ("full hybrid (encode + search)", "  of which encode (query, clauses)", "  of which search")
        times: dict[str, list[float]] = {p: [] for p in paths + full}
        # Search alone (the model is loaded and warm, but idle while searching).
        for q, v, cv in zip(queries[:5], qvecs[:5], cvecs[:5]):
            for mode in ("lexical", "dense", "hybrid"):
                searcher.search(q, v, k=5, mode=mode, clause_vectors=cv if mode == "hybrid" else None)
        for _ in range(rounds):
            for q, v, cv in zip(queries, qvecs, cvecs):
                t0 = now()
                index.vectors @ v
                times[paths[0]].append(now() - t0)
                for mode in ("lexical", "dense", "hybrid"):
                    t0 = now()
                    searcher.search(q, v, k=5, mode=mode, clause_vectors=cv if mode == "hybrid" else None)
                    times[mode].append(now() - t0)
                if first_pass:
                    searcher._coarse = None
                    for mode in ("dense", "hybrid"):
                        t0 = now()
                        searcher.search(q, v, k=5, mode=mode, clause_vectors=cv if mode == "hybrid" else None)
                        times[f"{mode}, exact (no first pass)"].append(now() - t0)
                    searcher._coarse = first_pass
        # The whole query path, as CaseSearch.search runs it: encode_one, then hybrid search.
        embedder.encode_one("warm up")
        for q in full_queries:
            t0 = now()
            v = embedder.encode_one(q)
            parts = clauses(q)
            cv = embedder.encode(parts) if parts else None
            t1 = now()
            searcher.search(q, v, k=5, mode="hybrid", clause_vectors=cv)
            t2 = now()
            times[full[0]].append(t2 - t0)
            times[full[1]].append(t1 - t0)
            times[full[2]].append(t2 - t1)
        base_p50 = percentile(times[paths[0]], 50)
        for p in paths + full:
            t = times[p]
            p50, p95 = percentile(t, 50), percentile(t, 95)
            target = ""
            if p == "hybrid" and size == max(sizes):
                target = verdict(p50 <= TARGET_P50 and p95 <= TARGET_P95)
            lat.add_row(f"{size:,}", f"{len(index.chunks):,}", p, ms(p50), ms(p95), ms(sum(t) / len(t)),
                        ratio(p50, base_p50), target)
        lat.add_section()
        del searcher, index
        gc.collect()
        console.print(f"  measured {size:,} cases", style="dim")

    console.print(lat)
    console.print(build)


if __name__ == "__main__":
    main()
