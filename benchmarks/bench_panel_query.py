"""The similar-cases panel: its query from the conversation, the other-stage rule, the shared themes.

Quality, not time. Multi-answer reflections are composed from judged queries, each query's
judged cases staying the target:

- "other case earlier": an answer about a different judged query (no case judged for both),
  then the query itself as the latest answer;
- "vague earlier": a vague sentence (supervision talk with nothing of the case), then the query;
- "three answers": another query's text, a vague sentence, then the query;
- "same case, split": the query cut in two near its middle (at a sentence end or a comma where
  there is one), the first half earlier: the latest answer carries only part of the signal, the
  one class where weighting the latest answer can only lose.

The tuning set is composed this way from casebank/judged/qrels.yaml (its vague sentences its own),
and every choice (the latest answer's weight, the other-stage margin, the theme threshold) is
made on it; the held-out set is composed from the dilemmas of tests/data/queries_heldout_2.yaml
and only reported.

    python benchmarks/bench_panel_query.py [--quick]
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from _common import ROOT, console, header, parse_args, table

HELDOUT = ROOT / "tests" / "data" / "queries_heldout_2.yaml"
QRELS = ROOT / "casebank" / "judged" / "qrels.yaml"

VAGUE_TUNING = (
    "Today in supervision we looked at the plan and talked it all through. It was really useful.",
    "I have been thinking about this one a lot since our last session.",
    "It has been a busy few weeks and I have not had as much time with him as I wanted.",
    "My manager and I went over the paperwork together and I feel a bit clearer now.",
    "I am not sure I did everything right, but I tried my best with what I had.",
    "We had a team meeting about it and everyone had a view.",
    "Honestly it has been a hard case to get my head around.",
    "I wrote it up on Friday and sent it off for countersigning.",
)
VAGUE_HELDOUT = (
    "I keep going back and forth on this one and wanted to talk it through.",
    "Supervision was helpful this week; we went through the whole file.",
    "There is a lot going on and I am trying to keep on top of it all.",
    "I think the work is going okay overall, though it is early days.",
    "I spoke to a colleague about it over lunch and it helped to say it out loud.",
    "The deadline is next week so I need to get my thoughts in order.",
    "I am still finding my feet with cases like this.",
    "It felt like a useful conversation, even if nothing was decided.",
)

CLASSES = ("other case earlier", "vague earlier", "three answers", "same case, split")
WEIGHTS = (1.0, 2.0, 3.0, 5.0)


@dataclass(frozen=True)
class Conversation:
    kind: str
    answers: tuple[str, ...]  # oldest first
    relevant: dict[str, int]


def load(path, known: set[str], kind: str | None = None):
    from assistant.search.evaluate import load_qrels

    judged, problems = load_qrels(path, known)
    assert not problems, problems
    return [q for q in judged if kind is None or q.kind == kind]


def split(text: str) -> tuple[str, str]:
    """The text in two near its middle: at a sentence end, else a comma, else a space."""
    middle = len(text) / 2
    for pattern in (r"(?<=[.!?])\s+", r",\s+", r"\s+"):
        cuts = [m for m in re.finditer(pattern, text) if 0.2 * len(text) < m.start() < 0.8 * len(text)]
        if cuts:
            cut = min(cuts, key=lambda m: abs(m.start() - middle))
            return text[:cut.start()].strip(" ,"), text[cut.end():].strip()
    words = text.split()
    return " ".join(words[:len(words) // 2]), " ".join(words[len(words) // 2:])


def compose(judged, vague: Sequence[str], seed: str) -> list[Conversation]:
    out = []
    for i, q in enumerate(judged):
        rng = random.Random(f"{seed}:{i}")
        others = [o for o in judged if o is not q and not set(o.relevant) & set(q.relevant)]
        others = others or [o for o in judged if o is not q]
        other, third = rng.sample(others, 2)
        out.append(Conversation(CLASSES[0], (other.text, q.text), q.relevant))
        out.append(Conversation(CLASSES[1], (rng.choice(vague), q.text), q.relevant))
        out.append(Conversation(CLASSES[2], (third.text, rng.choice(vague), q.text), q.relevant))
        out.append(Conversation(CLASSES[3], split(q.text), q.relevant))
    return out


# --- the query ------------------------------------------------------------------------------

def methods(search) -> dict[str, Callable[[Sequence[str], int], list[str]]]:
    """Each way of turning the answers into a ranking of case ids (all stages, no filter)."""
    from assistant.reflection.reflector import QUERY_WORDS
    from assistant.search.panel import LATEST_WEIGHT, answer_weights, combine

    searcher = search.searcher

    def one_text(text: str, k: int) -> list[str]:
        return [h.case.id for h in searcher.search(text, search.vectors([text])[0], k=k)]

    def joined(answers, k):  # what the panel searched before: the last QUERY_WORDS words of all answers
        return one_text(" ".join("\n".join(answers).split()[-QUERY_WORDS:]), k)

    def latest(answers, k):
        return one_text(answers[-1], k)

    def weighted(w: float, lexical_weighted: bool = True, latest_clauses: bool = False):
        def rank(answers, k):
            if lexical_weighted:  # as the panel searches (the margin off: one list, all stages)
                return [h.case.id for h in search.search_answers(answers, k=k, latest=w, margin=None,
                                                                 latest_clauses=latest_clauses)]
            weights = answer_weights(len(answers), w)
            vector = combine(search.vectors(list(answers)), weights)
            everything = np.ones(len(searcher.cases), dtype=bool)
            scored = searcher.score(list(answers), [1.0] * len(answers), vector, everything)
            return [searcher.cases[i].id for i in np.argsort(-scored.score, kind="stable")[:k]]
        return rank

    out = {"joined text (before)": joined, "latest answer only": latest}
    for w in WEIGHTS:
        out[f"weighted, latest ×{w:g}"] = weighted(w)
    out["weighted ×2 dense, BM25 of all unweighted"] = weighted(2.0, lexical_weighted=False)
    for w in (LATEST_WEIGHT,):
        out[f"weighted, latest ×{w:g}, + latest answer's clauses"] = weighted(w, latest_clauses=True)
    return out


def ndcg_table(title: str, convs: Sequence[Conversation], ranks, chosen: str | None = None):
    from assistant.search.evaluate import ndcg_at

    t = table(title, caption=f"nDCG@5 over all stages (no stage filter); {len(convs)} conversations. "
                             + (f"Chosen on the tuning set: {chosen}." if chosen else ""))
    t.add_column("method")
    for kind in CLASSES:
        t.add_column(f"{kind} ({sum(c.kind == kind for c in convs)})", justify="right")
    t.add_column("all", justify="right")
    means: dict[str, float] = {}
    for name, rank in ranks.items():
        per = {kind: [] for kind in CLASSES}
        for c in convs:
            per[c.kind].append(ndcg_at(rank(c.answers, 5), c.relevant))
        every = [x for xs in per.values() for x in xs]
        means[name] = float(np.mean(every))
        mark = " ◀" if name == chosen else ""
        t.add_row(name + mark, *[f"{np.mean(per[k]):.3f}" for k in CLASSES], f"{means[name]:.3f}")
    console.print(t)
    return means


# --- the other-stage rule -------------------------------------------------------------------

MARGINS = (0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4)


@dataclass(frozen=True)
class StageTrial:
    diff: float  # best other-stage score less the best same-stage score (all stages scored together)
    same_grade: int  # judged grade of the stage's best case
    other_grade: int  # and of the best other-stage case


def stage_trials(search, convs: Sequence[Conversation], latest: float) -> list[StageTrial]:
    """Every conversation as a reflection at each of the four stages."""
    from assistant.casebank.model import STAGES

    searcher = search.searcher
    everything = np.ones(len(searcher.cases), dtype=bool)
    stages = np.array([c.stage for c in searcher.cases])
    out = []
    for c in convs:
        score = search.score_answers(c.answers, everything, latest=latest).fused  # as the panel compares
        for stage in STAGES:
            same = stages == stage
            s = int(np.flatnonzero(same)[np.argmax(score[same])])
            o = int(np.flatnonzero(~same)[np.argmax(score[~same])])
            out.append(StageTrial(float(score[o] - score[s]),
                                  c.relevant.get(searcher.cases[s].id, 0), c.relevant.get(searcher.cases[o].id, 0)))
    return out


def margin_table(title: str, trials: Sequence[StageTrial], chosen: float | None = None) -> dict[float, float]:
    t = table(title, caption=(
        f"{len(trials)} trials: each conversation as a reflection at each stage. 'better': the added case is "
        "judged more relevant than the stage's best case (the rule's purpose); 'relevant': judged relevant at "
        "all. Precision over the trials where the rule adds a case, recall over those where the best other-"
        "stage case is better. F0.5 weighs precision twice: a wrong extra card costs the reader attention."
        + (f" Chosen on the tuning set: {chosen:g}." if chosen is not None else "")))
    for col in ("margin", "adds a case", "precision (better)", "precision (relevant)", "recall (better)", "F0.5"):
        t.add_column(col, justify="right")
    better_total = sum(tr.other_grade > tr.same_grade for tr in trials)
    f_by: dict[float, float] = {}
    for m in MARGINS:
        fired = [tr for tr in trials if tr.diff >= m]
        better = sum(tr.other_grade > tr.same_grade for tr in fired)
        p = better / len(fired) if fired else 0.0
        p_rel = sum(tr.other_grade >= 1 for tr in fired) / len(fired) if fired else 0.0
        r = better / better_total if better_total else 0.0
        f = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
        f_by[m] = f
        t.add_row(f"{m:g}" + (" ◀" if m == chosen else ""), f"{len(fired) / len(trials):.0%}", f"{p:.2f}",
                  f"{p_rel:.2f}", f"{r:.2f}", f"{f:.3f}")
    console.print(t)
    return f_by


# --- the themes a reflection shares with a case ---------------------------------------------

THRESHOLDS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
STEMS = (1, 2, 3)


def truth(q, cases) -> set[str]:
    """The proxy for what a judged query is about: the themes of at least half its highly
    relevant cases (of all its judged cases when none is graded 2)."""
    top = [cid for cid, g in q.relevant.items() if g == 2] or list(q.relevant)
    counts: dict[str, int] = {}
    for cid in top:
        for t in cases[cid].themes:
            counts[t] = counts.get(t, 0) + 1
    return {t for t, n in counts.items() if n >= len(top) / 2}


def theme_table(title: str, search, judged, chosen: float | None = None) -> dict[float, float]:
    from assistant.search.themes import MAX_THEMES

    cases = {c.id: c for c in search.bank.cases}
    matcher, lexical = search.themes, search.searcher.lexical
    truths = [truth(q, cases) for q in judged]
    vectors = search.vectors([q.text for q in judged])
    t = table(title, caption=(
        f"{len(judged)} queries, each one text. Truth (a proxy): the themes of at least half of the query's "
        "highly relevant cases, "
        f"{np.mean([len(x) for x in truths]):.1f} a query; those include themes a query never mentions, so "
        f"recall is low for every method. Dense: the text's best {MAX_THEMES} themes whose z-score reaches the "
        "threshold (assistant/search/themes.py); phrases: themes with a phrase of their description (two stems "
        "in a row) in the text. Lexical: themes whose label and description share at least n stems with the "
        "text. F0.5 weighs precision twice: the card names what it claims."
        + (f" Chosen on the tuning set: z ≥ {chosen:g}." if chosen is not None else "")))
    for col in ("method", "precision", "recall", "themes a query", "F0.5"):
        t.add_column(col, justify="left" if col == "method" else "right")

    def row(name: str, inferred: list[set[str]]) -> float:
        tp = sum(len(i & x) for i, x in zip(inferred, truths))
        fp = sum(len(i - x) for i, x in zip(inferred, truths))
        fn = sum(len(x - i) for i, x in zip(inferred, truths))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
        t.add_row(name, f"{p:.2f}", f"{r:.2f}", f"{(tp + fp) / len(judged):.1f}", f"{f:.3f}")
        return f

    f_by = {}
    for th in THRESHOLDS:
        row(f"dense, z ≥ {th:g}", [{s.id for s in matcher.about([q.text], [v], threshold=th, phrases=False)}
                                   for q, v in zip(judged, vectors)])
    for th in THRESHOLDS:
        inferred = [{s.id for s in matcher.about([q.text], [v], threshold=th)} for q, v in zip(judged, vectors)]
        f_by[th] = row(f"dense + phrases, z ≥ {th:g}" + (" ◀" if th == chosen else ""), inferred)
    row("phrases only", [matcher.phrase_themes(q.text) for q in judged])
    words = {tid: set(lexical.tokens(f"{th.label} {th.description}")) for tid, th in search.bank.themes.items()}
    for n in STEMS:
        row(f"lexical, ≥ {n} shared stems",
            [{tid for tid, w in words.items() if len(w & set(lexical.tokens(q.text))) >= n} for q in judged])
    console.print(t)
    return f_by


def cards_table(title: str, search, convs: Sequence[Conversation]) -> None:
    """What the panel shows for each conversation at its target's stage and at another stage."""
    from assistant.casebank.model import STAGES

    cases = {c.id: c for c in search.bank.cases}
    shown = with_shares = named = right = 0
    panels = {"own": 0, "other": 0}
    extra = {"own": 0, "other": 0}
    for i, c in enumerate(convs):
        target = max(c.relevant, key=c.relevant.get)
        own = cases[target].stage
        wanted = truth(Judged(c.relevant), cases)
        for where, stage in (("own", own), ("other", STAGES[(STAGES.index(own) + 1 + i % 3) % 4])):
            hits = search.search_answers(c.answers, k=3, stage=stage)
            panels[where] += 1
            extra[where] += sum(h.other_stage for h in hits)
            shown += len(hits)
            with_shares += sum(bool(h.shares) for h in hits)
            named += sum(len(h.shares) for h in hits)
            right += sum(len(set(h.shares) & wanted) for h in hits)
    t = table(title, caption=(
        "Each conversation as a reflection at its target case's stage ('own') and at one other stage "
        "(rotating); k=3 of the stage plus the other-stage rule. 'Right': a theme named on a card is in the "
        "truth of the theme table (the case shares it, so the measure is kind to the cards)."))
    for col in ("panels", "cards", "extra card (own stage)", "extra card (other stage)",
                "cards with a Shares line", "themes a card", "named themes right"):
        t.add_column(col, justify="right")
    t.add_row(f"{sum(panels.values())}", f"{shown}", f"{extra['own'] / max(panels['own'], 1):.0%}",
              f"{extra['other'] / max(panels['other'], 1):.0%}", f"{with_shares / max(shown, 1):.0%}",
              f"{named / max(shown, 1):.1f}", f"{right / max(named, 1):.0%}")
    console.print(t)


