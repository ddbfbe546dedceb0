"""From cold: `reflect search`, `case import`, `case validate --checks`, the app's warm-up, warm encode.

Every command runs as a fresh process (`python -m assistant ...` from the checkout), so each pays
its whole start-up, as a person typing it in a new shell does. The baseline, measured in the same
run and interleaved, is a bare sentence-transformers script that loads the bundled model and
embeds one query: what the search cost before the ONNX copy. Peak memory is each process's max
RSS (getrusage of a fresh helper's children).

(d) The app: time from the first painted home screen to search being ready (`services.ready`),
headless with Pilot in a fresh process, against the same for a bare Textual app's first screen.
(e) Warm query encode: `Embedder.encode_one` (the ONNX copy) against sentence-transformers
(`TorchEncoder`) in the same process, p50 over the judged queries.

    python benchmarks/bench_cold.py [--quick] [--root CHECKOUT]   (--root: measure another checkout)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, console, header, median, now, percentile, practitioner_queries, ratio, table, verdict

BARE_ST = '''
import os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
from sentence_transformers import SentenceTransformer
sys.path.insert(0, os.getcwd())
try:
    from assistant.search.model_files import model_path
except ImportError:
    from assistant.search.embedder import model_path
model = SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)
print(model.encode(["girl going missing, older men"], normalize_embeddings=True).shape)
'''
HELPER = (
    "import resource, subprocess, sys, json, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[2:], capture_output=True, text=True, cwd=sys.argv[1])\n"
    "t = time.perf_counter() - t\n"
    "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(json.dumps({'kb': kb, 's': t, 'rc': p.returncode, 'err': p.stderr[-300:]}))\n"
)
WARMUP = '''
import asyncio, os, sys, time
sys.path[:0] = [os.getcwd(), "tests"]  # the checkout being measured, not the installed one
from tui_helpers import make_app
from assistant.tui.home import HomeScreen

async def main():
    app = make_app(__import__("pathlib").Path(sys.argv[1]))
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, HomeScreen):
            await asyncio.sleep(0.005)
        first = time.perf_counter()  # not after pilot.pause(): that waits for the app to go idle,
        # and the warm-up worker keeps it busy, so "ready" came before "first" (the 0.00 s row)
        while not app.services.ready.is_set():
            await asyncio.sleep(0.005)
        ready = time.perf_counter()
        print(ready - first, app.services.search_error or "ok")

asyncio.run(main())
'''
BARE_APP = '''
import asyncio, time
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header(); yield Static("ready"); yield Footer()

async def main():
    t = time.perf_counter()
    async with Bare().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(time.perf_counter() - t, "ok")

asyncio.run(main())
'''


def measure(root: Path, argv: list[str]) -> tuple[float, float, int, str]:
    done = subprocess.run([sys.executable, "-c", HELPER, str(root), *argv], capture_output=True, text=True)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data["s"], data["kb"] / 1024, data["rc"], data["err"]


def part_commands(root: Path, quick: bool, tmp: Path) -> None:
    runs = 3 if quick else 5
    page = ROOT / "tests" / "data" / "import" / "numbered_review.txt"
    (tmp / "bare_st.py").write_text(BARE_ST, encoding="utf-8")
    query = practitioner_queries(1)[0]
    py = sys.executable
    commands = {
        "baseline: bare sentence-transformers, one query": ([py, str(tmp / "bare_st.py")], None, None),
        "reflect search TEXT --json": ([py, "-m", "assistant", "search", query, "--json"], 0.15, 250),
        "reflect search TEXT --json --mode lexical": ([py, "-m", "assistant", "search", query, "--json",
                                                      "--mode", "lexical"], None, None),
        "reflect case import page.txt": ([py, "-m", "assistant", "case", "import", str(page)], None, None),
        "reflect case validate --checks": ([py, "-m", "assistant", "case", "validate", "--checks"], None, None),
        "reflect case validate": ([py, "-m", "assistant", "case", "validate"], None, None),
        "reflect --help": ([py, "-m", "assistant", "--help"], None, None),
    }
    seconds_target = {"reflect case import page.txt": 2.0, "reflect case validate --checks": 3.0}
    results: dict[str, list[tuple[float, float, int, str]]] = {name: [] for name in commands}
    for name, (argv, _, _) in commands.items():  # warm the file cache and .pyc files
        measure(root, argv)
    for _ in range(runs):
        for name, (argv, _, _) in commands.items():
            results[name].append(measure(root, argv))
    base = results["baseline: bare sentence-transformers, one query"]
    base_s, base_mb = median([r[0] for r in base]), max(r[1] for r in base)
    t = table(f"Cold commands, whole process ({root})",
              caption=f"Median wall time of {runs} fresh processes each, interleaved, after one warm-up run; peak = "
                      "largest max RSS. Baseline: a bare script that imports sentence-transformers, loads the "
                      "bundled model and embeds one query, same run. Targets: search ≤ 0.15× the baseline and "
                      "≤ 250 MB; case import ≤ 2 s; case validate --checks ≤ 3 s.")
    for col in ("command", "exit", "median s", "best s", "ratio to baseline", "peak MB", "target met"):
        t.add_column(col, justify="left" if col in ("command", "target met") else "right")
    for name, rows in results.items():
        secs = [r[0] for r in rows]
        med, peak = median(secs), max(r[1] for r in rows)
        _, rmax, mbmax = commands[name]
        target = ""
        if rmax is not None:
            target = verdict(med <= rmax * base_s and peak <= mbmax)
        elif name in seconds_target:
            target = verdict(med <= seconds_target[name])
        t.add_row(name, str(rows[-1][2]), f"{med:.2f}", f"{min(secs):.2f}", ratio(med, base_s), f"{peak:.0f}", target)
    console.print(t)
    for name, rows in results.items():
        if rows[-1][2]:
            console.print(f"[red]{name} exited {rows[-1][2]}:[/red] {rows[-1][3]}")


def part_warmup(root: Path, quick: bool, tmp: Path) -> None:
    runs = 3 if quick else 5
    (tmp / "warmup.py").write_text(WARMUP, encoding="utf-8")
    (tmp / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    ready, bare = [], []
    note = ""
    for i in range(runs + 1):
        done = subprocess.run([sys.executable, str(tmp / "warmup.py"), str(tmp / f"data-{i}")], cwd=root,
                              capture_output=True, text=True)
        out = done.stdout.strip().split()
        b = subprocess.run([sys.executable, str(tmp / "bare_app.py")], cwd=root, capture_output=True, text=True)
        if i and out:  # the first of each is a warm-up
            ready.append(float(out[0]))
            bare.append(float(b.stdout.split()[0]))
            note = out[1] if len(out) > 1 else ""
    t = table(f"(d) The app: first screen to search ready ({root})",
              caption=f"{runs} fresh processes, headless (Pilot run_test 120x40), after one warm-up: seconds from "
                      "the home screen's first refresh until the warm-up worker set services.ready (bank, index, "
                      "BM25, model, one query). Baseline: a bare Textual app's start to its first refresh, same run. "
                      "Target: about 1 s.")
    for col in ("what", "median s", "best s", "ratio to baseline", "result"):
        t.add_column(col, justify="left" if col in ("what", "result") else "right")
    t.add_row("baseline: bare Textual app, start to first screen", f"{median(bare):.2f}", f"{min(bare):.2f}", "", "")
    t.add_row("reflect: first screen to search ready", f"{median(ready):.2f}", f"{min(ready):.2f}",
              ratio(median(ready), median(bare)), note)
    console.print(t)


def part_encode(quick: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from assistant.search import Embedder
    from assistant.search.torch_model import TorchEncoder

    queries = practitioner_queries(20 if quick else 50)
    onnx, torch_ = Embedder().load(), TorchEncoder()
    torch_.load()
    times: dict[str, list[float]] = {"torch": [], "onnx": []}
    for _ in range(2):
        onnx.encode_one("warm up"), torch_.encode(["warm up"])
    for q in queries:  # interleaved
        t0 = now(); torch_.encode([q]); times["torch"].append(now() - t0)
        t0 = now(); onnx.encode_one(q); times["onnx"].append(now() - t0)
    b50 = percentile(times["torch"], 50)
    t = table("(e) Warm query encode (ms, one query)",
              caption=f"{len(queries)} judged queries, interleaved, model warm, one process. Baseline: "
                      "sentence-transformers (TorchEncoder, one torch thread for a query, as before). "
                      f"Target: the ONNX path no slower. Backend answering queries: {onnx.backend}.")
    for col in ("path", "p50", "p95", "p50 ratio", "target met"):
        t.add_column(col, justify="left" if col in ("path", "target met") else "right")
    for name, label in (("torch", "baseline: sentence-transformers"), ("onnx", "Embedder.encode_one (ONNX)")):
        p50, p95 = percentile(times[name], 50), percentile(times[name], 95)
        t.add_row(label, f"{p50 * 1000:.1f}", f"{p95 * 1000:.1f}", ratio(p50, b50),
                  verdict(p50 <= b50 * 1.05) if name == "onnx" else "")
    console.print(t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose commands are measured")
    args = parser.parse_args()
    header("bench_cold: cold commands, the app's warm-up, warm encode", args.quick)
    with tempfile.TemporaryDirectory(prefix="reflect-bench-cold-") as tmp:
        part_commands(args.root.resolve(), args.quick, Path(tmp))
        part_warmup(args.root.resolve(), args.quick, Path(tmp))
    if args.root.resolve() == ROOT:
        part_encode(args.quick)


if __name__ == "__main__":
    main()
