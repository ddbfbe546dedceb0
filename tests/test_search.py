"""Search with the real model and the real bank: finding, filtering, snippets, the index cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import yaml

from assistant.casebank import load_bank
from assistant.search import CaseSearch
from assistant.search.chunks import chunk_case
from assistant.search.evaluate import evaluate, load_qrels
from assistant.search.index import MANIFEST, VECTORS, is_current
from assistant.textsafe import one_line

from conftest import DATA, JUDGED, ROOT


def test_committed_index_matches_the_bundled_bank(bank, embedder) -> None:
    current, reason = is_current(bank.cases, ROOT / "embeddings", embedder.id)
    assert current, f"embeddings/ is stale ({reason}): run `reflect index` and commit it"


def test_a_paraphrased_query_finds_its_case(case_search) -> None:
    query = "a 15 year old lass who keeps running off and is being used by older blokes"
    missing_girls = {"leah-planning-missing-exploitation", "demi-implementation-safety-residential-home",
                     "shannon-assessment-exploitation-foster-care", "paige-implementation-sexual-exploitation",
                     "esme-review-missing-episodes"}
    assert missing_girls & {h.case.id for h in case_search.search(query, k=5)}
    assert "leah-planning-missing-exploitation" in [h.case.id for h in case_search.search(query, k=5, mode="dense")]


def test_every_result_obeys_the_filters(case_search) -> None:
    hits = case_search.search("knife carrying and fear of other young people", k=10, stage="review")
    assert hits and all(h.case.stage == "review" for h in hits)
    hits = case_search.search("family", k=50, themes=["care", "trauma"])
    assert hits and all({"care", "trauma"} <= set(h.case.themes) for h in hits)
    hits = case_search.search("risk to others", k=50, strand="others-safety")
    assert hits and all(h.case.strand == "others-safety" for h in hits)


def test_filters_apply_before_ranking(case_search) -> None:
    """A filter returns k cases of that stage, not the filtered remains of a global top k."""
    hits = case_search.search("exploitation county lines", k=5, stage="assessment")
    assert len(hits) == 5


def test_snippet_is_text_of_the_case(case_search) -> None:
    for mode in ("hybrid", "dense", "lexical"):
        for hit in case_search.search("his mum was ill and he drank in the park", k=5, mode=mode):
            assert hit.snippet and hit.snippet in one_line(hit.case.full_text())


def test_results_are_best_first_and_scored(case_search) -> None:
    hits = case_search.search("child with autism who misunderstood the police", k=8)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and len(set(h.case.id for h in hits)) == len(hits)


def test_hybrid_search_quality(case_search, bank) -> None:
    judged, problems = load_qrels(JUDGED / "qrels.yaml", {c.id for c in bank.cases})
    assert problems == [] and len(judged) >= 24
    scores = {s.mode: s for s in evaluate(
        judged, lambda q, mode: [h.case.id for h in case_search.search(q, k=20, mode=mode)],
        ("lexical", "dense", "hybrid"))}
    print({m: round(s.ndcg, 3) for m, s in scores.items()})
    assert scores["hybrid"].ndcg >= 0.75  # measured 0.761 (coverage fusion with clauses; 0.720 with the agreement rule)
    assert scores["hybrid"].ndcg >= scores["lexical"].ndcg
    assert scores["hybrid"].ndcg >= scores["dense"].ndcg


def class_scores(case_search, bank, path) -> dict[str, dict[str, float]]:
    judged, problems = load_qrels(path, {c.id for c in bank.cases})
    assert problems == []
    out: dict[str, dict[str, float]] = {}
    for kind in sorted({j.kind for j in judged}):
        group = [j for j in judged if j.kind == kind]
        out[kind] = {s.mode: s.ndcg for s in evaluate(
            group, lambda q, mode: [h.case.id for h in case_search.search(q, k=20, mode=mode)],
            ("lexical", "dense", "hybrid"))}
    return out


def test_hybrid_beats_dense_and_lexical_on_every_tuning_class(case_search, bank) -> None:
    """What the fusion was chosen for (casebank/judged/queries_tuning.yaml: strict paraphrases, dilemmas)."""
    for kind, s in class_scores(case_search, bank, JUDGED / "queries_tuning.yaml").items():
        print(kind, {m: round(v, 3) for m, v in s.items()})
        assert s["hybrid"] >= max(s["dense"], s["lexical"]), kind


# The first held-out set, retired into tuning in stop 19 (queries_tuning_2.yaml): floors a little
# under stop 19's figures (dilemma 0.846, paraphrase 0.711 against dense 0.713, short 0.927).
TUNING_2_FLOORS = {"dilemma": 0.83, "paraphrase": 0.69, "short": 0.91}


def test_the_retired_held_out_classes_stay_above_their_floors(case_search, bank) -> None:
    for kind, s in class_scores(case_search, bank, JUDGED / "queries_tuning_2.yaml").items():
        print(kind, {m: round(v, 3) for m, v in s.items()})
        assert s["hybrid"] >= TUNING_2_FLOORS[kind], kind


# Held-out set 2 (tests/data/queries_heldout_2.yaml), run once after the fusion was chosen (stop 19):
# hybrid 0.884 / 0.657 / 0.907 against dense 0.768 / 0.600 / 0.787 and lexical 0.866 / 0.196 / 0.891.
# Floors a little under; nothing is tuned against these.
HELD_OUT_FLOORS = {"dilemma": 0.86, "paraphrase": 0.63, "short": 0.88}


def test_held_out_classes_stay_above_their_floors_and_hybrid_beats_both(case_search, bank) -> None:
    scores = class_scores(case_search, bank, DATA / "queries_heldout_2.yaml")
    assert set(scores) == set(HELD_OUT_FLOORS)
    for kind, s in scores.items():
        print(kind, {m: round(v, 3) for m, v in s.items()})
        assert s["hybrid"] >= HELD_OUT_FLOORS[kind], kind
        assert s["hybrid"] >= max(s["dense"], s["lexical"]), kind


def test_the_held_out_paraphrases_share_at_most_one_stem_with_their_target(case_search, bank) -> None:
    doc = yaml.safe_load((DATA / "queries_heldout_2.yaml").read_text(encoding="utf-8"))
    tokens = case_search.searcher.lexical.tokens
    paraphrases = [q for q in doc["queries"] if q["class"] == "paraphrase"]
    assert len(paraphrases) >= 20 and sum(q["class"] == "dilemma" for q in doc["queries"]) >= 40
    short = [q["text"] for q in doc["queries"] if q["class"] == "short"]
    assert len(short) >= 20 and all(3 <= len(t.split()) <= 8 for t in short)
    for q in paraphrases:
        shared = set(tokens(q["text"])) & set(tokens(bank.case(q["target"]).full_text()))
        assert len(shared) <= 1, (q["text"], shared)


# --- the index cache --------------------------------------------------------------------

def test_editing_one_case_re_embeds_only_its_changed_passages(small_bank: Path, embedder, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    first = CaseSearch(load_bank(small_bank), index_dir, embedder).update_index()
    assert first.embedded == 0 and first.reused > 0, "a copy of bundled cases reuses the committed vectors"

    path = sorted((small_bank / "cases").glob("*.yaml"))[1]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["inspector_comments"] += "\n\nA new closing paragraph that the inspector added later on reflection."
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    bank = load_bank(small_bank)
    edited = bank.case(data["id"])
    old = {c.text for c in chunk_case(load_bank(ROOT / "casebank").case(data["id"]))}
    changed = [c for c in chunk_case(edited) if c.text not in old]
    second = CaseSearch(bank, index_dir, embedder).update_index()
    assert 1 <= second.embedded == len(changed)
    assert second.reused == first.embedded + first.reused - len(old) + len(chunk_case(edited)) - len(changed)
    again = CaseSearch(bank, index_dir, embedder).update_index()
    assert again.embedded == 0


def test_a_corrupted_cache_is_rebuilt_not_trusted(small_bank: Path, embedder, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    first = CaseSearch(load_bank(small_bank), index_dir, embedder).update_index()
    raw = bytearray((index_dir / VECTORS).read_bytes())
    raw[-8:] = b"\x00\x01\x02\x03\x04\x05\x06\x07"
    (index_dir / VECTORS).write_bytes(bytes(raw))
    search = CaseSearch(load_bank(small_bank), index_dir, embedder)
    stats = search.update_index()
    assert "corrupt" in stats.rebuilt_reason and stats.embedded + stats.reused == first.embedded + first.reused
    assert is_current(search.bank.cases, index_dir, embedder.id)[0]
    assert np.allclose(np.linalg.norm(search.index.vectors, axis=1), 1.0, atol=1e-4), "no corrupt row survives"

    (index_dir / MANIFEST).write_text("{not json", encoding="utf-8")
    again = CaseSearch(load_bank(small_bank), index_dir, embedder).update_index()
    assert again.rebuilt_reason.startswith("unreadable index")


def test_a_trainers_bank_reuses_the_committed_vectors_and_embeds_only_its_own(small_bank: Path, embedder,
                                                                             tmp_path: Path) -> None:
    import yaml

    source = sorted((small_bank / "cases").glob("*.yaml"))[0]
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["id"] = "new-" + data["id"][:70]
    data["title"] = "A brand new title for a trainer's own case"
    (small_bank / "cases" / f"{data['id']}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    bank = load_bank(small_bank)
    stats = CaseSearch(bank, tmp_path / "own", embedder).update_index()
    new_passages = len(chunk_case(bank.case(data["id"])))
    assert stats.embedded == new_passages, "the new title changes every passage of the new case, nothing else"
    assert stats.reused == sum(len(chunk_case(c)) for c in bank.cases) - new_passages
    rebuilt = CaseSearch(bank, tmp_path / "own", embedder).update_index(rebuild=True)
    assert rebuilt.reused == 0 and rebuilt.embedded == len({k for c in bank.cases for k in
                                                            (p.key(c.title, embedder.id) for p in chunk_case(c))})


def test_a_deleted_case_leaves_no_vectors(small_bank: Path, embedder, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    CaseSearch(load_bank(small_bank), index_dir, embedder).update_index()
    victim = sorted((small_bank / "cases").glob("*.yaml"))[0]
    victim.unlink()
    search = CaseSearch(load_bank(small_bank), index_dir, embedder)
    stats = search.update_index()
    assert stats.embedded == 0
    import json

    manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    assert victim.stem not in manifest["cases"]
    vectors = np.load(index_dir / VECTORS)
    assert vectors.shape[0] == len(manifest["keys"]) == len(search.index.chunks)
    assert all(c.case_id != victim.stem for c in search.index.chunks)


def test_vectors_are_normalised_and_reused_exactly(small_bank: Path, embedder, tmp_path: Path) -> None:
    search = CaseSearch(load_bank(small_bank), tmp_path / "i", embedder)
    search.update_index()
    norms = np.linalg.norm(search.index.vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "i", copy)
    again = CaseSearch(load_bank(small_bank), copy, embedder)
    again.update_index()
    assert np.array_equal(again.index.vectors, search.index.vectors)


def test_bm25_on_its_absolute_scale_never_passes_what_the_query_could_attain(case_search) -> None:
    lexical = case_search.searcher.lexical
    for query in ("county lines", "girl missing from care with older men", "referral order panel victim apology"):
        attainable = lexical.attainable(query)
        scores = lexical.scores(query)
        assert attainable > 0 and float(scores.max()) <= attainable + 1e-4
        assert float(scores.max()) / attainable > 0.2
    assert lexical.attainable("zzqx wibble") == 0.0


def test_words_that_match_nothing_leave_the_dense_ranking_alone(case_search) -> None:
    query = "zzqx wibble frobnicate"  # no word in the bank: BM25 has no evidence at all
    searcher = case_search.searcher
    vector = case_search.embedder.encode_one(query)
    allowed = searcher.mask(None)
    scored = searcher.score((query,), (1.0,), vector, allowed, "hybrid")
    assert float(scored.lex.max()) == 0.0
    # Hybrid reads the adapted query vector; with no lexical evidence its score (before the
    # theme feedback) must be that vector's dense ranking, untouched by BM25.
    assert searcher.adapter is not None
    adapted, _ = searcher.dense_scores(searcher.adapter.apply(vector), allowed)
    assert list(np.argsort(-scored.fused)[:10]) == list(np.argsort(-adapted)[:10])
