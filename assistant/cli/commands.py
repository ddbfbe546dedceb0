"""The `reflect` command line: the bare command opens the app; subcommands serve trainers and scripts.

This module parses, calls the layers below and prints. It imports nothing heavy at the top:
`reflect --help` and `reflect case validate` never load torch or the embedding model.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn

import click

from assistant.casebank.model import STAGES, STRANDS
from assistant.cli.output import SafeGroup, echo
from assistant.outputsafe import dumps
from assistant.paths import ENV_CASEBANK, ENV_DATA_DIR, ENV_INDEX_DIR, Paths, resolve_paths

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
SHARED_EMBEDDER = "reflect.embedder"  # ctx.meta key: a loaded model handed in by the caller (tests)


class Failure(click.ClickException):
    """A reported mistake in the input: one line on stderr, exit 1, never a traceback."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        echo(f"reflect: {self.format_message()}", err=True)


class Misuse(Failure):
    """Wrong usage that click cannot see (a date that is not one): one line on stderr, exit 2."""

    exit_code = 2


def fail(message: str) -> NoReturn:
    raise Failure(message)


def _paths(ctx: click.Context) -> Paths:
    return ctx.find_object(Paths) or resolve_paths()


def _embedder(paths: Paths):
    """The model handed in by the caller (`cli.main(obj=embedder)`), or a new lazily loaded one."""
    shared = click.get_current_context().meta.get(SHARED_EMBEDDER)
    if shared is not None:
        return shared
    from assistant.search import Embedder

    return Embedder(index_dir=paths.index_dir)


@click.group(cls=SafeGroup, invoke_without_command=True, context_settings=CONTEXT)
@click.option("--casebank", type=click.Path(file_okay=False, path_type=Path), envvar=ENV_CASEBANK,
              help="The case bank folder (default: the bundled casebank/).")
@click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path), envvar=ENV_INDEX_DIR,
              help="Where embeddings are cached (default: embeddings/ for the bundled bank, DIR/.index/ for another).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar=ENV_DATA_DIR,
              help="Where sessions and logs are stored (default: your user data folder).")
@click.version_option(package_name="reflect", prog_name="reflect")
@click.pass_context
def cli(ctx: click.Context, casebank: Path | None, index_dir: Path | None, data_dir: Path | None) -> None:
    """Reflective practice for people who work with children in youth justice.

    Run `reflect` on its own to open the app. The commands below search, check and
    index the case bank, measure search quality, and manage past sessions.

    \b
    Examples:
      reflect search "15 year old, first offence, drinking in the park" -k 3
      reflect search "girl going missing, older men" --stage planning --json
      reflect case validate casebank/cases/my-case.yaml
      reflect --casebank mybank index
      reflect sessions export 5c80f28c --format html
      reflect sessions export 5c80f28c --format cpd
    """
    if ctx.obj is not None and hasattr(ctx.obj, "encode"):
        ctx.meta[SHARED_EMBEDDER] = ctx.obj
    ctx.obj = resolve_paths(casebank, index_dir, data_dir)
    if ctx.invoked_subcommand is None:
        from assistant.tui.app import run_app

        run_app(ctx.obj)


# --- search -----------------------------------------------------------------------------

def _load_bank(paths: Paths, *, strict: bool = False):
    from assistant.casebank import load_bank

    bank = load_bank(paths.casebank)
    for problem in bank.errors:
        echo(str(problem), err=True)
    if strict and bank.errors:
        fail(f"{len(bank.errors)} problem(s) in the case bank at {paths.casebank}")
    if not bank.cases:
        fail(f"no valid cases in {paths.casebank}")
    if bank.errors:
        echo(f"reflect: skipped the broken file(s) above; using {len(bank.cases)} valid cases", err=True)
    return bank


def _case_search(paths: Paths, bank: Any, embedder: Any = None):
    from assistant.search import CaseSearch

    return CaseSearch(bank, paths.index_dir, embedder or _embedder(paths))


