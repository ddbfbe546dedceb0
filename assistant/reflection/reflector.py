"""The heavy half of one answer: coverage, the next probe and similar cases (model needed).

The app calls `after_answer` in a background worker once the answer is committed; the
result says what to show next. Nothing here touches the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.casebank.model import Expectation
from assistant.reflection.conversation import Conversation, Prompt
from assistant.reflection.coverage import CoverageChecker
from assistant.search import CaseSearch, Hit

QUERY_WORDS = 160  # the recent part of the reflection that searches the bank


@dataclass
class AfterAnswer:
    prompt: Prompt
    hits: list[Hit] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)


class Reflector:
    def __init__(self, conversation: Conversation, search: CaseSearch) -> None:
        self.conversation = conversation
        self.search = search
        self.coverage = CoverageChecker(search.embedder, conversation.expectations)

    def update_coverage(self, text: str, turn_id: int | None) -> list[str]:
        """Mark the expectations this text touches on; returns those newly covered."""
        store, sid = self.conversation.store, self.conversation.session.id
        before = store.covered(sid)
        new = []
        for match in self.coverage.covered(text):
            if match.expectation not in before:
                store.mark_covered(sid, match.expectation, turn_id)
                new.append(match.expectation)
        return new

    def probe_candidate(self) -> Expectation | None:
        conversation = self.conversation
        done = conversation.store.covered(conversation.session.id) | set(conversation.probes_asked())
        return self.coverage.next_probe(conversation.reflection_text(), done)

    def query(self) -> str:
        words = self.conversation.reflection_text().split()
        return " ".join(words[-QUERY_WORDS:])

    def similar_cases(self, *, widen: bool = False, k: int = 3) -> list[Hit]:
        query = self.query()
        if not query.strip():
            return []
        stage = None if widen else self.conversation.session.stage
        return self.search.search(query, k=k, stage=stage)

    def after_answer(self, text: str, turn_id: int | None, *, widen: bool = False) -> AfterAnswer:
        """Coverage for the new answer, then the next prompt (maybe a probe), then cases."""
        if text:
            self.update_coverage(text, turn_id)
        prompt = self.conversation.advance(self.probe_candidate())
        hits = self.similar_cases(widen=widen)
        covered = self.conversation.store.covered(self.conversation.session.id)
        return AfterAnswer(prompt, hits, covered)
