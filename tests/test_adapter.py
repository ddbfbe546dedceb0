"""The query adapter (learnt from casebank/judged/) and the theme feedback, on the real bank."""

from __future__ import annotations

import numpy as np
import yaml

from assistant.casebank import load_bank
from assistant.search import CaseSearch
from assistant.search import adapter as query_adapter
from assistant.search.engine import Searcher
from assistant.search.evaluate import evaluate, load_qrels

from conftest import DATA, JUDGED, ROOT

HELDOUT_3 = DATA / "queries_heldout_3.yaml"


def test_the_committed_adapter_was_trained_on_the_judged_queries_and_this_index(case_search) -> None:
    assert query_adapter.judged_files(ROOT / "casebank") == sorted(JUDGED.glob("*.yaml"))
    assert case_search.searcher.adapter is not None, "embeddings/adapter.npz is stale: run `reflect index`"


def test_training_is_repeatable_and_moves_queries_towards_their_cases(case_search) -> None:
    index = case_search.index
    vectors = case_search.embedder.encode(["my lad keeps missing appointments and I sent a warning letter",
                                           "she comes home with new phones and money she cannot explain"])
    position = {cid: i for i, cid in enumerate(index.case_ids)}
    examples = [query_adapter.Example(vectors[0], {position["nia-implementation-missed-appointments"]: 2}),
                query_adapter.Example(vectors[1], {position["shannon-assessment-exploitation-foster-care"]: 2})]
    first = query_adapter.fit(examples, index.vectors, index.case_starts, rank=4, iterations=30)
    second = query_adapter.fit(examples, index.vectors, index.case_starts, rank=4, iterations=30)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    moved = query_adapter.Adapter(*first, key="", queries=2).apply(vectors)
    nia = index.vectors[index.case_starts[position["nia-implementation-missed-appointments"]]:
                        index.case_starts[position["nia-implementation-missed-appointments"] + 1]]
    assert float((nia @ moved[0]).max()) > float((nia @ vectors[0]).max())
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-5)


def test_an_edited_judged_file_leaves_the_old_adapter_unused(tmp_path, case_search) -> None:
    index = case_search.index
    judged = tmp_path / "judged"
    judged.mkdir()
    (judged / "mine.yaml").write_text("queries: []\n", encoding="utf-8")
    learnt = query_adapter.Adapter(np.zeros((384, 2), np.float32), np.zeros((384, 2), np.float32),
                                   query_adapter.key_for(index, [judged / "mine.yaml"]), queries=0)
    query_adapter.save(learnt, tmp_path)
    assert query_adapter.current(tmp_path, tmp_path, index) is not None
    (judged / "mine.yaml").write_text("queries: []  # edited\n", encoding="utf-8")
    assert query_adapter.current(tmp_path, tmp_path, index) is None
    assert query_adapter.current(tmp_path / "elsewhere", tmp_path, index) is None  # no judged/: none


def test_a_bank_without_judged_queries_has_no_adapter(small_bank, embedder, tmp_path) -> None:
    search = CaseSearch(load_bank(small_bank), tmp_path / "index", embedder)
    assert search.searcher.adapter is None
    assert search.train_adapter() == query_adapter.Outcome(0, 0, False)
    assert search.search("a boy who keeps missing appointments", k=2)


def test_dense_mode_stays_the_models_own_vectors(case_search, bank) -> None:
    plain = Searcher(bank.cases, case_search.index, adapter=None)
    query = "my girl keeps not turning up and I have already sent a warning"
    vector = case_search.embedder.encode_one(query)
    ours = case_search.searcher.search(query, vector, k=5, mode="dense")
    theirs = plain.search(query, vector, k=5, mode="dense")
    assert [(h.case.id, round(h.score, 6)) for h in ours] == [(h.case.id, round(h.score, 6)) for h in theirs]