def _ensure_index(search: Any) -> None:
    from assistant.search import ModelUnavailable

    try:
        stats = search.update_index()
    except ModelUnavailable as exc:
        fail(str(exc))
    if stats.embedded:
        note = f"; {stats.rebuilt_reason}" if stats.rebuilt_reason else ""
        echo(f"reflect: index brought up to date: embedded {stats.embedded} passages, "
                   f"reused {stats.reused}{note}", err=True)


@cli.command(context_settings=CONTEXT)
@click.argument("text", required=False)
@click.option("--queries", "queries_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A file of queries, one per line (blank lines skipped); answers come in the same order.")
@click.option("-k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="How many cases.")
@click.option("--stage", type=click.Choice(STAGES), help="Only cases at this stage.")
@click.option("--strand", type=click.Choice(STRANDS), help="Only cases in this strand.")
@click.option("--theme", "themes", multiple=True, metavar="THEME", help="Only cases with this theme (repeatable).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid", show_default=True,
              help="Ranking: fused, embeddings only, or BM25 only.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def search(ctx: click.Context, text: str | None, queries_file: Path | None, k: int, stage: str | None,
           strand: str | None, themes: tuple[str, ...], mode: str, as_json: bool) -> None:
    """The cases most similar to TEXT (a description of your own case)."""
    if (text is None) == (queries_file is None):
        raise click.UsageError("give either TEXT or --queries FILE")
    queries = [text] if text is not None else _read_queries(queries_file)
    if any(not q.strip() for q in queries):
        raise click.UsageError("TEXT is empty: describe the case you are thinking about")
    paths = _paths(ctx)
    embedder = _embedder(paths)
    if mode != "lexical":
        embedder.preload()  # the model loads while the bank, the index and BM25 do
    bank = _load_bank(paths)
    for theme in themes:
        if theme not in bank.themes:
            from assistant.casebank.load import suggest_theme

            fail(f"--theme: unknown theme '{theme}'{suggest_theme(theme, bank.themes)}")
    engine = _case_search(paths, bank, embedder)
    _ensure_index(engine)
    results = [(q, engine.search(q, k=k, stage=stage, strand=strand, themes=themes, mode=mode)) for q in queries]
    if as_json:
        docs = [_search_json(q, hits) for q, hits in results]
        echo(dumps(docs if queries_file else docs[0], ensure_ascii=False, indent=2))
        return
    from assistant.cli import report

    for q, hits in results:
        report.search_table(q, hits)


def _read_queries(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    queries = [line.strip() for line in lines if line.strip()]
    if not queries:
        fail(f"{path}: no queries (one per line)")
    return queries


def _search_json(query: str, hits: list[Any]) -> dict[str, Any]:
    return {
        "query": query,
        "results": [
            {"id": h.case.id, "title": h.case.title, "stage": h.case.stage, "strand": h.case.strand,
             "themes": list(h.case.themes), "score": round(h.score, 4), "snippet": h.snippet}
            for h in hits
        ],
    }


# --- index ------------------------------------------------------------------------------

@cli.command(context_settings=CONTEXT)
@click.option("--rebuild", is_flag=True, help="Throw the cache away and embed every passage again.")
@click.pass_context
def index(ctx: click.Context, rebuild: bool) -> None:
    """Bring the embedding cache up to date, re-embedding only what changed.

    Also makes the ONNX copy of the model that queries run on, if there is none yet.
    """
    from assistant.cli import report
    from assistant.search import ModelUnavailable

    paths = _paths(ctx)
    bank = _load_bank(paths)
    _ensure_onnx_copy(paths)
    engine = _case_search(paths, bank)
    try:
        stats = report.with_progress("Embedding passages", lambda on_total, step: engine.update_index(
            rebuild=rebuild, on_total=on_total, progress=step))
    except ModelUnavailable as exc:
        fail(str(exc))
    where = paths.index_dir
    reason = f" ({stats.rebuilt_reason})" if stats.rebuilt_reason else ""
    echo(f"Indexed {stats.cases} cases in {where}: embedded {stats.embedded} passages, "
               f"reused {stats.reused}{reason}.")
    if stats.embedded and not stats.written:
        fail(f"could not write the index to {where}")
    _index_coverage(paths, bank, engine.embedder, rebuild)
    try:
        outcome = engine.train_adapter(force=rebuild)
    except OSError as exc:
        fail(f"could not write the query adapter to {paths.index_dir} ({exc.strerror or exc})")
    for problem in outcome.problems:
        echo(str(problem), err=True)
    if outcome.trained:
        skipped = f"; skipped {len(outcome.problems)} problem(s) above" if outcome.problems else ""
        echo(f"Query adapter trained on {outcome.queries} judged queries{skipped}.")
    elif outcome.queries:
        echo(f"Query adapter up to date (trained on {outcome.queries} judged queries).")
    elif outcome.files:
        echo(f"reflect: no usable judged query in {Path(bank.root) / 'judged'}; "
             "search runs without a query adapter", err=True)


def _index_coverage(paths: Paths, bank: Any, encoder: Any, rebuild: bool) -> None:
    """Train the coverage classifiers when their examples (or the model) changed."""
    from assistant.reflection.coverage_train import build_coverage

    try:
        model, trained, examples = build_coverage(paths.casebank, paths.index_dir, bank.framework, encoder,
                                                  encoder.id, rebuild=rebuild)
    except OSError as exc:
        fail(f"could not write the coverage model to {paths.index_dir} ({exc.strerror or exc})")
    for problem in examples.problems:
        echo(str(problem), err=True)
    state = "trained" if trained else "up to date"
    echo(f"Coverage model {state}: {len(examples.items)} example sentences, {len(model.stages)} stages.")


# --- coverage ---------------------------------------------------------------------------

@cli.command(context_settings=CONTEXT)
@click.argument("text", required=False)
@click.option("--stage", type=click.Choice(STAGES), help="The stage whose expectations TEXT is read against.")
@click.option("--strand", type=click.Choice(STRANDS), default="desistance", show_default=True,
              help="The strand of the framework.")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML file `answers: [{strand, stage, text}]`; one result per answer, in order.")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout: an object, or an array for --answers.")
@click.pass_context
def coverage(ctx: click.Context, text: str | None, stage: str | None, strand: str, answers_file: Path | None,
             as_json: bool) -> None:
    """Which expectations of a stage TEXT shows, with the sentence that earned each, and the next probe.

    A vague or feeling-focused answer covers nothing: the check looks for what was done,
    thought through or concretely planned for this child.

    \b
    Examples:
      reflect coverage --stage planning "We wrote his goals together at the kitchen table."
      reflect coverage --answers answers.yaml --json
    """
    from assistant.reflection import coverage_check

    if (text is None) == (answers_file is None):
        raise click.UsageError("give either TEXT (with --stage) or --answers FILE")
    if text is not None and stage is None:
        raise click.UsageError("--stage is needed with TEXT")
    if text is not None and not text.strip():
        raise click.UsageError("TEXT is empty: paste the answer to check")
    paths = _paths(ctx)
    bank = _load_bank(paths)
    if answers_file is not None:
        items, problems = coverage_check.read_answers(answers_file, bank.framework)
        if problems:
            for problem in problems:
                echo(problem, err=True)
            fail(f"{len(problems)} problem(s) in {answers_file}")
    else:
        items = [coverage_check.AnswerItem(strand, stage or "", text or "")]
    engine = _case_search(paths, bank)
    try:
        book = coverage_check.open_book(paths, bank, engine.embedder)
    except Exception as exc:  # noqa: BLE001 - the model is missing or broken: say so in one line
        fail(f"the coverage check could not start: {exc}")
    if book.note:
        echo(f"reflect: {book.note}", err=True)
    results = [coverage_check.check(book, item) for item in items]
    if as_json:
        docs = [r.as_json() for r in results]
        echo(dumps(docs if answers_file else docs[0], indent=2))
        return
    from assistant.cli import report

    for item, result in zip(items, results):
        report.coverage_table(item, result)


def _ensure_onnx_copy(paths: Paths) -> None:
    """Make the ONNX copy of the model when none can be trusted; searches fall back without it."""
    from assistant.search import ModelUnavailable, onnx_copy

    try:
        onnx_copy.ensure(paths.index_dir, log=lambda message: echo(f"reflect: {message}", err=True))
    except ModelUnavailable as exc:
        fail(str(exc))
    except OSError as exc:
        echo(f"reflect: {exc}; searches will use sentence-transformers (slower to start)", err=True)


# --- serve ------------------------------------------------------------------------------

#: Pixels. textual-serve's own default is 16; at 24 a cell is about 14 x 32 pixels, which reads from
#: the back of a meeting room and still leaves about 88 x 20 cells in a 1280 x 650 page (130 x 30
#: on a full-HD screen).
SERVE_FONT_SIZE = 24


@cli.command(context_settings=CONTEXT)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="The port on 127.0.0.1 to listen on.")
@click.option("--font-size", type=click.IntRange(8, 72), default=SERVE_FONT_SIZE, show_default=True,
              help="Text size in the browser, in pixels (large enough to read across a meeting room).")
