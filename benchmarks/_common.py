"""Shared helpers for the benchmarks: timing, tables, and synthetic case banks.

Not a benchmark itself (run_all.py only runs files named bench_*.py). The benchmarks make no
asserts: they print tables, and compare each measurement with a baseline measured in the same
run, because absolute times differ from one machine to the next.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

console = Console(width=max(int(os.environ.get("COLUMNS", "0") or 0), 120))
CASEBANK = ROOT / "casebank"
EMBEDDINGS = ROOT / "embeddings"
JUDGED = CASEBANK / "judged"  # the tuning sets, which the query adapter learns from
QRELS = JUDGED / "qrels.yaml"


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    return parser.parse_args()


def now() -> float:
    return time.perf_counter()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    data = sorted(values)
    if not data:
        return float("nan")
    pos = (len(data) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base > 0 else "n/a"


def verdict(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]NO[/red]"


def table(title: str, caption: str | None = None) -> Table:
    return Table(title=title, caption=caption, caption_justify="left", title_justify="left",
                 show_lines=False)


def header(name: str, quick: bool) -> None:
    console.rule(f"[bold]{name}[/bold]" + ("  (--quick)" if quick else ""))


# --- queries --------------------------------------------------------------------------------

def practitioner_queries(limit: int = 50) -> list[str]:
    """The judged queries' texts: how practitioners describe their own cases."""
    import yaml

    data = yaml.safe_load(QRELS.read_text(encoding="utf-8"))
    return [q["text"] for q in data["queries"]][:limit]


# --- synthetic banks ------------------------------------------------------------------------

FIRST_NAMES = (
    "Kai", "Leah", "Jayden", "Amira", "Tyler", "Maisie", "Reuben", "Sienna", "Oskar", "Precious",
    "Mason", "Aaliyah", "Callum", "Zara", "Dylan", "Keisha", "Harvey", "Freya", "Tomasz", "Imani",
    "Jamal", "Ellie", "Riley", "Nadia", "Connor", "Skye", "Bilal", "Lacey", "Ethan", "Roxanne",
    "Kofi", "Demi", "Liam", "Safiya", "Jake", "Ruby", "Marcus", "Alisha", "Finley", "Tanisha",
)
SECOND_PARTS = ("Jay", "Lee", "Rose", "Mae", "James", "Leigh", "Ray", "Louise", "John", "Marie")
NAMES = FIRST_NAMES + tuple(f"{a}-{b}" for b in SECOND_PARTS for a in FIRST_NAMES)

# A few everyday substitutions, so that variants differ in words as well as names and order.
SUBSTITUTIONS = (
    ("mother", "mum"), ("father", "dad"), ("school", "college"), ("police", "officers"),
    ("worker", "practitioner"), ("meeting", "session"), ("plan", "intervention plan"),
    ("friends", "mates"), ("home", "house"), ("support", "help"), ("teacher", "tutor"),
    ("older", "elder"), ("weekly", "regular"), ("said", "explained"), ("family", "household"),
    ("assessment", "assessment work"), ("risk", "risk of harm"), ("young", "teenage"),
)


def _swap_word(text: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


def _shuffle_paragraphs(text: str, rng: random.Random) -> str:
    paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rng.shuffle(paras)
    return "\n\n".join(paras) + "\n"


def make_variant(case, n: int, seed: int = 0):
    """Case `case` with a new id, child name, paragraph order and a few words swapped."""
    rng = random.Random(f"{seed}:{case.id}:{n}")
    old = case.child.name
    new = NAMES[n % len(NAMES)]
    if new == old:
        new = NAMES[(n + 1) % len(NAMES)]
    subs = rng.sample(SUBSTITUTIONS, 3)

    def edit(text: str) -> str:
        text = _swap_word(text, old, new)
        for a, b in subs:
            text = _swap_word(text, a, b)
        return text

    title = edit(case.title)
    if title == case.title:  # the title must differ so every passage's cache key is new
        title = f"{title} ({new})"
    learning = [edit(x) for x in case.learning]
    questions = [edit(x) for x in case.questions]
    rng.shuffle(learning)
    rng.shuffle(questions)
    return dataclasses.replace(
        case,
        id=f"{case.id}-v{n}",
        title=title,
        child=dataclasses.replace(case.child, name=new),
        summary=edit(_shuffle_paragraphs(case.summary, rng)),
        inspector_comments=edit(_shuffle_paragraphs(case.inspector_comments, rng)),
        learning=tuple(learning),
        questions=tuple(questions),
    )


def synthetic_cases(base: Sequence, size: int, seed: int = 0) -> list:
    """`size` cases: variants of the base cases, round robin (variant numbers start at 1)."""
    out = []
    n = 0
    while len(out) < size:
        n += 1
        for case in base:
            if len(out) >= size:
                break
            out.append(make_variant(case, n, seed))
    return out


def bundled_adapter(index):
    """The bundled bank's query adapter (trained on its judged queries and `index`), as the app
    loads it; a stale or missing one stops the benchmark rather than measure search without it."""
    from assistant.search import adapter

    learnt = adapter.current(CASEBANK, EMBEDDINGS, index)
    if learnt is None:
        raise SystemExit("the bundled query adapter is missing or stale (run `make index`)")
    return learnt


def load_base_bank():
    from assistant.casebank import load_bank

    return load_bank(CASEBANK)


def machine_line() -> str:
    import platform

    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.machine()}")
