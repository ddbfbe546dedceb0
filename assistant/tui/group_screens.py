"""Group sessions on a shared screen: setup, presenting the case, questions with a timer, close.

Every entry goes straight to the store through `GroupSession`; these screens only show it.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from assistant.casebank.model import STAGE_LABELS, STAGES
from assistant.group import GroupError, GroupSession, PeopleError, clock_text, parse_participants
from assistant.group.people import Participant
from assistant.textsafe import one_line
from assistant.reflection.commands import parse_command
from assistant.search.filters import Filters, listing
from assistant.tui import messages
from assistant.tui.jobs import Jobs, job
from assistant.tui.widgets import case_text, sentence, text


class GroupSetupScreen(Jobs, Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+j", "begin", "Begin", priority=True),
                Binding("ctrl+h", "handout", "Handout")]

    def compose(self) -> ComposeResult:
        services = self.app.services  # type: ignore[attr-defined]
        bank = services.bank
        group_flows = [f for f in services.flows if f.kind == "group"]
        yield Header()
        with VerticalScroll(id="group-setup"):
            yield Label("Facilitator")
            yield Input(placeholder="Your name or initials", id="facilitator", max_length=60)
            yield Label("Participants (names or initials, separated by commas; 'Jo Tate (JT)' sets initials)")
            yield Input(placeholder="e.g. Amira Begum, Jo Tate (JT), Sam", id="participants", max_length=600)
            yield Label("The case: describe the kind of case the team wants to discuss, or filter the list")
            with Horizontal(id="case-filters"):
                yield Input(placeholder="e.g. a boy on the edge of a gang who carried a knife", id="case-query")
                yield Select([(STAGE_LABELS[s], s) for s in STAGES], prompt="Any stage", id="group-stage")
                yield Select([(t.label, t.id) for t in bank.themes.values()], prompt="Any theme", id="group-theme")
            yield OptionList(id="group-cases")
            yield Label("Extra questions after the case's own (optional)")
            yield Select([(text(f.title), f.id) for f in group_flows], prompt="Only the case's own questions",
                         id="group-flow")
            yield Label("Minutes per question")
            yield Input(value="10", id="minutes", max_length=4)
            with Horizontal(id="group-buttons"):
                yield Button("Begin the session (Ctrl+J)", id="begin", variant="primary")
                yield Button("Export a handout (Ctrl+H)", id="handout")
            yield Static("", id="setup-status")
        yield Footer()

    def on_mount(self) -> None:
        self.list_cases()
        self.query_one("#facilitator", Input).focus()

    @on(Select.Changed, "#group-stage")
    @on(Select.Changed, "#group-theme")
    @on(Input.Submitted, "#case-query")
    def list_cases(self) -> None:
        query = self.query_one("#case-query", Input).value.strip()
        stage = self.query_one("#group-stage", Select).value
        theme = self.query_one("#group-theme", Select).value
        stage = None if stage is Select.NULL else str(stage)
        theme = None if theme is Select.NULL else str(theme)
        if query:
            self.search(query, stage, theme)
            return
        cases = listing(self.app.services.bank.cases, self._filters(stage, theme))  # type: ignore[attr-defined]
        self.show([(c, "") for c in cases])

    @staticmethod
    def _filters(stage: str | None, theme: str | None) -> Filters:
        return Filters(stage=stage, themes=(theme,) if theme else ())

    @job("group-search")
    def search(self, query: str, stage: str | None, theme: str | None) -> list:
        services = self.app.services  # type: ignore[attr-defined]
        mode = "hybrid" if services.search_ready else "lexical"
        hits = services.search.search(query, k=8, filters=self._filters(stage, theme), mode=mode)
        return [(h.case, h.snippet) for h in hits]

    def search_done(self, cases: list) -> None:
        self.show(cases)

    def show(self, cases: list) -> None:
        options = self.query_one("#group-cases", OptionList)
        options.clear_options()
        for case, snippet in cases:
            label = text(one_line(case.title))
            label.append(f"  ({case.stage_label}; {', '.join(case.themes[:3])})", style="dim")
            if snippet:
                label.append("\n  " + one_line(snippet, 140), style="italic")
            options.add_option(Option(label, id=case.id))
        if cases:
            options.highlighted = 0

    def chosen_case(self):
        options = self.query_one("#group-cases", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return self.app.services.bank.case(str(options.get_option_at_index(options.highlighted).id))  # type: ignore[attr-defined]

    def status(self, message: str) -> None:
        self.query_one("#setup-status", Static).update(text(message))

    @on(Button.Pressed, "#begin")
    def action_begin(self) -> None:
        services = self.app.services  # type: ignore[attr-defined]
        case = self.chosen_case()
        if case is None:
            self.status("Choose a case first (describe one, or pick from the list).")
            return
        try:
            people = parse_participants(self.query_one("#participants", Input).value)
        except PeopleError as exc:
            self.status(f"Participants: {exc}.")
            return
        try:
            minutes = float(self.query_one("#minutes", Input).value.strip() or "10")
        except ValueError:
            self.status("Minutes per question: give a number, e.g. 10.")
            return
        flow_id = self.query_one("#group-flow", Select).value
        flow = next((f for f in services.flows if f.id == flow_id), None)
        try:
            group = GroupSession.create(services.store, facilitator=self.query_one("#facilitator", Input).value,
                                        participants=people, case=case, flow=flow, minutes=minutes,
                                        clock=self.app.clock)  # type: ignore[attr-defined]
        except GroupError as exc:
            self.status(sentence(str(exc)))
            return
        self.app.switch_screen(PresentScreen(group))

    @on(Button.Pressed, "#handout")
    def action_handout(self) -> None:
        case = self.chosen_case()
        if case is None:
            self.status("Choose a case first.")
            return
        exported = self.app.services.export_handout(case.id)  # type: ignore[attr-defined]
        if exported.error:
            self.status(exported.error)
            return
        self.status("Handout saved: " + ", ".join(str(p) for p in exported.paths))


class PresentScreen(Screen[None]):
    """The case on a shared screen: large, calm, nothing else (Tab shows the team's notes)."""

    BINDINGS = [Binding("space", "questions", "Start the questions"), Binding("tab", "toggle_notes", "Notes"),
                Binding("escape", "app.pop_screen", "Leave")]

    def __init__(self, group: GroupSession) -> None:
        super().__init__()
        self.group = group

    def compose(self) -> ComposeResult:
        body = case_text(self.group.case) if self.group.case else text(
            f"The case '{self.group.meta.get('case_title', '')}' is no longer in the case bank. "
            "The session and everything recorded in it are kept.")
        with Horizontal(id="present"):
            with VerticalScroll(id="present-reader"):
                yield Static(body, id="present-case")
            yield Static(text(self.notes_text()), id="present-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#present-notes").display = False
        self.query_one("#present-reader").focus()

    def notes_text(self) -> str:
        people = ", ".join(p.label() for p in self.group.participants)
        return f"Facilitator: {self.group.meta.get('facilitator', '')}\nParticipants: {people}\n\n" \
               f"{len(self.group.questions)} questions, {self.group.meta.get('minutes')} minutes each."

    def action_toggle_notes(self) -> None:
        notes = self.query_one("#present-notes")
        notes.display = not notes.display

    def action_questions(self) -> None:
        self.group.begin()
        self.app.switch_screen(QuestionScreen(self.group))


class WhoIsThis(ModalScreen[Participant | None]):
    """Who said it: asked for an unknown prefix (never guessed), or to pick from the list."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, prefix: str | None, group: GroupSession) -> None:
        super().__init__()
        self.prefix = prefix
        self.group = group

    def compose(self) -> ComposeResult:
        with Vertical(id="who"):
            options = []
            if self.prefix:
                yield Static(text(f"Nobody here has the initials '{self.prefix}'. Who said it?"))
                # Someone new comes first: Enter never hands the words to a person who did not say them.
                options.append(Option(text(f"Someone new: add '{self.prefix}' as a participant"), id="__new__"))
            else:
                yield Static("Who said it?")
            options += [Option(text(f"It was {p.label()}"), id=p.initials) for p in self.group.participants]
            options.append(Option("A note for the group (nobody in particular)", id="__note__"))
            yield OptionList(*options, id="who-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        choice = str(event.option.id)
        if choice == "__note__":
            self.dismiss(None)
            return
        if choice == "__new__":
            try:
                person = self.group.add_participant(self.prefix, self.prefix)
            except GroupError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.dismiss(person)
            return
        self.dismiss(next(p for p in self.group.participants if p.initials == choice))


class QuestionScreen(Screen[None]):
    """One question at a time, a visible countdown, and what the team says."""

    BINDINGS = [
        Binding("f5", "pause", "Pause/resume"),
        Binding("f6", "extend", "+1 minute"),
        Binding("f7", "next", "Next question"),
        Binding("f8", "close", "Close"),
        Binding("f2", "pick_speaker", "Who said it"),
        Binding("escape", "leave", "Leave"),
    ]

    def __init__(self, group: GroupSession) -> None:
        super().__init__()
        self.group = group
        self.ticker: Timer | None = None
        self.signalled = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="question-top"):
            yield Static("", id="question-text")
            yield Static("", id="countdown")
        yield VerticalScroll(id="said")
        yield Static("Type 'AB: what they said' (or type it and press F2 to pick who said it), plain text for a "
                     "group note, '/action AB: what by 12/12' for an action, '/add Name (XY)' for someone new.",
                     id="said-hint")
        yield Input(placeholder="AB: what was said", id="said-input", max_length=4000)
        yield Footer()

    def on_mount(self) -> None:
        self.show_question()
        self.query_one("#said-input", Input).focus()

    def show_question(self) -> None:
        question = self.group.question
        n = self.group.index + 1
        total = len(self.group.questions)
        self.query_one("#question-text", Static).update(
            text(f"Question {n} of {total}\n\n{question.text if question else ''}"))
        said = self.query_one("#said", VerticalScroll)
        said.remove_children()
        people = {p.initials: p.label() for p in self.group.participants}
        said.mount_all([Static(text(self._line(t.speaker, t.text, people)), classes="said-line")
                        for t in self.group.turns_for(self.group.index)])
        self.signalled = False
        self.tick()
        self.sync_ticker()

    @staticmethod
    def _line(speaker: str | None, body: str, people: dict[str, str]) -> str:
        return f"{people.get(speaker, speaker)}: {body}" if speaker else f"Note: {body}"

    def sync_ticker(self) -> None:
        """Tick once a second only while the countdown runs: no CPU when paused or idle."""
        countdown = self.group.countdown
        running = countdown is not None and countdown.running
        if running and self.ticker is None:
            self.ticker = self.set_interval(1, self.tick)
        elif not running and self.ticker is not None:
            self.ticker.stop()
            self.ticker = None

    def tick(self) -> None:
        countdown = self.group.countdown
        widget = self.query_one("#countdown", Static)
        if countdown is None:
            widget.update("")
            return
        remaining = countdown.remaining(self.app.clock())  # type: ignore[attr-defined]
        label = clock_text(remaining) + ("  paused" if not countdown.running else "")
        widget.update(label)
        widget.set_class(remaining <= 0, "over")
        if remaining <= 0 and not self.signalled:
            self.signalled = True
            self.app.bell()
            self.notify("Time is up for this question. Move on when the team is ready (F7), or add a minute (F6).",
                        timeout=8)

    def action_pause(self) -> None:
        self.group.toggle_pause()
        self.tick()
        self.sync_ticker()

    def action_extend(self) -> None:
        self.group.extend(1)
        self.signalled = False
        self.tick()

    def action_next(self) -> None:
        if self.group.next_question() is None:
            self.action_close()
            return
        self.show_question()

    def action_close(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        self.app.switch_screen(GroupCloseScreen(self.group))

    def action_leave(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
        self.app.pop_screen()

    @on(Input.Submitted, "#said-input")
    def submitted(self, event: Input.Submitted) -> None:
        line = event.value
        box = self.query_one("#said-input", Input)
        command = parse_command(line)
        try:
            if command is not None and command.name == "action":
                actions = self.group.add_actions(command.rest)
                self.notify(f"Action recorded: {self.group.said_back(actions)}", markup=False)
                box.value = ""
                return
            if command is not None and command.name == "add":
                people = parse_participants(command.rest)
                for person in people:
                    self.group.add_participant(person.name, person.initials)
                self.notify("Added: " + ", ".join(p.label() for p in people), markup=False)
                box.value = ""
                return
            said = self.group.read(line)
        except (GroupError, PeopleError) as exc:
            self.notify(sentence(str(exc)), severity="warning", markup=False)
            return
        if said.unknown_prefix:
            def answered(person: Participant | None) -> None:
                self.record(said.text, person)
                box.value = ""

            self.app.push_screen(WhoIsThis(said.unknown_prefix, self.group), answered)
            return
        self.record(said.text, said.speaker)
        box.value = ""

    def action_pick_speaker(self) -> None:
        """Attribute what is typed by choosing the person from the list instead of a prefix."""
        box = self.query_one("#said-input", Input)
        if not box.value.strip():
            self.notify("Type what was said first, then press F2 to choose who said it.", severity="warning")
            return
        body = box.value

        def answered(person: Participant | None) -> None:
            self.record(body, person)
            box.value = ""

        self.app.push_screen(WhoIsThis(None, self.group), answered)

    def record(self, body: str, speaker: Participant | None) -> None:
        try:
            turn = self.group.contribute(body, speaker)
        except GroupError as exc:
            self.notify(sentence(str(exc)), severity="warning", markup=False)
            return
        people = {p.initials: p.label() for p in self.group.participants}
        self.query_one("#said", VerticalScroll).mount(
            Static(text(self._line(turn.speaker, turn.text, people)), classes="said-line"))


class GroupCloseScreen(Screen[None]):
    """What the team will take back, agreed actions, then the record."""

    BINDINGS = [Binding("ctrl+j", "finish", "Finish and see the record", priority=True),
                Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, group: GroupSession) -> None:
        super().__init__()
        self.group = group

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="group-close"):
            yield Static("Before you finish: what will the team take back to its own cases? One line at a time. "
                         "Agree actions as 'AB: what by 12/12' after '/action '.", id="close-intro")
            yield VerticalScroll(id="close-lines")
            yield Input(placeholder="What we will take back, or /action AB: what by 12/12", id="close-input")
            yield Button("Finish and see the record (Ctrl+J)", id="finish", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#close-input", Input).focus()

    @on(Input.Submitted, "#close-input")
    def submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        command = parse_command(line)
        try:
            if command is not None and command.name == "action":
                self.group.add_actions(command.rest)
                shown = "Action: " + command.rest
            else:
                self.group.take_back(line)
                shown = "Take back: " + line
        except GroupError as exc:
            self.notify(sentence(str(exc)), severity="warning", markup=False)
            return
        self.query_one("#close-lines", VerticalScroll).mount(Static(text(shown)))
        self.query_one("#close-input", Input).value = ""

    @on(Button.Pressed, "#finish")
    def action_finish(self) -> None:
        self.group.finish()
        self.post_message(messages.SessionFinished(self.group.session.id))