@click.pass_context
def serve(ctx: click.Context, port: int, font_size: int) -> None:
    """The app in a web browser, on this computer only (127.0.0.1), until Ctrl+C.

    Prints the address to open; it holds a key, so only someone who can see this terminal
    can open the app. Each browser tab is its own copy of the app, with the same case bank
    and data folder; closing a tab closes that copy (everything sent is already saved).
    """
    from assistant.cli import serve as web

    try:
        web.serve(_paths(ctx), port, font_size, announce=lambda address: echo(
            f"Open {address} in a web browser on this computer. Ctrl+C stops reflect serve."))
    except web.ServeError as exc:
        fail(str(exc))


# --- case -------------------------------------------------------------------------------

@cli.group(context_settings=CONTEXT)
def case() -> None:
    """Check and write case illustrations."""


@case.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--checks", is_flag=True,
              help="Also run the checks that load the embedding model (slower): warn about a case that "
                   "nearly duplicates another, and about a case that search does not find in the top 3 "
                   "by its own title and first sentence. A bank of your own is checked against the "
                   "bundled cases as well.")
@click.option("--strict", is_flag=True,
              help="Run every check (as --checks) and treat warnings as errors: exit 1 on any.")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], checks: bool, strict: bool) -> None:
    """Check case files (default: the whole bank). Exit 0 when all are valid, 1 otherwise.

    Besides the rules of the case format, every run warns about text that looks like a real
    identifier (a postcode, phone number, date of birth, ...). Warnings are printed with a
    `warning:` prefix and do not change the exit code unless --strict is given.
    """
    from assistant.casebank import load_bank, validate_paths
    from assistant.trainer import identifier_problems

    where = _paths(ctx)
    if checks or strict:
        _embedder(where).preload()  # the model loads while the files are checked
    bank = validate_paths(list(paths), where.casebank) if paths else load_bank(where.casebank)
    problems = list(bank.problems) + identifier_problems(bank.cases)
    note = ""
    if checks or strict:
        found, note = _model_checks(where, bank, bool(paths))
        problems += found
    if strict:
        from dataclasses import replace

        problems = [replace(p, severity="error") for p in problems]
    for problem in problems:
        echo(str(problem) if problem.severity == "error" else f"warning: {problem}", err=True)
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    if errors:
        if note:
            echo(note)
        fail(f"{len(errors)} problem(s) in {len({p.path for p in errors})} file(s); {len(bank.cases)} valid case(s)")
    counted = f" {warnings} warning(s) above (--strict makes them errors)." if warnings else ""
    echo(f"All {len(bank.cases)} case(s) valid.{counted}")
    if note:
        echo(note)


