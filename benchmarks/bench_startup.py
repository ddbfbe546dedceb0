"""Start-up wall time of `reflect --help` and `reflect case validate`, and whether torch loads.

Each command runs as `python -m assistant ...` in a fresh subprocess from the project folder,
against `python -c pass` in the same run (best and median of several runs each, interleaved).
A second pass with `-X importtime` tells whether torch or sentence_transformers were imported.

    python benchmarks/bench_startup.py [--quick]
"""

from __future__ import annotations

import subprocess
import sys

from _common import ROOT, console, header, median, now, parse_args, ratio, table, verdict

HEAVY = ("torch", "sentence_transformers", "transformers")
COMMANDS = {
    "baseline: python -c pass": ["-c", "pass"],
    "reflect --help": ["-m", "assistant", "--help"],
    "reflect case validate": ["-m", "assistant", "case", "validate"],
}


def run(args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = now()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    return now() - t0, done


def heavy_imports(args: list[str]) -> set[str]:
    _, done = run(["-X", "importtime", *args])
    loaded = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            loaded.add(name.split(".")[0])
    return loaded & set(HEAVY)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    header("bench_startup: CLI start-up time", args.quick)
    runs = 3 if args.quick else 7
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    codes: dict[str, int] = {}
    for name, argv in COMMANDS.items():  # warm the file cache and .pyc files
        _, done = run(argv)
        codes[name] = done.returncode
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            seconds, done = run(argv)
            times[name].append(seconds)
    base_best = min(times["baseline: python -c pass"])
    base_med = median(times["baseline: python -c pass"])
    t = table("CLI start-up wall time (ms)",
              caption=f"{runs} runs each, interleaved, after one warm-up run; subprocesses of "
                      f"{sys.executable} from {ROOT}. Ratios are to `python -c pass` in the same run. "
                      "Heavy = torch / sentence_transformers / transformers seen in `-X importtime` "
                      "(must be none).")
    for col in ("command", "exit", "best", "median", "best ratio", "median ratio", "heavy imports",
                "torch-free"):
        t.add_column(col, justify="left" if col in ("command", "heavy imports", "torch-free") else "right")
    for name, argv in COMMANDS.items():
        heavy = heavy_imports(argv)
        best, med = min(times[name]), median(times[name])
        t.add_row(name, str(codes[name]), f"{best * 1000:.0f}", f"{med * 1000:.0f}", ratio(best, base_best),
                  ratio(med, base_med), ", ".join(sorted(heavy)) or "none", verdict(not heavy))
    console.print(t)


if __name__ == "__main__":
    main()
