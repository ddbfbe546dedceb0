"""The heavy half of one answer: coverage, the next probe and similar cases (model needed).

The app calls `after_answer` in a background worker once the answer is committed; the
result says what to show next. Nothing here touches the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.casebank.model import Expectation
from assistant.reflection.conversation import Conversation, Prompt
from assistant.reflection.coverage import CoverageChecker, Evidence
from assistant.search import CaseSearch, Hit

QUERY_WORDS = 160  # what the panel searched before it weighted the answers: the last words of them all


@dataclass
class AfterAnswer:
    prompt: Prompt
    hits: list[Hit] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)
    new: list[Evidence] = field(default_factory=list)  # what this answer seems to show
    nothing_left: bool = False  # every expectation is covered or was asked about


class Reflector:
    def __init__(self, conversation: Conversation, search: CaseSearch, coverage: CoverageChecker) -> None:
        self.conversation = conversation
        self.search = search
        self.coverage = coverage

    def update_coverage(self, text: str, turn_id: int | None) -> list[Evidence]:
        """Suggest the expectations this text shows; returns the new suggestions with their evidence."""
        store, sid = self.conversation.store, self.conversation.session.id
        new = []
        for evidence in self.coverage.assess(text):
            if store.mark_covered(sid, evidence.expectation, turn_id, sentence=evidence.sentence,
                                  score=evidence.score):
                new.append(evidence)
        return new

    def reassess(self, turn_id: int, text: str) -> list[Evidence]:
        """An answer was edited: its unconfirmed marks go, and it is read again."""
        self.conversation.store.drop_suggestions(self.conversation.session.id, turn_id)
        return self.update_coverage(text, turn_id)

    def done(self) -> set[str]:
        conversation = self.conversation
        return conversation.store.covered(conversation.session.id) | set(conversation.probes_asked())

    def probe_candidate(self, last_answer: str) -> Expectation | None:
        return self.coverage.next_probe(last_answer, self.done())

    def similar_cases(self, *, widen: bool = False, k: int = 3) -> list[Hit]:
        """The cases most like the reflection so far, the latest answer weighted most.

        Within the reflection's stage, plus a case from another stage when it matches clearly
        better than the stage's best (flagged `other_stage`); every stage with `widen`. Each hit
        carries its passage and the themes it shares with what was written (`Hit.shares`).
        """
        answers = self.conversation.answers()
        if not any(a.strip() for a in answers):
            return []
        stage = None if widen else self.conversation.session.stage
        return self.search.search_answers(answers, k=k, stage=stage)

    def after_answer(self, text: str, turn_id: int | None, *, widen: bool = False) -> AfterAnswer:
        """Coverage for the new answer, then the next prompt (maybe a probe), then cases."""
        new = self.update_coverage(text, turn_id) if text else []
        probe = self.probe_candidate(text)
        prompt = self.conversation.advance(probe)
        hits = self.similar_cases(widen=widen)
        covered = self.conversation.store.covered(self.conversation.session.id)
        left = {e.id for e in self.conversation.expectations} - self.done()
        return AfterAnswer(prompt, hits, covered, new, nothing_left=not left)


def pin_reason(hit: Hit, number: int) -> str:
    """Why a pinned case was shown, for the log: its rank, its stage if another, shared themes."""
    reason = f"Ranked {number} of the cases most like your reflection so far"
    if hit.other_stage:
        reason += f"; from the {hit.case.stage_label.lower()} stage, a closer match than this stage's cases"
    if hit.shares:
        reason += f"; shares {', '.join(hit.shares)}"
    return reason