def _model_checks(where: Paths, bank: Any, named_files: bool) -> tuple[list[Any], str]:
    """Near duplicates and findability of the checked cases, against the whole bank and, for a
    bank of one's own, the bundled cases too; and a line saying so when they were added."""
    from assistant.casebank import load_bank
    from assistant.search import ModelUnavailable
    from assistant.trainer import bundled_reference, model_problems

    whole = load_bank(where.casebank) if named_files else bank
    held = {c.id for c in whole.cases} | {c.id for c in bank.cases}
    reference = [c for c in bundled_reference(where.casebank) if c.id not in held]
    try:
        problems = model_problems(bank.cases, whole.cases, where.index_dir, _embedder(where), reference=reference)
    except ModelUnavailable as exc:
        fail(str(exc))
    note = (f"Near duplicates and findability were checked against the {len(reference)} bundled case(s) too."
            if reference and bank.cases else "")
    return problems, note


@case.command(name="new", context_settings=CONTEXT)
@click.option("--stage", type=click.Choice(STAGES), required=True, help="The stage the case illustrates.")
@click.option("--strand", type=click.Choice(STRANDS), default="desistance", show_default=True,
              help="The strand the case belongs to.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the skeleton to this file (never over an existing one) instead of stdout.")
@click.pass_context
def case_new(ctx: click.Context, stage: str, strand: str, output: Path | None) -> None:
    """Write a commented case skeleton to fill in.

    Every value to write says FILL IN; `reflect case validate FILE` lists what is still left.
    """
    from assistant.render import RenderError
    from assistant.trainer import skeleton

    try:
        text = skeleton(stage, strand, _paths(ctx).casebank)
    except RenderError as exc:
        fail(str(exc))
    if output is None:
        echo(text, nl=False)
        return
    _write_new(output, text)
    echo(f"Wrote {output}: fill it in, rename it to its id, then run `reflect case validate {output}`.")


