"""A group reflection session: a case, a team, stages with a timer, who said what, actions.

The session follows its format (`formats.py`): the stages, their minutes and rules, the roles
people were given, and whether contributions are attributed. Everything lives in the same
store as a reflection (kind 'group') and is committed as it is entered: the setup (with the
format's plan, so a later edit to the format file never changes a session already run) in the
session's meta, the position and timer in its state, each contribution and note as a turn,
actions with owners in the actions table. So a crash or `kill -9` loses nothing and the
session resumes where it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

from assistant.casebank.model import Bank, Case
from assistant.group.formats import GroupFormat, case_questions_format
from assistant.group.people import (Participant, PeopleError, Said, check_people, initials_of, parse_line,
                                    parse_person, with_facilitator)
from assistant.group.roles import RoleInput, assign_roles
from assistant.group.timer import Clock, Countdown, wall_clock
from assistant.reflection.action_steps import due_said_back
from assistant.reflection.actions import parse_actions
from assistant.render import format_date
from assistant.store import Action, Session, Store, Turn
from assistant.reflection.steps import step_id

KIND = "group"


class GroupError(ValueError):
    """Something the facilitator can put right, in one line."""


@dataclass(frozen=True)
class GroupQuestion:
    """One stage of the session as it is run: a case question, or a stage of the format."""

    id: str
    text: str
    source: str  # "case" or the format's id
    title: str = ""  # the stage's name ("Open questions"); a case question has none
    minutes: float | None = None  # None: the session's minutes per question
    rule: str = ""  # the format's rule for this stage, shown while it runs
    lead: str = ""  # the id of the role that speaks in this stage


@dataclass(frozen=True)
class Seat:
    """Someone in the room as the question screen shows them."""

    person: Participant
    roles: str  # "facilitator", "presenter", ... ("" for none)
    spoken: bool  # said something during the current stage


@dataclass(frozen=True)
class ActionLine:
    """An agreed action as the room sees it: what, whose, by when."""

    text: str
    owner: str
    due: str  # "12 December 2026" or ""


def session_questions(case: Case, fmt: GroupFormat) -> list[GroupQuestion]:
    """The format's stages, with a stage that stands for the case's questions expanded into them."""
    questions: list[GroupQuestion] = []
    for stage in fmt.stages:
        if stage.from_case:
            questions += [GroupQuestion(f"case-{i}", q, "case", minutes=stage.minutes, rule=stage.rule)
                          for i, q in enumerate(case.questions, 1)]
        else:
            questions.append(GroupQuestion(stage.id, stage.text, fmt.id, stage.title, stage.minutes, stage.rule,
                                           stage.lead))
    return questions


def plan_lines(questions: Sequence[GroupQuestion], minutes: float, leads: Mapping[str, str]) -> list[str]:
    """The plan a supervisor checks before starting: each stage with its minutes (and who leads
    it), the case's own questions as one line, and the time it adds up to."""
    lines: list[str] = []
    case = [i for i, q in enumerate(questions, 1) if q.source == "case"]
    for n, question in enumerate(questions, 1):
        length = f"{question.minutes if question.minutes is not None else minutes:g} min"
        if question.source == "case":
            if n == case[0]:
                span = f"{n}" if len(case) == 1 else f"{n}-{case[-1]}"
                lines.append(f"{span}. The case's take-away questions ({len(case)}): {length} each")
            continue
        lead = f" · led by the {leads[question.lead].lower()}" if question.lead in leads else ""
        lines.append(f"{n}. {question.title or question.text}: {length}{lead}")
    total = sum(q.minutes if q.minutes is not None else minutes for q in questions)
    return [*lines, f"About {total:g} minute{'' if total == 1 else 's'} in all."] if questions else lines


def format_meta(fmt: GroupFormat) -> dict[str, Any]:
    """What a session keeps of its format: enough to show and record it if the file changes."""
    return {"id": fmt.id, "title": fmt.title, "attributed": fmt.attributed,
            "roles": [{"id": r.id, "title": r.title, "several": r.several} for r in fmt.roles]}


