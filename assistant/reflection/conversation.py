"""One guided reflection: what to ask next, derived from what is already in the store.

Nothing about the position in a reflection is kept only in memory: it is worked out from the
committed turns each time. So a reflection resumes exactly where it stopped, also after a
crash or `kill -9`, and an answer is safe the moment `answer` returns.

Order of a reflection: the practitioner's own open actions for the same case are followed up
(how did it go; done or carried on, asked only when the answer did not say), then one question
offers their other open actions (review now, or later); then the flow's questions, each
possibly followed by one probe about an expectation of the stage that the reflection has not
touched on yet (at most the flow's `max_probes`), then the flow's closing questions (what will
you do differently, with a due date asked again where it could not be read; what support do
you need). Whose actions are followed up is decided in `followups.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from assistant.casebank.model import STRAND_LABELS, Expectation, Framework, Stage
from assistant.reflection.action_status import Status, StatusWords, bundled_status_words
from assistant.reflection.action_steps import (OFFER_AGAIN, STATUS_AGAIN, STATUS_QUESTION, cannot_read,
                                               dates_said_back, due_question, due_said_back, followup_question,
                                               offer_question, read_due_reply, status_said_back, written_on)
from assistant.reflection.actions import ParsedAction, parse_actions
from assistant.reflection.steps import Step, kind_of, step_id
from assistant.reflection.flows import Flow, Question, fill
from assistant.reflection.followups import choose_followups, practitioner_of
from assistant.store import Action, Session, Store, Turn

if TYPE_CHECKING:
    from assistant.reflection.checklist import ChecklistEntry

MAX_ANSWER_CHARS = 20_000


class ReflectionError(ValueError):
    """A mistake the person can fix (an empty answer, a reply we could not read)."""


@dataclass(frozen=True)
class Prompt:
    kind: str  # followup | followup-status | offer | question | probe | actions | due | support | closing | done
    step: str  # the id stored on turns: q:ID, probe:EXPECTATION, close:ID, followup:N, status:N, offer:others,
    #            due:CLOSE-ID:N (the Nth action typed at that closing step)
    text: str
    expectation: str | None = None


DONE = Prompt("done", "done", "That is the end of this reflection. Your log is ready to preview and export.")
OFFER_STEP = "offer:others"
#: The kind of turn in which reflect says back what it read from an answer about actions.
READBACK = "readback"


class Conversation:
    def __init__(self, store: Store, session: Session, flow: Flow, framework: Framework,
                 status_words: StatusWords | None = None) -> None:
        """`status_words` reads answers about actions; the bundled prompts/action_status.yaml by default."""
        self.store = store
        self.session = session
        self.flow = flow
        self.framework = framework
        self.stage: Stage | None = framework.stage(session.strand, session.stage)
        self.words = status_words or bundled_status_words()[0]

    # --- starting and resuming -----------------------------------------------------------

    @classmethod
    def start(cls, store: Store, flow: Flow, framework: Framework, *, strand: str, stage: str,
              title: str = "", meta: Mapping[str, Any] | None = None,
              status_words: StatusWords | None = None) -> "Conversation":
        """A new reflection. `meta` holds what the start form knows (`case_ref`, `supervision_date`,
        `supervisor`, `practitioner`: see `details.py`): the case and the practitioner decide which
        open actions are followed up first, and the filed records read them from there."""
        known = {k: v for k, v in dict(meta or {}).items() if v not in (None, "")}
        chosen = choose_followups(store, known)
        session = store.create_session("reflection", title=title.strip(), flow=flow.id, strand=strand,
                                       stage=stage, meta={**known, "followups": chosen.same_case,
                                                          "other_followups": chosen.other})
        conversation = cls(store, session, flow, framework, status_words)
        conversation.advance()
        return conversation

    @classmethod
    def resume(cls, store: Store, session_id: str, flows: Sequence[Flow], framework: Framework,
               status_words: StatusWords | None = None) -> "Conversation":
        session = store.get_session(session_id)
        if session is None:
            raise ReflectionError(f"no session '{session_id}'")
        flow = next((f for f in flows if f.id == session.flow), None)
        if flow is None:
            raise ReflectionError(f"the flow '{session.flow}' of session {session.id} is no longer available")
        conversation = cls(store, session, flow, framework, status_words)
        if conversation.pending() is None and not conversation.finished:
            conversation.advance()
        return conversation

    @property
    def practitioner(self) -> str:
        """Who this reflection's actions belong to (see `followups.practitioner_of`)."""
        return practitioner_of(self.session.meta)

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
        return [Step.parse(t.step).key for t in (turns or self.turns())
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
                if kind_of(turn.step) == "due" and turn.step not in {p.step for p in self.plan()}:
                    return None  # the actions were edited since: that date no longer needs asking
                return Prompt(turn.kind, turn.step, turn.text,
                              Step.parse(turn.step).key if turn.kind == "probe" else None)
        return None

    def plan(self) -> list[Prompt]:
        """Every step that is not a probe, in order (as far as the answers so far decide it)."""
        turns = self.turns()
        steps = self._followup_plan(turns)
        for q in self.flow.main_questions(self.session.stage):
            steps.append(self._prompt(q, "question", "q"))
        for q in self.flow.closing:
            steps.append(self._prompt(q, q.kind if q.kind != "question" else "closing", "close"))
            if q.kind == "actions":
                steps += [Prompt("due", step, due_question(item))
                          for step, item in self._typed_actions(q, turns) if item.unreadable]
        return steps

    def _followup_plan(self, turns: Sequence[Turn]) -> list[Prompt]:
        """Own actions for this case one by one; the others behind one offer, followed up if wanted."""
        asked = {t.step for t in turns if t.role == "assistant" and t.step}
        steps: list[Prompt] = []
        for action in self._actions(self.session.meta.get("followups", [])):
            steps += self._followup_steps(action, asked)
        others = self._actions(self.session.meta.get("other_followups", []))
        if others:
            steps.append(Prompt("offer", OFFER_STEP, offer_question(len(others))))
            if self.session.meta.get("review_others") == "now":
                for action in others:
                    steps += self._followup_steps(action, asked)
        return steps

    def _actions(self, ids: Sequence[Any]) -> list[Action]:
        return [a for a in (self.store.get_action(int(i)) for i in ids) if a is not None]

    def _followup_steps(self, action: Action, asked: set[str]) -> list[Prompt]:
        """How did it go; and the status question, unless the answer already said."""
        steps = [Prompt("followup", step_id("followup", action.id), followup_question(action))]
        if step_id("status", action.id) in asked or not self._read_from_answer(action):
            steps.append(Prompt("followup-status", step_id("status", action.id), STATUS_QUESTION))
        return steps

    def _read_from_answer(self, action: Action) -> bool:
        """Resolved in this reflection without the status question: its follow-up answer said."""
        return action.followup_session_id == self.session.id and action.status != "open"

    def _typed_actions(self, q: Question, turns: Sequence[Turn]) -> list[tuple[str, ParsedAction]]:
        """The actions typed at closing step `q`, each with the step of its due question."""
        answer = _reply(turns, step_id("close", q.id))
        if answer is None or answer.kind != "answer":
            return []
        items = parse_actions(answer.text, written_on(answer))
        return [(step_id("due", q.id, n), item) for n, item in enumerate(items)]

    def _prompt(self, q: Question, kind: str, prefix: str) -> Prompt:
        stage_title = self.stage.title if self.stage else ""
        return Prompt(kind, step_id(prefix, q.id), fill(q.text, self.session.stage, stage_title))

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
        if (probe is not None and not early and last is not None and kind_of(last.step) == "q"
                and last.kind == "answer" and len(asked) < self.flow.max_probes and probe.id not in asked):
            return Prompt("probe", step_id("probe", probe.id), probe.probe, probe.id)
        for step in self.plan():
            if step.step in answered:
                continue
            if early and step.kind in ("question", "followup", "followup-status", "offer"):
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
        self._check(prompt.kind, text)
        turn = self.store.add_turn(self.session.id, "practitioner", text, kind="answer", step=prompt.step,
                                   clear_draft=True)
        self._took(prompt.kind, turn)
        return turn

    def _check(self, kind: str, text: str) -> None:
        """Refuse, before it is saved, an answer its step cannot use: the person is asked again."""
        if kind == "followup-status" and self.words.read_reply(text) is None:
            raise ReflectionError(STATUS_AGAIN)
        if kind == "offer" and self.words.read_offer(text) is None:
            raise ReflectionError(OFFER_AGAIN)
        if kind == "due":
            reply = read_due_reply(text, dt.date.today(), self.words)  # readable or not, whatever the day
            if reply.unreadable is not None:
                raise ReflectionError(cannot_read(reply.unreadable))

    def _took(self, kind: str, turn: Turn) -> None:
        """What a saved answer changes besides its turn: an action's status, the offer, dates said back."""
        if kind == "followup":
            self._status_from_followup(_action_id(turn.step), turn.text)
        elif kind == "followup-status":
            self._resolve_followup(_action_id(turn.step), self.words.read_reply(turn.text) or "carried")
        elif kind == "offer":
            self._decide_offer(self.words.read_offer(turn.text) or "later")
        elif kind == "actions":
            self._say_back(dates_said_back(parse_actions(turn.text, written_on(turn))))
        elif kind == "due":
            reply = read_due_reply(turn.text, written_on(turn), self.words)
            self._say_back(due_said_back(self._due_text(turn.step or ""), reply.date))

    def _status_from_followup(self, action_id: int, text: str) -> None:
        """'Done. The referral went in' closes the action, and the status question is not asked."""
        status = self.words.read(text)
        if status is not None:
            action = self._resolve_followup(action_id, status)
            self._say_back(status_said_back(status, action))
            return
        action = self.store.get_action(action_id)
        if action is not None and self._read_from_answer(action) and not self._status_asked(action_id):
            self.store.resolve_action(action_id, "open")  # an edit took back what the answer said: ask

    def _status_asked(self, action_id: int) -> bool:
        return any(t.role == "assistant" and t.step == step_id("status", action_id) for t in self.turns())

    def _decide_offer(self, decision: str) -> None:
        self.store.set_meta(self.session.id, {**self.session.meta, "review_others": decision})
        self.session = self.store.get_session(self.session.id) or self.session

    def _due_text(self, step: str) -> str:
        """The words of the action a due question (due:CLOSE-ID:N) is about."""
        parts = Step.parse(step).parts
        q_id = parts[0] if len(parts) == 2 else ""
        q = next((q for q in self.flow.closing if q.id == q_id), None)
        item = dict(self._typed_actions(q, self.turns())).get(step) if q else None
        return item.text if item else ""

    def _say_back(self, text: str) -> None:
        """What reflect read, said back as its own turn (kept with the reflection, left out of its log)."""
        if text:
            self.store.add_turn(self.session.id, "assistant", text, kind=READBACK)

    # --- the unsent draft ------------------------------------------------------------------

    def save_draft(self, text: str) -> None:
        """Keep what is typed in the answer box and not sent, so a crash loses at most seconds.

        Blank text clears the draft. A draft is held to the limit an answer is (a draft that
        could never be sent is refused with ReflectionError, and the last one kept); the
        store's errors (busy, read-only) are the caller's to show.
        """
        if len(text) > MAX_ANSWER_CHARS:
            raise ReflectionError(f"the draft is {len(text):,} characters; the limit is {MAX_ANSWER_CHARS:,}")
        self.store.save_draft(self.session.id, text)

    def draft(self) -> str:
        """The unsent draft to put back in the answer box ('' when there is none)."""
        saved = self.store.draft(self.session.id)
        return saved.text if saved is not None else ""

    def skip(self) -> Turn:
        """Skip the waiting prompt: the offer means later, a due date means none."""
        prompt = self.pending()
        if prompt is None or prompt.kind == "done":
            raise ReflectionError("there is no question to skip")
        if prompt.kind == "followup-status":
            raise ReflectionError(STATUS_AGAIN)
        turn = self.store.add_turn(self.session.id, "practitioner", "(skipped)", kind="skip", step=prompt.step)
        if prompt.kind == "offer":
            self._decide_offer("later")
        elif prompt.kind == "due":
            self._say_back(due_said_back(self._due_text(prompt.step), None))
        return turn

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
        """Replace the last answer, and read it again as its step reads answers."""
        last = self.last_answer()
        if last is None:
            raise ReflectionError("there is no answer to edit yet")
        text = text.strip()
        if not text:
            raise ReflectionError("the answer is empty: write something")
        kind = self._step_kind(last.step or "")
        self._check(kind, text)
        edited = self.store.edit_turn(last.id, text)
        self._took(kind, edited)
        if self.pending() is None and not self.finished:
            self.advance()  # the edit changed what comes next (a date no longer needs asking)
        return edited

    def _step_kind(self, step: str) -> str:
        """The kind of prompt a step id belongs to (an answer's turn keeps only the step)."""
        prefix, _, rest = step.partition(":")
        kinds = {"followup": "followup", "status": "followup-status", "offer": "offer", "due": "due"}
        if prefix in kinds:
            return kinds[prefix]
        if prefix == "close":
            return next((q.kind for q in self.flow.closing if q.id == rest), "closing")
        return "question"

    def _resolve_followup(self, action_id: int, status: Status) -> Action:
        how = next((t.text for t in self.turns() if t.step == f"followup:{action_id}"
                    and t.role == "practitioner" and t.kind == "answer"), "")
        return self.store.resolve_action(action_id, status, how, self.session.id)

    def complete(self) -> None:
        """Save the actions agreed (owned by the practitioner) and mark the reflection finished (idempotent)."""
        if not self.store.actions(self.session.id):
            for item in self.new_actions():
                self.store.add_action(self.session.id, item.text, owner=self.practitioner, due=item.due)
        if not self.finished:
            self.session = self.store.finish(self.session.id)

    def new_actions(self) -> list[ParsedAction]:
        """The actions this reflection agreed, each with its due date (from the answer asked again
        where the first could not be read; none when the person chose none or skipped)."""
        turns = self.turns()
        out = []
        for q in self.flow.closing:
            if q.kind != "actions":
                continue
            for step, item in self._typed_actions(q, turns):
                out.append(ParsedAction(item.text, self._due(item, _reply(turns, step))))
        return out

    def _due(self, item: ParsedAction, reply: Turn | None) -> dt.date | None:
        if not item.unreadable:
            return item.due
        if reply is None or reply.kind != "answer":
            return None
        return read_due_reply(reply.text, written_on(reply), self.words).date

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

    def answers(self) -> list[str]:
        """The practitioner's answers so far about the case, oldest first (not the closing
        questions, nor the replies on an earlier action's status), for the panel's search."""
        return [t.text for t in self.turns() if t.role == "practitioner" and t.kind == "answer"
                and kind_of(t.step) not in ("status", "close", "offer", "due")]

    def reflection_text(self) -> str:
        """Everything the practitioner has written so far, for coverage and search."""
        return "\n".join(self.answers())


def _reply(turns: Sequence[Turn], step: str) -> Turn | None:
    """The practitioner's latest turn at `step` (an answer or a skip)."""
    return next((t for t in reversed(turns) if t.role == "practitioner" and t.step == step), None)


def _action_id(step: str | None) -> int:
    return Step.parse(step).number