@case.command(name="import", context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the case to this file, or to ID.yaml in this folder (never over an existing "
                   "file), instead of stdout.")
@click.pass_context
def case_import(ctx: click.Context, file: Path, output: Path | None) -> None:
    """Turn a case illustration written as plain text into a case YAML.

    FILE is text copied from a web page or a document, with headed sections (case summary,
    inspector comments, important learning, take-aways). Anything not found becomes a FILL IN
    placeholder and is listed on stderr, one line each, and so is every block of the text that
    went into no field (with its line number); themes are suggested by similarity to the theme
    descriptions and should be reviewed.
    """
    from assistant.search import ModelUnavailable
    from assistant.trainer import import_text

    try:
        raw = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: cannot read ({exc.strerror or exc})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        echo(f"reflect: {file} is not UTF-8; read it as Windows-1252: check the accents", err=True)
    paths = _paths(ctx)
    embedder = _embedder(paths)
    embedder.preload()  # the model loads while the bank does
    bank = _load_bank(paths)
    try:
        result = import_text(text, bank.themes, embedder)
    except ModelUnavailable as exc:
        fail(str(exc))
    if not result.found_sections:
        fail(f"{file}: found no case sections (Case summary, Inspector comments, Important learning, Take-aways)")
    for message in result.messages:
        echo(f"reflect: {message}", err=True)
    if output is None:
        echo(result.yaml_text, nl=False)
        return
    target = output / f"{result.case_id}.yaml" if output.is_dir() else output
    _write_new(target, result.yaml_text)
    left = sum("fill in" in m for m in result.messages)
    echo(f"Wrote {target}" + (f": {left} thing(s) to fill in." if left else ".")
               + f" Then run `reflect case validate {target}`.")


def _write_new(path: Path, text: str) -> None:
    """Create `path` with `text`; an existing file is never overwritten."""
    try:
        with open(path, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except FileExistsError:
        fail(f"{path}: already exists; choose another name, or move the old file away first")
    except OSError as exc:
        fail(f"{path}: cannot write ({exc.strerror or exc})")


# --- eval -------------------------------------------------------------------------------

@cli.command(name="eval", context_settings=CONTEXT)
@click.argument("qrels", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def eval_command(ctx: click.Context, qrels: Path, as_json: bool) -> None:
    """Retrieval quality against judged queries: nDCG@5, Recall@5 and MRR per search mode."""
    from assistant.search.evaluate import evaluate, load_qrels

    paths = _paths(ctx)
    bank = _load_bank(paths)
    judged, problems = load_qrels(qrels, {c.id for c in bank.cases})
    for problem in problems:
        echo(str(problem), err=True)
    if problems:
        fail(f"{len(problems)} problem(s) in {qrels}")
    engine = _case_search(paths, bank)
    _ensure_index(engine)
    from assistant.search.evaluate import by_class

    depth = max(20, len(bank.cases))
    ranked: dict[tuple[str, str], list[str]] = {}

    def rank(q: str, mode: str) -> list[str]:
        if (q, mode) not in ranked:
            ranked[(q, mode)] = [h.case.id for h in engine.search(q, k=depth, mode=mode)]
        return ranked[(q, mode)]

    modes = ("lexical", "dense", "hybrid")
    scores = evaluate(judged, rank, modes)
    classes = {name: evaluate(group, rank, modes) for name, group in by_class(judged).items()}

    def as_dict(rows):
        return {s.mode: {"ndcg@5": round(s.ndcg, 4), "recall@5": round(s.recall, 4), "mrr": round(s.mrr, 4)}
                for s in rows}

    if as_json:
        doc = {"queries": len(judged), "cases": len(bank.cases), "modes": as_dict(scores)}
        if classes:
            doc["classes"] = {name: {"queries": len(by_class(judged)[name]), "modes": as_dict(rows)}
                              for name, rows in classes.items()}
        echo(dumps(doc, indent=2))
        return
    from assistant.cli import report

    report.eval_table(scores, len(judged), len(bank.cases))
    for name, rows in classes.items():
        report.eval_table(rows, len(by_class(judged)[name]), len(bank.cases), title=f"class '{name}'")


# --- sessions ---------------------------------------------------------------------------

@cli.group(context_settings=CONTEXT)
def sessions() -> None:
    """Past reflections and group sessions: list, search, show, export, delete."""


def _services(ctx: click.Context, *, write: bool):
    """The sessions commands' services; `write=False` opens the store read-only (no lock needed)."""
    from assistant.services import Services

    services = Services(_paths(ctx), embedder=ctx.meta.get(SHARED_EMBEDDER), write=write, strict=True)
    services.store  # opened now, so a damaged or unwritable folder is reported before anything else
    ctx.call_on_close(services.close)  # a closed store leaves no -wal or -shm behind
    return services


def _store_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Report a busy, damaged or unwritable session store as one line (exit 1), never a traceback."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        from assistant.store import StoreError

        try:
            command(*args, **kwargs)
        except StoreError as exc:
            fail(str(exc))
    return wrapper


def _session_or_fail(services: Any, session_id: str):
    from assistant.store import AmbiguousId

    try:
        session = services.store.get_session(session_id)
    except AmbiguousId as exc:
        fail(f"'{session_id}' matches more than one session ({', '.join(exc.matches)}): give more of the id")
    if session is None:
        fail(f"no session '{session_id}' (see `reflect sessions list`)")
    return session


@sessions.command(name="list", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="One JSON array on stdout.")
@click.pass_context
@_store_errors
def sessions_list(ctx: click.Context, as_json: bool) -> None:
    """Every session, newest first."""
    services = _services(ctx, write=False)
    rows = services.store.list_sessions()
    if as_json:
        echo(dumps([{"id": s.id, "kind": s.kind, "status": s.status, "title": s.title, "flow": s.flow,
                     "strand": s.strand, "stage": s.stage, "created_at": s.created_at,
                     "finished_at": s.finished_at, "first_answer": s.first_answer} for s in rows],
                   ensure_ascii=False, indent=2))
        return
    from assistant.cli import report

    report.sessions_table(rows)


@sessions.command(name="search", context_settings=CONTEXT)
@click.argument("text")
@click.option("--case", "case_ref", metavar="REF", help="Only sessions about this case reference (any letter case).")
@click.option("--stage", type=click.Choice(STAGES), help="Only sessions at this stage of the work.")
@click.option("--since", metavar="DATE", help="Only sessions started on or after DATE (YYYY-MM-DD).")
@click.option("--open-actions", is_flag=True, help="Only sessions with actions still open (or carried on).")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON array on stdout: {session, date, kind, stage, title, case, where, line} per match.")
@click.pass_context
@_store_errors
def sessions_search(ctx: click.Context, text: str, case_ref: str | None, stage: str | None, since: str | None,
                    open_actions: bool, as_json: bool) -> None:
    """Past sessions whose answers, titles or actions hold every word of TEXT, with the matching line.

    Answers are matched by word, as a search engine does ("reflected" finds "reflecting");
    titles and actions by the letters of each word. Newest sessions first; within one, its
    answers, then its actions, then its title. Quotes, `*` and the like are plain text.

    \b
    Examples:
      reflect sessions search "county lines"
      reflect sessions search school --stage planning --since 2026-09-01
      reflect sessions search exclusion --case YJ-2026-0113 --open-actions --json
    """
    if not text.strip():
        raise Misuse("TEXT is empty: give a word to look for")
    if case_ref is not None and not case_ref.strip():
        raise Misuse("--case is empty: give a case reference, or leave --case out")
    services = _services(ctx, write=False)
    matches = services.store.search_sessions(text, stage=stage, since=_since(since), case=case_ref,
                                             open_actions=open_actions)
    if as_json:
        echo(dumps([_match_json(m) for m in matches], indent=2))
        return
    from assistant.cli import report

    report.session_matches_table(text, matches)


def _since(value: str | None):
    """The --since date, or one line and exit 2."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Misuse(f"--since: '{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-09-01") from None


def _match_json(match: Any) -> dict[str, Any]:
    s = match.session
    case_ref = s.meta.get("case_ref")
    return {"session": s.id, "date": s.created_at[:10], "kind": s.kind, "stage": s.stage, "title": s.title,
            "case": None if case_ref is None else str(case_ref), "where": match.where, "line": match.line}


@sessions.command(name="show", context_settings=CONTEXT)
@click.argument("session_id")
@click.pass_context
@_store_errors
def sessions_show(ctx: click.Context, session_id: str) -> None:
    """Print a session's log (Markdown) on stdout."""
    from assistant.services.export import render_session

    services = _services(ctx, write=False)
    session = _session_or_fail(services, session_id)
    echo(render_session(services.store, session.id, "md", services.flows, services.bank,
                        _existing_dir(services.user_templates)))


@sessions.command(name="export", context_settings=CONTEXT)
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "cpd", "supervision"]), default="md",
              show_default=True,
              help="md or html: the log. cpd: a Social Work England CPD entry, field by field, to paste into "
                   "the online form. supervision: a record for a supervision file (reflections only).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write (default: the data folder's logs/).")