def test_theme_feedback_keeps_the_best_case_first_and_lifts_its_neighbours(case_search, bank) -> None:
    query = "a boy with a learning disability who cannot follow the standard workbook"
    vector = case_search.embedder.encode_one(query)
    allowed = np.ones(len(bank.cases), dtype=bool)
    off = Searcher(bank.cases, case_search.index, adapter=case_search.searcher.adapter, theme_feedback=0.0)
    on = case_search.searcher
    before = off.score((query,), (1.0,), vector, allowed)
    after = on.score((query,), (1.0,), vector, allowed)
    best = int(np.argmax(before.score))
    assert int(np.argmax(after.score)) == best
    assert np.allclose(after.fused, before.score)
    themes = set(off.cases[best].themes)
    lift = after.score - before.score
    sharing = [i for i, c in enumerate(off.cases) if i != best and set(c.themes) & themes]
    strangers = [i for i, c in enumerate(off.cases) if not set(c.themes) & themes]
    assert sharing and all(lift[i] > 0 for i in sharing) and all(lift[i] == 0 for i in strangers)


# Held-out set 3 (tests/data/queries_heldout_3.yaml), written for stop 20 and run once after the
# adapter and the feedback were chosen by cross-validation on the tuning files:
# hybrid 0.877 / 0.751 / 0.906 against dense 0.683 / 0.575 / 0.783 and lexical 0.774 / 0.124 / 0.864
# (0.879 / 0.740 / 0.907 after the adapter was retrained for one reworded passage: the floors leave room).
HELD_OUT_3_FLOORS = {"dilemma": 0.85, "paraphrase": 0.72, "short": 0.88}


def test_held_out_3_classes_stay_above_their_floors_and_hybrid_beats_both(case_search, bank) -> None:
    judged, problems = load_qrels(HELDOUT_3, {c.id for c in bank.cases})
    assert problems == []
    for kind, floor in HELD_OUT_3_FLOORS.items():
        group = [j for j in judged if j.kind == kind]
        s = {r.mode: r.ndcg for r in evaluate(
            group, lambda q, mode: [h.case.id for h in case_search.search(q, k=20, mode=mode)],
            ("lexical", "dense", "hybrid"))}
        print(kind, {m: round(v, 3) for m, v in s.items()})
        assert s["hybrid"] >= floor, kind
        assert s["hybrid"] >= max(s["dense"], s["lexical"]), kind


def test_held_out_3_has_the_classes_the_issue_asks_for(case_search, bank) -> None:
    doc = yaml.safe_load(HELDOUT_3.read_text(encoding="utf-8"))
    tokens = case_search.searcher.lexical.tokens
    by_class = {k: [q for q in doc["queries"] if q["class"] == k] for k in ("dilemma", "paraphrase", "short")}
    assert len(by_class["dilemma"]) >= 40 and len(by_class["paraphrase"]) >= 20 and len(by_class["short"]) >= 20
    assert all(3 <= len(q["text"].split()) <= 8 for q in by_class["short"])
    for q in by_class["paraphrase"]:
        shared = set(tokens(q["text"])) & set(tokens(bank.case(q["target"]).full_text()))
        assert len(shared) <= 1, (q["text"], shared)
    assert not {q["text"] for q in doc["queries"]} & {q.text for p in JUDGED.glob("*.yaml")
                                                        for q in load_qrels(p, {c.id for c in bank.cases})[0]}


def test_judged_files_with_no_usable_query_leave_search_without_an_adapter_and_say_so(
        small_bank, tmp_path, invoke) -> None:
    judged = small_bank / "judged"
    judged.mkdir()
    (judged / "empty.yaml").write_text("queries: []\n", encoding="utf-8")
    (judged / "typo.yaml").write_text("queries:\n  - text: a boy who misses appointments\n"
                                      "    relevant: {no-such-case: 2}\n", encoding="utf-8")
    result = invoke("--casebank", str(small_bank), "--index-dir", str(tmp_path / "index"), "index")
    assert result.exit_code == 0, result.output
    assert "typo.yaml:3: queries[0].relevant: unknown case 'no-such-case'" in result.output
    assert "no usable judged query in" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "index" / query_adapter.ADAPTER_FILE).exists()
