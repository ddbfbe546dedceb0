"""Printing for the command line: tables and progress bars (rich), never markup from data.

Every string that came from a case or a person goes in as `rich.text.Text`, so square
brackets in it are shown, not interpreted.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from assistant.outputsafe import clean
from assistant.textsafe import one_line

T = TypeVar("T")


def console(err: bool = False) -> Console:
    return Console(stderr=err, highlight=False, soft_wrap=False)


def search_table(query: str, hits: Sequence[Any]) -> None:
    out = console()
    table = Table(title=Text(f"Cases like: {one_line(query, 100)}"), title_justify="left",
                  show_lines=True, expand=True)
    table.add_column("#", justify="right", width=2)
    table.add_column("Case (stage; themes)", ratio=2)
    table.add_column("Score", justify="right", width=5)
    table.add_column("Passage that matched", ratio=3)
    for n, hit in enumerate(hits, 1):
        case = hit.case
        title = Text(one_line(case.title), style="bold")
        title.append(f"\n{case.stage_label}; {', '.join(case.themes)}")
        title.append(f"\n{case.id}", style="dim")
        table.add_row(str(n), title, f"{hit.score:.2f}", Text(one_line(hit.snippet, 320)))
    if not hits:
        out.print(Text(f"No cases match: {one_line(query, 100)}"))
        return
    out.print(table)


def eval_table(scores: Sequence[Any], queries: int, cases: int, title: str = "") -> None:
    out = console()
    part = f" ({title})" if title else ""
    out.print(Text(f"Retrieval quality{part}: {queries} judged queries, {cases} cases"))
    table = Table()
    table.add_column("Mode")
    table.add_column("nDCG@5", justify="right")
    table.add_column("Recall@5", justify="right")
    table.add_column("MRR", justify="right")
    for s in scores:
        table.add_row(s.mode, f"{s.ndcg:.3f}", f"{s.recall:.3f}", f"{s.mrr:.3f}")
    out.print(table)


def sessions_table(rows: Sequence[Any]) -> None:
    out = console()
    if not rows:
        out.print("No sessions yet. Run `reflect` to start a reflection.")
        return
    table = Table(expand=True)
    for name in ("Id", "Date", "Kind", "Status"):
        table.add_column(name, no_wrap=True)
    table.add_column("Title and first answer", no_wrap=True, overflow="ellipsis", ratio=1)
    for s in rows:
        title = Text(one_line(s.title or "untitled"))
        if s.first_answer:
            title.append("\n" + one_line(s.first_answer), style="dim")
        table.add_row(s.id, s.created_at[:10], s.kind, s.status, title)
    out.print(table)


def session_matches_table(query: str, matches: Sequence[Any]) -> None:
    """Past sessions a search found: one row per match, with the line that matched (escaped)."""
    out = console()
    if not matches:
        out.print(Text(f"No sessions match: {one_line(clean(query), 100)}"))
        return
    table = Table(title=Text(f"Sessions matching: {one_line(clean(query), 100)}"), title_justify="left",
                  expand=True)
    for name in ("Id", "Date", "Stage", "In"):
        table.add_column(name, no_wrap=True)
    table.add_column("Title", ratio=1)
    table.add_column("Matching line", ratio=2)
    for m in matches:
        s = m.session
        table.add_row(s.id, s.created_at[:10], s.stage or "-", m.where, Text(one_line(clean(s.title or "untitled"))),
                      Text(one_line(clean(m.line))))
    out.print(table)


def with_progress(label: str, work: Callable[[Callable[[int], None], Callable[[int], None]], T]) -> T:
    """Run `work(on_total, step)` with a progress bar on a terminal, quietly otherwise."""
    if not sys.stderr.isatty():
        return work(lambda total: None, lambda n: None)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console(err=True), transient=True) as progress:
        task = progress.add_task(label, total=None)
        return work(lambda total: progress.update(task, total=total),
                    lambda n: progress.advance(task, n))


def coverage_table(item: Any, result: Any) -> None:
    """One answer's coverage: each expectation it shows, the sentence that earned it, the next probe."""
    out = console()
    table = Table(title=Text(f"{item.strand} / {item.stage}: {one_line(item.text, 90)}"), title_justify="left",
                  expand=True)
    table.add_column("Expectation", ratio=1)
    table.add_column("Score", justify="right", width=5)
    table.add_column("Sentence that earned it", ratio=2)
    for e in result.evidence:
        table.add_row(Text(e.expectation), f"{e.score:.2f}", Text(one_line(e.sentence, 300)))
    if result.evidence:
        out.print(table)
    else:
        out.print(Text(f"{item.strand} / {item.stage}: covers nothing in particular yet."))
    if result.next_probe:
        out.print(Text(f"Next probe ({result.next_probe}): {one_line(result.next_probe_text, 300)}"))
    else:
        out.print(Text("Nothing left to ask at this stage."))