@click.pass_context
@_store_errors
def sessions_export(ctx: click.Context, session_id: str, fmt: str, output: Path | None) -> None:
    """Write a session's log, CPD entry or supervision record, readable by you alone.

    Prints where it went. A CPD entry whose impact field would be empty is still written,
    with a warning on stderr.

    \b
    Examples:
      reflect sessions export 5c80f28c --format html
      reflect sessions export 5c80f28c --format cpd -o cpd-entry.txt
      reflect sessions export 5c80f28c --format supervision
    """
    from assistant.services.datadir import folder_problem, tidy
    from assistant.services.export import ExportRefused, export_session, export_warnings
    from assistant.render import RenderError

    services = _services(ctx, write=False)
    session = _session_or_fail(services, session_id)
    if output is None:
        problem = folder_problem(services.paths.data_dir) or folder_problem(services.paths.logs_dir)
        if problem:
            fail(f"{problem} (or export elsewhere with -o FILE)")
        tidy(services.paths)
    try:
        path = export_session(services.store, session.id, fmt, services.flows, services.bank,  # type: ignore[arg-type]
                              logs_dir=services.paths.logs_dir, out=output,
                              user_templates=_existing_dir(services.user_templates))
    except (RenderError, ExportRefused) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{output or services.paths.logs_dir}: cannot write ({exc.strerror or exc})")
    for warning in export_warnings(services.store, session.id, fmt, services.flows, services.bank):  # type: ignore[arg-type]
        echo(f"reflect: warning: {warning}", err=True)
    echo(str(path))


