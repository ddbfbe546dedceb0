"""Time of assistant.privacy.find_identifiers on a 100 KB paste and on pathological inputs.

Baseline, on the same text in the same run: `len(text.split())`, a single linear pass that
any check must at least match. Ratios show how many such passes the detector costs.

    python benchmarks/bench_privacy.py [--quick]
"""

from __future__ import annotations

from _common import ROOT, console, header, median, ms, now, parse_args, table

SIZE = 100_000


def realistic_paste(size: int) -> str:
    """Reflection-like prose with a sprinkling of identifiers, from the privacy examples."""
    import yaml

    data = yaml.safe_load((ROOT / "tests" / "data" / "privacy_examples.yaml").read_text(encoding="utf-8"))
    lines = [e["text"] for e in data.get("negatives", [])] * 3 + [e["text"] for e in data.get("positives", [])]
    import random

    rng = random.Random(7)
    out, total = [], 0
    while total < size:
        line = rng.choice(lines)
        out.append(line)
        total += len(line) + 1
    return "\n".join(out)[:size]


def odd_unicode(text: str) -> str:
    """The same paste as pasted from a word processor: NBSPs, zero-width spaces, curly quotes."""
    out = []
    for i, ch in enumerate(text):
        if ch == " ":
            out.append("\u00a0" if i % 3 == 0 else (" \u200b" if i % 7 == 0 else " "))
        elif ch == "'":
            out.append("\u2019")
        elif ch == "-":
            out.append("\u2013")
        else:
            out.append(ch)
    return "".join(out)


def best_and_median(fn, text: str, runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = now()
        result = fn(text)
        times.append(now() - t0)
    return min(times), median(times), result


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    header("bench_privacy: identifier detection", args.quick)
    from assistant.privacy import find_identifiers

    runs = 3 if args.quick else 7
    paste = realistic_paste(SIZE)
    inputs = {
        "realistic paste, 100 KB": paste,
        "same, odd Unicode (NBSP, ZWSP, ’, –)": odd_unicode(paste),
        '"a"*100000 + "@"': "a" * 100_000 + "@",
        '"0 "*50000': "0 " * 50_000,
        '"Aaaa Bbbb "*10000 + "Oakfield Academy"': "Aaaa Bbbb " * 10_000 + "Oakfield Academy",
        '"07700 900" * 9000 (digit runs)': "07700 900 " * 9_000,
        '"a@b."*25000 (email-ish)': "a@b." * 25_000,
        '"Tia lives in Oakfield. "*4000 (name near place)': "Tia lives in Oakfield. " * 4_000,
    }
    find_identifiers(paste[:2000])  # compile the patterns
    t = table("find_identifiers on large and pathological inputs (ms)",
              caption=f"Best and median of {runs} runs. Baseline: len(text.split()) on the same text, same "
                      "run; ratio = best / baseline best.")
    for col in ("input", "chars", "findings", "best", "median", "baseline best", "ratio"):
        t.add_column(col, justify="left" if col == "input" else "right")
    for name, text in inputs.items():
        base_best, _, _ = best_and_median(lambda s: len(s.split()), text, runs)
        best, med, found = best_and_median(find_identifiers, text, runs)
        t.add_row(name, f"{len(text):,}", str(len(found)), ms(best), ms(med), ms(base_best),
                  f"{best / base_best:,.0f}×" if base_best > 0 else "n/a")
        console.print(f"  {name}: {best * 1000:.1f} ms", style="dim")
    console.print(t)


if __name__ == "__main__":
    main()
