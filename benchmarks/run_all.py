"""Run every benchmark in sequence, each in its own subprocess, streaming its output.

    python benchmarks/run_all.py [--quick]      (make bench runs it without --quick)
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = ("bench_startup.py", "bench_cold.py", "bench_memory.py", "bench_privacy.py", "bench_search.py", "bench_index.py",
           "bench_coverage.py", "bench_app.py")


def pkg(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    head = Table(title="reflect benchmarks" + (" (--quick)" if args.quick else ""), show_header=False,
                 title_justify="left")
    head.add_column("what")
    head.add_column("value")
    head.add_row("machine", f"{platform.system()} {platform.release()} {platform.machine()}, "
                            f"{os.cpu_count()} cores, {platform.processor() or 'cpu n/a'}")
    head.add_row("python", f"{platform.python_version()} ({sys.executable})")
    head.add_row("torch", pkg("torch"))
    head.add_row("sentence-transformers", pkg("sentence-transformers"))
    head.add_row("numpy / bm25s", f"{pkg('numpy')} / {pkg('bm25s')}")
    head.add_row("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    console.print(head)
    total = time.perf_counter()
    failed = []
    for script in SCRIPTS:
        t0 = time.perf_counter()
        argv = [sys.executable, str(HERE / script)] + (["--quick"] if args.quick else [])
        code = subprocess.run(argv, cwd=ROOT).returncode  # output streams straight through
        console.print(f"[dim]{script}: {time.perf_counter() - t0:.0f} s, exit {code}[/dim]\n")
        if code:
            failed.append(script)
    console.print(f"All benchmarks: {time.perf_counter() - total:.0f} s"
                  + (f"; failed: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