@dataclass(frozen=True)
class Judged:  # enough of evaluate.Judged for `truth`
    relevant: dict[str, int]


def best_within(scores: dict[float, float], tolerance: float, prefer) -> float:
    """Of the settings within `tolerance` of the best score, the one `prefer` picks (min or max)."""
    top = max(scores.values())
    return prefer(k for k, v in scores.items() if v >= top - tolerance)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    header("bench_panel_query: the similar-cases panel", args.quick)
    from assistant.casebank import load_bank
    from assistant.search import CaseSearch, Embedder, panel, themes

    bank = load_bank(ROOT / "casebank")
    search = CaseSearch(bank, ROOT / "embeddings", Embedder())
    known = {c.id for c in bank.cases}
    tuning_q = load(QRELS, known)
    heldout_q = load(HELDOUT, known, "dilemma")
    if args.quick:
        tuning_q, heldout_q = tuning_q[:40], heldout_q[:20]
    tuning = compose(tuning_q, VAGUE_TUNING, "tuning")
    heldout = compose(heldout_q, VAGUE_HELDOUT, "heldout")

    # 1. The query: the latest answer's weight, chosen on the tuning set. Within 0.005 of the
    # best mean nDCG@5 the smallest weight wins: it loses least when the earlier answers are
    # about the same case (the "split" class), as a real reflection's answers mostly are.
    ranks = methods(search)
    means = ndcg_table("1. The panel's query: tuning set (conversations from casebank/judged/qrels.yaml)", tuning, ranks)
    weights = {w: means[f"weighted, latest ×{w:g}"] for w in WEIGHTS}
    latest = best_within(weights, 0.005, min)
    chosen = f"weighted, latest ×{latest:g}"
    console.print(f"Chosen on the tuning set: latest ×{latest:g} (the best mean, or the smallest weight within "
                  f"0.005 of it); panel.LATEST_WEIGHT = {panel.LATEST_WEIGHT:g}")
    with_clauses = f"weighted, latest ×{panel.LATEST_WEIGHT:g}, + latest answer's clauses"
    if means[with_clauses] > means[f"weighted, latest ×{panel.LATEST_WEIGHT:g}"] + 0.005:
        chosen = with_clauses
    console.print(f"Chosen on the tuning set: {chosen}; panel.LATEST_CLAUSES = {panel.LATEST_CLAUSES}")
    ndcg_table("1. The panel's query: held-out set (conversations from the held-out dilemmas), reported once",
               heldout, ranks, chosen)

    # 2. The other-stage margin, chosen on the tuning set by F0.5 (within 0.005: the larger margin).
    f_by = margin_table("2. Other-stage rule: tuning set", stage_trials(search, tuning, panel.LATEST_WEIGHT))
    margin = best_within(f_by, 0.005, max)
    console.print(f"Chosen on the tuning set: margin {margin:g}; panel.OTHER_STAGE_MARGIN = "
                  f"{panel.OTHER_STAGE_MARGIN:g}")
    margin_table("2. Other-stage rule: held-out set, reported once",
                 stage_trials(search, heldout, panel.LATEST_WEIGHT), panel.OTHER_STAGE_MARGIN)

    # 3. The themes a reflection is about, chosen on the tuning queries by F0.5 (within 0.005: the higher z).
    f_by = theme_table("3. Themes of what was written: tuning queries (casebank/judged/qrels.yaml)", search, tuning_q)
    threshold = best_within(f_by, 0.005, max)
    console.print(f"Chosen on the tuning set: z ≥ {threshold:g}; themes.THEME_Z = {themes.THEME_Z:g}")
    theme_table("3. Themes of what was written: held-out dilemmas, reported once", search, heldout_q,
                themes.THEME_Z)
    cards_table("4. What the panel shows: held-out conversations", search, heldout)


if __name__ == "__main__":
    main()
