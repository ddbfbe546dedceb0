"""Peak memory (max RSS) of `reflect search "..." --json`, against `python -c "import numpy"`.

Each command runs under its own small helper process, which reads
resource.getrusage(RUSAGE_CHILDREN).ru_maxrss after it: that is the command's own peak, since
the helper has no other children. Target: search peak <= 600 MB.

    python benchmarks/bench_memory.py [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys

from _common import ROOT, console, header, parse_args, practitioner_queries, ratio, table, verdict

TARGET_MB = 600


def peak_of(argv: list[str]) -> tuple[float, float, int, str]:
    """Run argv under a fresh helper process; return (peak MB, seconds, exit code, output)."""
    # A small helper process runs the command, so that each measurement starts from a fresh
    # RUSAGE_CHILDREN (ru_maxrss of children is a running maximum within one parent).
    helper = (
        "import resource, subprocess, sys, json, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "t = time.perf_counter() - t\n"
        "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'kb': kb, 's': t, 'rc': p.returncode, 'out': p.stdout[-2000:], 'err': p.stderr[-500:]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", helper, *argv], cwd=ROOT, capture_output=True, text=True)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data["kb"] / 1024, data["s"], data["rc"], data["out"] or data["err"]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    header("bench_memory: peak memory of a search", args.quick)
    query = practitioner_queries(1)[0]
    runs = 1 if args.quick else 3
    rows = {
        "baseline: python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "reflect search \"...\" --json": [sys.executable, "-m", "assistant", "search", query, "--json"],
        "reflect search \"...\" --json --mode lexical": [sys.executable, "-m", "assistant", "search", query,
                                                        "--json", "--mode", "lexical"],
    }
    results = {}
    for name, argv in rows.items():
        peaks, secs = [], []
        rc, out = 0, ""
        for _ in range(runs):
            mb, s, rc, out = peak_of(argv)
            peaks.append(mb)
            secs.append(s)
        results[name] = (max(peaks), min(secs), rc, out)
    base = results["baseline: python -c 'import numpy'"][0]
    t = table("Peak memory (max RSS) of one process",
              caption=f"Max RSS via resource.getrusage(RUSAGE_CHILDREN) in a fresh helper per run; the "
                      f"largest of {runs} run(s). Baseline: python -c 'import numpy', same run. "
                      f"Query: {query[:60]}… Target: search ≤ {TARGET_MB} MB.")
    for col in ("command", "exit", "peak MB", "ratio to baseline", "wall s (best)", "target met"):
        t.add_column(col, justify="left" if col in ("command", "target met") else "right")
    for name, (mb, s, rc, out) in results.items():
        target = verdict(mb <= TARGET_MB) if name.startswith("reflect") else ""
        t.add_row(name, str(rc), f"{mb:.0f}", ratio(mb, base), f"{s:.2f}", target)
    console.print(t)
    for name, (_, _, rc, out) in results.items():
        if rc:
            console.print(f"[red]{name} exited {rc}:[/red] {out.strip()[-300:]}")


if __name__ == "__main__":
    main()