#: How long `sessions delete` waits for another program reading the store to let go (seconds).
SCRUB_WAIT = 30.0


@sessions.command(name="delete", context_settings=CONTEXT)
@click.argument("session_id")
@click.option("--yes", is_flag=True, help="Do not ask: delete the session and its exported logs in logs/.")
@click.pass_context
@_store_errors
def sessions_delete(ctx: click.Context, session_id: str, yes: bool) -> None:
    """Delete a session and everything in it (answers, pins, actions), and offer to delete its exported logs.

    The question is read from stdin whatever it is (a terminal, a pipe, a file); anything but
    yes, or no answer at all, keeps the session.
    """
    from assistant.outputsafe import clean

    services = _services(ctx, write=True)
    session = _session_or_fail(services, session_id)
    logs_dir = services.paths.logs_dir
    logs = services.exported_logs(session.id)
    remove_logs = yes
    if not yes:
        if not _confirm(f"Delete '{clean(session.title or session.id)}' and everything in it?"):
            fail(f"kept session {session.id}: nothing was deleted")
        remove_logs = bool(logs) and _confirm(
            f"Also delete its {len(logs)} exported log(s) in {logs_dir} ({', '.join(p.name for p in logs)})?")
    removed = services.delete_session(session.id, with_logs=remove_logs)
    if removed:
        echo(f"Deleted session {session.id} and its exported log(s): {', '.join(str(p) for p in removed)}.")
    else:
        kept = f" Its exported log(s) are kept: {', '.join(str(p) for p in logs)}." if logs else ""
        echo(f"Deleted session {session.id}.{kept}")
    if services.store.scrub_pending:
        echo(f"reflect: another program is reading {services.paths.database}; waiting up to {SCRUB_WAIT:g} s "
             "for it, so the deleted text leaves the file", err=True)
        if not services.store.finish_scrub(wait=SCRUB_WAIT):
            echo("reflect: the deleted text is still in the database file: close the other program "
                 "(another reflect?) and the next reflect command that saves removes it", err=True)


def _confirm(question: str) -> bool:
    """Ask on stderr and read the answer from stdin; end of input or anything but yes is no."""
    try:
        answer = click.confirm(question, default=False, err=True)
    except click.Abort:
        answer = False
        echo("", err=True)
    else:
        if not sys.stdin.isatty():
            echo("", err=True)  # a piped answer is not echoed: end the question's line
    return answer


def _existing_dir(path: Path) -> Path | None:
    return path if path.is_dir() else None


def main() -> None:
    cli(prog_name="reflect")


if __name__ == "__main__":
    main()
