"""The similar-cases panel's search: the query from the conversation (the latest answer weighted
most), the case from another stage, and the themes a case shares with what was written."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search.panel import OTHER_STAGE_MARGIN, answer_weights, combine, other_stage
from assistant.search.themes import ThemeScore, shared

EXPLOITED_GIRL = "girl in a children's home keeps running off and nicking designer stuff, an older bloke picks her up in a car"
EXPLOITED = {"shannon-assessment-exploitation-foster-care", "demi-implementation-safety-residential-home",
             "leah-planning-missing-exploitation", "esme-review-missing-episodes",
             "paige-implementation-sexual-exploitation"}
AUTISTIC_LAD = "autistic lad with an EHCP sent nasty threats on Snapchat to a boy who'd been winding him up"
AUTISM = {"ibrahim-assessment-autism-online", "ayaan-review-caution-autism", "finn-assessment-school-threats-online"}


# --- weighting the answers ------------------------------------------------------------------

def test_the_latest_answer_weighs_most_and_earlier_ones_decay() -> None:
    assert answer_weights(0) == [] and answer_weights(1) == [1.0]
    weights = answer_weights(4, latest=3.0, decay=0.5)
    assert weights == [0.25, 0.5, 1.0, 3.0]
    assert weights[-1] == max(weights) and weights == sorted(weights)


def test_the_combined_vector_is_unit_length_and_leans_to_the_heaviest() -> None:
    earlier, latest = np.eye(3, dtype=np.float32)[:2]
    v = combine(np.stack([earlier, latest]), [1.0, 3.0])
    assert np.isclose(np.linalg.norm(v), 1.0)
    assert v @ latest > v @ earlier > 0


def test_weighted_bm25_is_bm25_of_the_joined_text_with_terms_counted_by_weight(case_search) -> None:
    lexical = case_search.searcher.lexical
    a, b = "county lines and drug debt", "his mum works nights"
    assert np.allclose(lexical.weighted_scores([a, b], [1.0, 1.0]), lexical.scores(a + "\n" + b), atol=1e-4)
    assert np.allclose(lexical.weighted_scores([a, b], [0.0, 2.0]), 2 * lexical.scores(b), atol=1e-4)
    assert np.isclose(lexical.weighted_attainable([a, b], [1.0, 1.0]), lexical.attainable(a + "\n" + b), rtol=1e-4)


def test_the_latest_answer_decides_what_the_panel_finds(case_search) -> None:
    """The same two answers in either order: the panel follows whichever came last."""
    def top(answers, **kw) -> set[str]:
        return {h.case.id for h in case_search.search_answers(answers, k=5, **kw)}

    girl, lad = top([EXPLOITED_GIRL]), top([AUTISTIC_LAD])
    girl_last, lad_last = top([AUTISTIC_LAD, EXPLOITED_GIRL]), top([EXPLOITED_GIRL, AUTISTIC_LAD])
    assert len(girl_last & girl) >= 3 > len(girl_last & lad), (girl_last, girl, lad)
    assert len(lad_last & lad) >= 3 > len(lad_last & girl), (lad_last, girl, lad)
    assert EXPLOITED & girl_last and not AUTISM & girl_last
    assert AUTISM & lad_last and not EXPLOITED & lad_last
    # with equal weights (and the latest answer not read clause by clause as well) the order does
    # not matter: the weighting is what decides
    assert top([AUTISTIC_LAD, EXPLOITED_GIRL], latest=1.0, latest_clauses=False) == \
        top([EXPLOITED_GIRL, AUTISTIC_LAD], latest=1.0, latest_clauses=False)


def test_each_answer_is_embedded_once(case_search, monkeypatch) -> None:
    calls: list[str] = []
    encode_one = case_search.embedder.encode_one

    def counting(text: str):
        calls.append(text)
        return encode_one(text)

    monkeypatch.setattr(case_search.embedder, "encode_one", counting)
    answers = ["A first answer about a boy who was excluded (test_panel).",
               "A second answer: he is carrying a knife for protection (test_panel)."]
    case_search.search_answers(answers[:1], stage="planning")
    case_search.search_answers(answers, stage="planning")
    case_search.search_answers(answers, stage="review")
    assert calls == answers


def test_one_long_answer_is_read_clause_by_clause_as_reflect_search_reads_it(case_search) -> None:
    answer = ("He was permanently excluded in the spring and has been going missing for days. Police found "
              "him in a flat in another county with cash and two phones, and older boys from his estate have "
              "drawn him into county lines.")
    panel = case_search.search_answers([answer], k=5, stage="planning", margin=None)
    shell = case_search.search(answer, k=5, stage="planning")
    assert [h.case.id for h in panel] == [h.case.id for h in shell]
    assert np.allclose([h.score for h in panel], [h.score for h in shell], atol=1e-4)
    whole = case_search.search_answers([answer], k=5, stage="planning", margin=None, latest_clauses=False)
    assert not np.allclose([h.score for h in whole], [h.score for h in panel], atol=1e-4)


def test_empty_answers_find_nothing(case_search) -> None:
    assert case_search.search_answers([]) == [] and case_search.search_answers(["  ", ""]) == []


# --- the case from another stage --------------------------------------------------------------

def test_another_stage_is_added_only_when_clearly_better() -> None:
    same = np.array([True, True, False, False])
    assert other_stage(np.array([0.50, 0.40, 0.65, 0.30], np.float32), same, 0.1) == 2
    assert other_stage(np.array([0.50, 0.40, 0.55, 0.30], np.float32), same, 0.1) is None, "better, not clearly"
    assert other_stage(np.array([0.50, 0.40, 0.30, 0.62], np.float32), same, 0.1) == 3
    assert other_stage(np.array([0.70, 0.40, 0.65, 0.30], np.float32), same, 0.0) is None, "the stage's best wins"
    assert other_stage(np.array([0.5, 0.4], np.float32), np.array([True, True]), 0.1) is None, "no other stage"
    assert other_stage(np.array([-np.inf, -np.inf, 0.9, 0.3], np.float32), same, 0.1) is None, "nothing of the stage"
    assert 0.0 < OTHER_STAGE_MARGIN < 0.5


def test_the_panel_keeps_its_stage_and_adds_a_clearly_better_case_marked(case_search) -> None:
    """A reflection at the planning stage about a case the bank has at the review stage."""
    answers = ["Police have shared intelligence that my sixteen year old might be holding a gun for the people "
               "exploiting him, and his next review is two months away."]
    hits = case_search.search_answers(answers, k=3, stage="planning", margin=0.0)
    own, extra = hits[:3], hits[3:]
    assert len(own) == 3 and all(h.case.stage == "planning" and not h.other_stage for h in own)
    assert len(extra) == 1 and extra[0].other_stage and extra[0].case.stage != "planning"
    assert extra[0].snippet in " ".join(extra[0].case.full_text().split())
    everything = [h.case.id for h in case_search.search_answers(answers, k=1)]
    assert extra[0].case.id == everything[0], "the extra case is the best of the whole bank"
    assert case_search.search_answers(answers, k=3, stage="planning", margin=None) == own
    assert len(case_search.search_answers(answers, k=3, stage="planning", margin=10.0)) == 3


# --- the themes it shares ----------------------------------------------------------------------

def test_shared_themes_are_the_cases_own_in_the_writings_order() -> None:
    about = [ThemeScore("exploitation", 0.4, 1.2, True), ThemeScore("education", 0.3, 0.9),
             ThemeScore("family", 0.2, 0.3)]
    assert shared(about, ("family", "exploitation", "peers")) == ("exploitation", "family")
    assert shared(about, ("peers",)) == ()


@pytest.mark.parametrize("text, theme", [
    ("He has been drawn into county lines and owes money to the older boys.", "exploitation"),
    ("She is a care leaver and her foster placement broke down in the summer.", "care"),
    ("He has been excluded from school and is on a part-time timetable.", "education"),
])
def test_what_a_reflection_is_about(case_search, text, theme) -> None:
    about = case_search.themes.about([text], case_search.vectors([text]))
    assert theme in [s.id for s in about]


def test_every_hit_says_which_themes_it_shares(case_search) -> None:
    answers = ["I'm planning the work with a fifteen-year-old lad after his exclusion from school.",
               "He has been drawn into county lines: older boys send him to another town to sell drugs."]
    hits = case_search.search_answers(answers, k=3, stage="planning")
    assert hits and all(set(h.shares) <= set(h.case.themes) for h in hits)
    assert any("exploitation" in h.shares for h in hits)
