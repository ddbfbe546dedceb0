"""A group reflection session: a case, a team, questions with a timer, who said what, actions.

Everything lives in the same store as a reflection (kind 'group') and is committed as it is
entered: the setup in the session's meta, the position and timer in its state, each
contribution and note as a turn, actions with owners in the actions table. So a crash or
`kill -9` loses nothing and the session resumes where it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from assistant.casebank.model import Bank, Case
from assistant.group.people import Participant, PeopleError, Said, check_people, initials_of, parse_line
from assistant.group.timer import Clock, Countdown, wall_clock
from assistant.reflection.action_steps import due_said_back
from assistant.reflection.actions import parse_actions
from assistant.reflection.flows import Flow
from assistant.store import Action, Session, Store, Turn
from assistant.reflection.steps import step_id

KIND = "group"


class GroupError(ValueError):
    """Something the facilitator can put right, in one line."""


@dataclass(frozen=True)
class GroupQuestion:
    id: str
    text: str
    source: str  # "case" or the group flow's id


def session_questions(case: Case, flow: Flow | None) -> list[GroupQuestion]:
    """The case's own take-away questions, then the group flow's, if one was chosen."""
    questions = [GroupQuestion(f"case-{i}", q, "case") for i, q in enumerate(case.questions, 1)]
    if flow is not None:
        questions += [GroupQuestion(q.id, q.text, flow.id) for q in flow.main_questions(case.stage)]
    return questions


class GroupSession:
    def __init__(self, store: Store, session: Session, case: Case | None, clock: Clock = wall_clock) -> None:
        self.store = store
        self.session = session
        self.case = case
        self.clock = clock

    # --- setting up and resuming ------------------------------------------------------------

    @classmethod
    def create(cls, store: Store, *, facilitator: str, participants: Sequence[Participant], case: Case,
               flow: Flow | None = None, minutes: float = 10, clock: Clock = wall_clock) -> "GroupSession":
        facilitator = " ".join(facilitator.split())
        if not facilitator:
            raise GroupError("who is facilitating? Give a name or initials")
        try:
            check_people(list(participants))
        except PeopleError as exc:
            raise GroupError(str(exc)) from exc
        if not 0.5 <= minutes <= 60:
            raise GroupError("minutes per question should be between 0.5 and 60")
        questions = session_questions(case, flow)
        now = clock()
        meta = {
            "facilitator": facilitator,
            "participants": [{"name": p.name, "initials": p.initials, "joined": now} for p in participants],
            "case_id": case.id, "case_title": case.title, "case_stage": case.stage,
            "questions": [q.__dict__ for q in questions], "minutes": minutes,
            "flow": flow.id if flow else "", "started": now,
        }
        session = store.create_session(KIND, title=f"Group session: {case.title}", flow=flow.id if flow else "",
                                       strand=case.strand, stage=case.stage, meta=meta)
        store.set_state(session.id, {"phase": "present", "index": 0, "countdown": None})
        return cls(store, store.get_session(session.id) or session, case, clock)

    @classmethod
    def resume(cls, store: Store, session_id: str, bank: Bank, clock: Clock = wall_clock) -> "GroupSession":
        session = store.get_session(session_id)
        if session is None or session.kind != KIND:
            raise GroupError(f"no group session '{session_id}'")
        return cls(store, session, bank.case(session.meta.get("case_id", "")), clock)

    def _reload(self) -> None:
        self.session = self.store.get_session(self.session.id) or self.session

    # --- what the session holds ---------------------------------------------------------------

    @property
    def meta(self) -> dict[str, Any]:
        return self.session.meta

    @property
    def state(self) -> dict[str, Any]:
        return self.session.state

    @property
    def case_missing(self) -> bool:
        """The case was removed from the bank since: the record still holds its title."""
        return self.case is None

    @property
    def participants(self) -> list[Participant]:
        return [Participant(p["name"], p["initials"]) for p in self.meta.get("participants", [])]

    @property
    def questions(self) -> list[GroupQuestion]:
        return [GroupQuestion(q["id"], q["text"], q.get("source", "case")) for q in self.meta.get("questions", [])]

    @property
    def phase(self) -> str:
        return self.state.get("phase", "present")

    @property
    def index(self) -> int:
        return int(self.state.get("index", 0))

    @property
    def question(self) -> GroupQuestion | None:
        qs = self.questions
        return qs[self.index] if self.phase == "questions" and 0 <= self.index < len(qs) else None

    @property
    def countdown(self) -> Countdown | None:
        raw = self.state.get("countdown")
        return Countdown.from_dict(raw) if raw else None

    def remaining(self) -> float:
        countdown = self.countdown
        return countdown.remaining(self.clock()) if countdown else 0.0

    def _save_state(self, **changes: Any) -> None:
        state = {**self.state, **changes}
        if isinstance(state.get("countdown"), Countdown):
            state["countdown"] = state["countdown"].to_dict()
        self.store.set_state(self.session.id, state)
        self._reload()

    # --- moving through the questions -------------------------------------------------------

    def begin(self) -> GroupQuestion:
        """From the case to the first question (or back to where the questions were)."""
        if self.phase == "questions" and self.question:
            return self.question
        return self._ask(0)

    def _ask(self, index: int) -> GroupQuestion:
        question = self.questions[index]
        seconds = float(self.meta.get("minutes", 10)) * 60
        self.store.add_turn(self.session.id, "facilitator", question.text, kind="question", step=step_id("q", index))
        self._save_state(phase="questions", index=index, countdown=Countdown(seconds).start(self.clock()))
        return question

    def next_question(self) -> GroupQuestion | None:
        """Move on (also to skip); after the last question, the close."""
        if self.phase != "questions":
            return self.begin() if self.phase == "present" else None
        if self.index + 1 < len(self.questions):
            return self._ask(self.index + 1)
        self._save_state(phase="close", countdown=None)
        return None

    def toggle_pause(self) -> Countdown | None:
        countdown = self.countdown
        if countdown is None:
            return None
        countdown = countdown.toggle(self.clock())
        self._save_state(countdown=countdown)
        return countdown

    def extend(self, minutes: float = 1) -> Countdown | None:
        countdown = self.countdown
        if countdown is None:
            return None
        countdown = countdown.extend(minutes * 60)
        self._save_state(countdown=countdown)
        return countdown

    # --- capturing ----------------------------------------------------------------------------

    def step(self) -> str:
        return step_id("q", self.index) if self.phase == "questions" else self.phase

    def read(self, line: str) -> Said:
        """What a typed line means, without storing it (the app asks about unknown prefixes)."""
        if not line.strip():
            raise GroupError("nothing to add: type what was said, e.g. 'AB: we would ring school first'")
        return parse_line(line, self.participants)

    def contribute(self, text: str, speaker: Participant | None) -> Turn:
        """A contribution by a participant, or with no speaker a note for the group."""
        text = text.strip()
        if not text:
            raise GroupError("nothing to add")
        if speaker is None:
            return self.store.add_turn(self.session.id, "facilitator", text, kind="note", step=self.step())
        return self.store.add_turn(self.session.id, "participant", text, kind="contribution", step=self.step(),
                                   speaker=speaker.initials)

    def add_participant(self, name: str, initials: str | None = None) -> Participant:
        name = " ".join(name.split())
        if not name:
            raise GroupError("a participant needs a name or initials")
        person = Participant(name, (initials or initials_of(name)).upper())
        try:
            check_people([*self.participants, person])
        except PeopleError as exc:
            raise GroupError(str(exc)) from exc
        people = [*self.meta.get("participants", []), {"name": person.name, "initials": person.initials,
                                                       "joined": self.clock()}]
        self.store.set_meta(self.session.id, {**self.meta, "participants": people})
        self._reload()
        return person

    def add_actions(self, line: str) -> list[Action]:
        """'AB: ring school by 12/12' -> an action owned by AB; without a prefix, owned by the team.

        Dates count from the session's day ('by Friday'). One that cannot be read ('by 31/02') is
        refused with the words it could not read, so it is typed again rather than saved without
        a date and without a word.
        """
        said = self.read(line)
        if said.unknown_prefix:
            raise GroupError(f"nobody here has the initials '{said.unknown_prefix}': add them first, or check the initials")
        owner = said.speaker.initials if said.speaker else "team"
        parsed = parse_actions(said.text, dt.date.fromtimestamp(self.clock()))
        bad = next((a for a in parsed if a.unreadable), None)
        if bad is not None:
            raise GroupError(f"couldn't read '{bad.unreadable}' as a date: type the action again with a date "
                             "such as 31/03 or next Friday, or without one")
        return [self.store.add_action(self.session.id, a.text, owner=owner, due=a.due) for a in parsed]

    @staticmethod
    def said_back(actions: Sequence[Action]) -> str:
        """What was recorded, with the day each is due, for the facilitator to check at a glance."""
        return "; ".join(f"{a.owner}: {due_said_back(a.text, a.due)}" for a in actions)

    def take_back(self, text: str) -> Turn:
        if not text.strip():
            raise GroupError("nothing to add")
        return self.store.add_turn(self.session.id, "facilitator", text.strip(), kind="takeback", step="close")

    def finish(self) -> Session:
        self._save_state(phase="done", countdown=None, ended=self.clock())
        self.session = self.store.finish(self.session.id)
        return self.session

    # --- reading back ----------------------------------------------------------------------

    def turns_for(self, index: int) -> list[Turn]:
        return [t for t in self.store.turns(self.session.id) if t.step == step_id("q", index) and t.kind != "question"]

    @property
    def ended(self) -> float:
        return float(self.state.get("ended") or self.clock())

    def duration_minutes(self) -> int:
        return max(0, round((self.ended - float(self.meta.get("started", self.ended))) / 60))

    def minutes_attended(self) -> dict[str, int]:
        end = self.ended
        return {p["initials"]: max(0, round((end - float(p.get("joined", end))) / 60))
                for p in self.meta.get("participants", [])}
