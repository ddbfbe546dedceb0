"""One guided reflection: what to ask next, derived from what is already in the store.

Nothing about the position in a reflection is kept only in memory: it is worked out from the
committed turns each time. So a reflection resumes exactly where it stopped, also after a
crash or `kill -9`, and an answer is safe the moment `answer` returns.

Order of a reflection: earlier open actions are followed up (how did it go; done or carried
on), then the flow's questions, each possibly followed by one probe about an expectation of
the stage that the reflection has not touched on yet (at most the flow's `max_probes`), then
the flow's closing questions (what will you do differently, what support do you need).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from assistant.casebank.model import STRAND_LABELS, Expectation, Framework, Stage
from assistant.reflection.actions import parse_actions, parse_status
from assistant.reflection.flows import Flow, Question, fill
from assistant.store import Action, Session, Store, Turn

if TYPE_CHECKING:
    from assistant.reflection.checklist import ChecklistEntry

MAX_ANSWER_CHARS = 20_000


class ReflectionError(ValueError):
    """A mistake the person can fix (an empty answer, a reply we could not read)."""


@dataclass(frozen=True)
class Prompt:
    kind: str  # followup | followup-status | question | probe | actions | support | closing | done
    step: str  # the id stored on turns: q:ID, probe:EXPECTATION, close:ID, followup:N, status:N
    text: str
    expectation: str | None = None


DONE = Prompt("done", "done", "That is the end of this reflection. Your log is ready to preview and export.")


class Conversation:
    def __init__(self, store: Store, session: Session, flow: Flow, framework: Framework) -> None:
        self.store = store
        self.session = session
        self.flow = flow
        self.framework = framework
        self.stage: Stage | None = framework.stage(session.strand, session.stage)

    # --- starting and resuming -----------------------------------------------------------

    @classmethod
    def start(cls, store: Store, flow: Flow, framework: Framework, *, strand: str, stage: str,
              title: str = "", meta: Mapping[str, Any] | None = None) -> "Conversation":
        """A new reflection. `meta` holds what the start form knows (`case_ref`, `supervision_date`,
        `supervisor`, `practitioner`: see `details.py`); the filed records read them from there."""
        known = {k: v for k, v in dict(meta or {}).items() if v not in (None, "")}
        followups = [a.id for a in store.open_actions()]
        session = store.create_session("reflection", title=title.strip(), flow=flow.id, strand=strand,
                                       stage=stage, meta={**known, "followups": followups})
        conversation = cls(store, session, flow, framework)
        conversation.advance()
        return conversation

    @classmethod
    def resume(cls, store: Store, session_id: str, flows: Sequence[Flow], framework: Framework) -> "Conversation":
        session = store.get_session(session_id)
        if session is None:
            raise ReflectionError(f"no session '{session_id}'")
        flow = next((f for f in flows if f.id == session.flow), None)
        if flow is None:
            raise ReflectionError(f"the flow '{session.flow}' of session {session.id} is no longer available")
        conversation = cls(store, session, flow, framework)
        if conversation.pending() is None and not conversation.finished:
            conversation.advance()
        return conversation

    # --- reading the position from the turns -----------------------------------------------

    def turns(self) -> list[Turn]:
        return self.store.turns(self.session.id)

    @property
    def finished(self) -> bool:
        current = self.store.get_session(self.session.id)
        return current is not None and current.status == "finished"

    def answered_steps(self, turns: Sequence[Turn] | None = None) -> set[str]:
        return {t.step for t in (turns or self.turns()) if t.role == "practitioner" and t.step}

    def probes_asked(self, turns: Sequence[Turn] | None = None) -> list[str]:
        return [t.step.split(":", 1)[1] for t in (turns or self.turns())
                if t.role == "assistant" and t.kind == "probe" and t.step]

    def finished_early(self, turns: Sequence[Turn] | None = None) -> bool:
        return any(t.step == "finish-early" for t in (turns or self.turns()))

    def pending(self) -> Prompt | None:
        """The question on screen: the last one asked and not yet answered."""
        turns = self.turns()
        answered = self.answered_steps(turns)
        for turn in reversed(turns):
            if turn.role == "assistant" and turn.step:
                if turn.step in answered:
                    return None
                if turn.step == "done":
                    return DONE
                return Prompt(turn.kind, turn.step, turn.text,
                              turn.step.split(":", 1)[1] if turn.kind == "probe" else None)
        return None

    def plan(self) -> list[Prompt]:
        """Every step that is not a probe, in order."""
        steps: list[Prompt] = []
        for action_id in self.session.meta.get("followups", []):
            action = self.store.get_action(int(action_id))
            if action is None:
                continue
            due = f" (due {action.due:%d %B %Y})" if action.due else ""
            steps.append(Prompt("followup", f"followup:{action.id}",
                                f"Last time you planned to: \u201c{action.text.rstrip('.')}\u201d{due}. How did it go?"))
            steps.append(Prompt("followup-status", f"status:{action.id}",
                                "Is that action done, or will you carry it on? Reply done, carry on, or drop."))
        for q in self.flow.main_questions(self.session.stage):
            steps.append(self._prompt(q, "question", "q"))
        for q in self.flow.closing:
            steps.append(self._prompt(q, q.kind if q.kind != "question" else "closing", "close"))
        return steps

    def _prompt(self, q: Question, kind: str, prefix: str) -> Prompt:
        stage_title = self.stage.title if self.stage else ""
        return Prompt(kind, f"{prefix}:{q.id}", fill(q.text, self.session.stage, stage_title))

    def progress(self) -> tuple[int, int]:
        """Steps answered and steps in the plan (probes not counted), for a progress bar."""
        answered = self.answered_steps()
        plan = self.plan()
        return sum(1 for p in plan if p.step in answered), len(plan)

    # --- moving on -------------------------------------------------------------------------

    def next_prompt(self, probe: Expectation | None = None) -> Prompt:
        """What to ask now: the offered probe if the flow allows one here, else the next step."""
        turns = self.turns()
        answered = self.answered_steps(turns)
        early = self.finished_early(turns)
        last = next((t for t in reversed(turns) if t.role == "practitioner"), None)
        asked = self.probes_asked(turns)
        if (probe is not None and not early and last is not None and (last.step or "").startswith("q:")
                and last.kind == "answer" and len(asked) < self.flow.max_probes and probe.id not in asked):
            return Prompt("probe", f"probe:{probe.id}", probe.probe, probe.id)
        for step in self.plan():
            if step.step in answered:
                continue
            if early and step.kind in ("question", "followup", "followup-status"):
                continue
            return step
        return DONE

    def advance(self, probe: Expectation | None = None) -> Prompt:
        """Ask the next prompt (recording it), unless one is already waiting for an answer."""
        waiting = self.pending()
        if waiting is not None:
            return waiting
        prompt = self.next_prompt(probe)
        if prompt.kind == "done":
            self.complete()
        self.store.add_turn(self.session.id, "assistant", prompt.text, kind=prompt.kind, step=prompt.step)
        return prompt

    def answer(self, text: str) -> Turn:
        """Record the answer to the waiting prompt; committed before this returns."""
        prompt = self.pending()
        if prompt is None or prompt.kind == "done":
            raise ReflectionError("there is no question waiting for an answer")
        text = text.strip()
        if not text:
            raise ReflectionError("the answer is empty: write something, or skip the question")
        if len(text) > MAX_ANSWER_CHARS:
            raise ReflectionError(f"the answer is {len(text):,} characters; the limit is {MAX_ANSWER_CHARS:,}")
        status = None
        if prompt.kind == "followup-status":
            status = parse_status(text)
            if status is None:
                raise ReflectionError("reply done, carry on, or drop")
        turn = self.store.add_turn(self.session.id, "practitioner", text, kind="answer", step=prompt.step)
        if status is not None:
            self._resolve_followup(int(prompt.step.split(":", 1)[1]), status)
        return turn

    def skip(self) -> Turn:
        prompt = self.pending()
        if prompt is None or prompt.kind == "done":
            raise ReflectionError("there is no question to skip")
        if prompt.kind == "followup-status":
            raise ReflectionError("reply done, carry on, or drop")
        return self.store.add_turn(self.session.id, "practitioner", "(skipped)", kind="skip", step=prompt.step)

    def finish_early(self) -> None:
        """Go straight to the closing questions (actions and support are still asked)."""
        if self.finished_early():
            return
        waiting = self.pending()
        if waiting is not None and waiting.kind in ("question", "probe"):
            self.store.add_turn(self.session.id, "practitioner", "(skipped)", kind="skip", step=waiting.step)
        self.store.add_turn(self.session.id, "system", "Finished the questions early.", kind="note",
                            step="finish-early")

    def last_answer(self) -> Turn | None:
        return next((t for t in reversed(self.turns()) if t.role == "practitioner" and t.kind == "answer"), None)

    def edit_last_answer(self, text: str) -> Turn:
        last = self.last_answer()
        if last is None:
            raise ReflectionError("there is no answer to edit yet")
        text = text.strip()
        if not text:
            raise ReflectionError("the answer is empty: write something")
        if last.step.startswith("status:"):
            status = parse_status(text)
            if status is None:
                raise ReflectionError("reply done, carry on, or drop")
            self._resolve_followup(int(last.step.split(":", 1)[1]), status)
        return self.store.edit_turn(last.id, text)

    def _resolve_followup(self, action_id: int, status: str) -> Action:
        how = next((t.text for t in self.turns() if t.step == f"followup:{action_id}" and t.role == "practitioner"), "")
        return self.store.resolve_action(action_id, status, how, self.session.id)

    def complete(self) -> None:
        """Turn the closing answers into actions and mark the reflection finished (idempotent)."""
        if not self.store.actions(self.session.id):
            for text in self.answers_to("actions"):
                for action in parse_actions(text):
                    self.store.add_action(self.session.id, action.text, due=action.due)
        if not self.finished:
            self.session = self.store.finish(self.session.id)

    def answers_to(self, kind: str) -> list[str]:
        """The practitioner's answers to closing steps of one kind ('actions' or 'support')."""
        steps = {p.step for p in self.plan() if p.kind == kind}
        return [t.text for t in self.turns() if t.role == "practitioner" and t.kind == "answer" and t.step in steps]

    # --- for panels and logs ----------------------------------------------------------------

    @property
    def expectations(self) -> tuple[Expectation, ...]:
        return self.stage.expectations if self.stage else ()

    @property
    def strand_title(self) -> str:
        strand = self.framework.strand(self.session.strand)
        return strand.title if strand else STRAND_LABELS.get(self.session.strand, self.session.strand)

    def checklist(self) -> "list[ChecklistEntry]":
        from assistant.reflection.checklist import checklist

        return checklist(self.expectations, self.store.coverage(self.session.id))

    def decide_coverage(self, expectation_id: str, state: str) -> None:
        """The practitioner confirms or clears a mark (their word stands over the check's)."""
        if expectation_id not in {e.id for e in self.expectations}:
            raise ReflectionError(f"'{expectation_id}' is not an expectation of this stage")
        self.store.set_coverage_state(self.session.id, expectation_id, state)

    def pinned(self) -> set[str]:
        """Ids of the cases kept beside this reflection (they go into its log)."""
        return {p.case_id for p in self.store.pins(self.session.id)}

    def pin(self, case_id: str, title: str, snippet: str, reason: str = "") -> None:
        """Keep a case beside the reflection, with the passage that matched and why it was shown."""
        self.store.pin_case(self.session.id, case_id, title=title, snippet=snippet, reason=reason)

    def reflection_text(self) -> str:
        """Everything the practitioner has written so far, for coverage and search."""
        return "\n".join(t.text for t in self.turns() if t.role == "practitioner" and t.kind == "answer"
                         and not (t.step or "").startswith(("status:", "close:")))