def _facilitator(given: str | Participant) -> Participant:
    person = given if isinstance(given, Participant) else parse_person(given, facilitator=True)
    if person is None:
        raise PeopleError("who is facilitating? Give a name or initials")
    return Participant(person.name, person.initials, facilitator=True)


class GroupSession:
    def __init__(self, store: Store, session: Session, case: Case | None, clock: Clock = wall_clock) -> None:
        self.store = store
        self.session = session
        self.case = case
        self.clock = clock

    # --- setting up and resuming ------------------------------------------------------------

    @classmethod
    def create(cls, store: Store, *, facilitator: str | Participant, participants: Sequence[Participant],
               case: Case, group_format: GroupFormat | None = None, minutes: float = 10,
               roles: RoleInput | None = None, clock: Clock = wall_clock) -> "GroupSession":
        """A new session, checked first: nothing is stored when the setup is wrong."""
        fmt = group_format or case_questions_format()
        if not 0.5 <= minutes <= 60:
            raise GroupError("minutes per question should be between 0.5 and 60")
        try:
            people = with_facilitator(_facilitator(facilitator), list(participants))
            check_people(people[1:])
            assigned = assign_roles(fmt, roles, people)
        except PeopleError as exc:
            raise GroupError(str(exc)) from exc
        now = clock()
        meta = {
            "facilitator": people[0].name, "format": format_meta(fmt), "roles": assigned,
            "participants": [{"name": p.name, "initials": p.initials, "joined": now, "facilitator": p.facilitator}
                             for p in people],
            "case_id": case.id, "case_title": case.title, "case_stage": case.stage,
            "questions": [asdict(q) for q in session_questions(case, fmt)], "minutes": minutes,
            "flow": fmt.id, "started": now,
        }
        session = store.create_session(KIND, title=f"Group session: {case.title}", flow=fmt.id,
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
        """Everyone in the room, the facilitator first (a session from before kept them apart)."""
        return [Participant(p["name"], p["initials"], bool(p.get("facilitator")))
                for p in self.meta.get("participants", [])]

    @property
    def questions(self) -> list[GroupQuestion]:
        fields = GroupQuestion.__dataclass_fields__
        return [GroupQuestion(**{"source": "case", **{k: v for k, v in q.items() if k in fields}})
                for q in self.meta.get("questions", [])]

    @property
    def format_title(self) -> str:
        return str(self.meta.get("format", {}).get("title", ""))

    @property
    def format_id(self) -> str:
        return str(self.meta.get("format", {}).get("id", ""))

    @property
    def attributed(self) -> bool:
        """False in a format whose record keeps themes, not names: nobody is named beside what they said."""
        return self.meta.get("format", {}).get("attributed", True) is not False

    def roles(self) -> list[tuple[str, list[Participant]]]:
        """Each role of the format (its title) with the people given it, in the format's order."""
        people = {p.initials: p for p in self.participants}
        assigned = self.meta.get("roles", {})
        return [(r["title"], [people[i] for i in assigned.get(r["id"], []) if i in people])
                for r in self.meta.get("format", {}).get("roles", [])]

    def roles_of(self, initials: str) -> list[str]:
        """What this person is in the session: 'facilitator', 'presenter', ..."""
        titles = {r["id"]: r["title"] for r in self.meta.get("format", {}).get("roles", [])}
        held = [titles[rid].lower() for rid, who in self.meta.get("roles", {}).items() if initials in who
                and rid in titles]
        person = next((p for p in self.participants if p.initials == initials), None)
        return (["facilitator"] if person is not None and person.facilitator else []) + held

    def lead(self, question: GroupQuestion | None = None) -> tuple[str, list[Participant]] | None:
        """Who leads this stage (the role's title and its people), when the format says."""
        question = question or self.question
        if question is None or not question.lead:
            return None
        role = next((r for r in self.meta.get("format", {}).get("roles", []) if r["id"] == question.lead), None)
        if role is None:
            return None
        people = {p.initials: p for p in self.participants}
        return role["title"], [people[i] for i in self.meta.get("roles", {}).get(role["id"], []) if i in people]

    def plan(self) -> list[str]:
        """The session's stages with their minutes, as setup showed them."""
        leads = {r["id"]: r["title"] for r in self.meta.get("format", {}).get("roles", [])}
        return plan_lines(self.questions, float(self.meta.get("minutes", 10)), leads)

    def minutes_for(self, question: GroupQuestion) -> float:
        return float(question.minutes if question.minutes is not None else self.meta.get("minutes", 10))

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
        seconds = self.minutes_for(question) * 60
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
        """What a typed line means, without storing it (the app asks about unknown prefixes).

        In a format that does not attribute, a name or initials in front are dropped: what was
        said is kept, who said it is not, so there is nobody to ask about either.
        """
        if not line.strip():
            raise GroupError("nothing to add: type what was said, e.g. 'AB: we would ring school first'")
        said = parse_line(line, self.participants)
        return said if self.attributed else Said(said.text)

    def contribute(self, text: str, speaker: Participant | None) -> Turn:
        """A contribution by a participant, or with no speaker (or no attribution) a note for the group."""
        text = text.strip()
        if not text:
            raise GroupError("nothing to add")
        if speaker is None or not self.attributed:
            return self.store.add_turn(self.session.id, "facilitator", text, kind="note", step=self.step())
        return self.store.add_turn(self.session.id, "participant", text, kind="contribution", step=self.step(),
                                   speaker=speaker.initials)

    def add_participant(self, name: str, initials: str | None = None) -> Participant:
        """Someone who joins late; their minutes for the CPD line count from now."""
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
        """'AB: ring school by 12/12' -> an action owned by AB (the facilitator too); without a
        prefix, or in a format that names nobody, owned by the team.

        Dates count from the session's day ('by Friday'). One that cannot be read ('by 31/02') is
        refused with the words it could not read, so it is typed again rather than saved without
        a date and without a word.
        """
        said = self.read(line)
        if said.unknown_prefix:
            here = ", ".join(p.initials for p in self.participants)
            raise GroupError(f"nobody here has the initials '{said.unknown_prefix}' (here: {here}): add them "
                             "with /add Name (XY), or check the initials")
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
        """What was said during one stage, in the order it was typed."""
        return [t for t in self.store.turns(self.session.id) if t.step == step_id("q", index) and t.kind != "question"]

    def room(self) -> list[Seat]:
        """Everyone in the room, with their roles and whether they have spoken during this stage."""
        spoken = ({t.speaker for t in self.turns_for(self.index) if t.kind == "contribution"}
                  if self.phase == "questions" else set())
        return [Seat(p, ", ".join(self.roles_of(p.initials)), p.initials in spoken) for p in self.participants]

    def owner_label(self, owner: str | None) -> str:
        """'Amira Begum (AB)' for someone in the room; 'The team' for the team's actions."""
        people = {p.initials: p for p in self.participants}
        if owner in people:
            return people[owner].label()
        return "The team" if owner in ("team", None, "") else str(owner)

    def action_lines(self) -> list[ActionLine]:
        """The actions agreed so far, in the order they were agreed."""
        return [ActionLine(a.text, self.owner_label(a.owner), format_date(a.due.isoformat()) if a.due else "")
                for a in self.store.actions(self.session.id)]

    @property
    def ended(self) -> float:
        return float(self.state.get("ended") or self.clock())

    def duration_minutes(self) -> int:
        return max(0, round((self.ended - float(self.meta.get("started", self.ended))) / 60))

    def minutes_attended(self) -> dict[str, int]:
        end = self.ended
        return {p["initials"]: max(0, round((end - float(p.get("joined", end))) / 60))
                for p in self.meta.get("participants", [])}
