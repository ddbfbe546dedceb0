"""Group sessions on a shared screen: setup, presenting the case, questions with a timer, close.

Every entry goes straight to the store through `GroupSession`; these screens only show it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from assistant.casebank.model import STAGE_LABELS, STAGES, Bank, Case
from assistant.group import GroupError, GroupSession, PeopleError, clock_text, parse_participants
from assistant.group.formats import GroupFormat, Role
from assistant.group.people import Participant, initials_note, preview_initials
from assistant.group.session import plan_lines, session_questions
from assistant.reflection.commands import parse_command
from assistant.search.filters import Filters, listing
from assistant.textsafe import one_line, plain
from assistant.tui import messages
from assistant.tui.group_widgets import ActionList, RoomStrip, stage_heading
from assistant.tui.jobs import Jobs, job
from assistant.tui.widgets import FORM_BINDINGS, case_text, sentence, text
from assistant.tui.context import UsesServices


SEARCH_DELAY = 0.35  # seconds of quiet typing before the case search runs


class GroupSetupScreen(UsesServices, Jobs, Screen[None]):
    """Who is in the room, the case, the format and its roles: checked by the group layer on Begin."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+j", "begin", "Begin", priority=True),
                Binding("ctrl+h", "handout", "Handout"), *FORM_BINDINGS]

    def __init__(self) -> None:
        super().__init__()
        self.debounce: Timer | None = None
        self.shown_format = ""  # the format whose role boxes are on screen

    def compose(self) -> ComposeResult:
        services = self.services
        formats = services.group_formats
        yield Header()
        with VerticalScroll(id="group-setup"):
            yield Label("Facilitator (you are in the room too, with initials like everyone else)")
            yield Input(placeholder="Your name, e.g. Dee Supervisor, or 'Dee Supervisor (DS)'", id="facilitator",
                        max_length=60)
            yield Label("Participants (names or initials, separated by commas; 'Jo Tate (JT)' sets initials)")
            yield Input(placeholder="e.g. Amira Begum, Jo Tate (JT), Sam", id="participants", max_length=600)
            yield Static("", id="people-preview")
            yield from self.compose_case(services.bank)
            yield Label("Format")
            yield Select([(text(f.title), f.id) for f in formats], id="group-format", allow_blank=False,
                         value=formats[0].id)
            yield Static("", id="format-about")
            self.shown_format = formats[0].id
            yield Vertical(*[w for role in formats[0].roles for w in self.role_widgets(role)], id="roles")
            yield Static(text(self.problems_text()), id="format-problems")
            with Vertical(id="minutes-row"):
                yield Label("Minutes per question (for the case's own questions and stages without a time)")
                yield Input(value="10", id="minutes", max_length=4)
            with Horizontal(id="group-buttons"):
                yield Button("Begin the session (Ctrl+J)", id="begin", variant="primary")
                yield Button("Export a handout (Ctrl+H)", id="handout")
            yield Static("", id="setup-status")
        yield Footer()

    @staticmethod
    def compose_case(bank: Bank) -> ComposeResult:
        yield Label("The case: describe the kind of case the team wants to discuss (the list follows as you type; "
                    "Enter searches at once), or filter by stage and theme; ↑/↓ in the list to choose")
        with Horizontal(id="case-filters"):
            yield Input(placeholder="e.g. a boy on the edge of a gang who carried a knife", id="case-query")
            yield Select([(STAGE_LABELS[s], s) for s in STAGES], prompt="Any stage", id="group-stage")
            yield Select([(t.label, t.id) for t in bank.themes.values()], prompt="Any theme", id="group-theme")
        yield OptionList(id="group-cases")
        yield Static("", id="chosen-case")

    def problems_text(self) -> str:
        problems = self.services.format_problems  # type: ignore[attr-defined]
        if not problems:
            return ""
        return (f"{len(problems)} format file problem(s); that format is left out until it is fixed:\n"
                + "\n".join(str(p) for p in problems[:5]))

    def on_mount(self) -> None:
        # Nothing is awaited here (the first format's role boxes are composed with the rest), so
        # the screen takes keys as soon as it is shown.
        self.query_one("#facilitator", Input).focus()
        self.query_one("#format-problems").display = bool(self.problems_text())
        self.list_cases()
        self.show_format_details()

    # --- people ---------------------------------------------------------------------------

    @on(Input.Changed, "#facilitator")
    @on(Input.Changed, "#participants")
    def people_changed(self) -> None:
        """Say the initials each name gets as it is typed ('Dan → DAN'), or what is wrong."""
        message, ok = preview_initials(self.query_one("#facilitator", Input).value,
                                       self.query_one("#participants", Input).value)
        preview = self.query_one("#people-preview", Static)
        preview.update(text(message))
        preview.set_class(not ok, "problem")

    # --- the format and its roles ---------------------------------------------------------

    def chosen_format(self) -> GroupFormat:
        formats = self.services.group_formats  # type: ignore[attr-defined]
        value = self.query_one("#group-format", Select).value
        return next((f for f in formats if f.id == value), formats[0])

    @on(Select.Changed, "#group-format")
    async def show_format(self) -> None:
        fmt = self.chosen_format()
        if fmt.id != self.shown_format:
            self.shown_format = fmt.id
            roles = self.query_one("#roles", Vertical)
            await roles.remove_children()
            await roles.mount_all([w for role in fmt.roles for w in self.role_widgets(role)])
        self.show_format_details()

    def show_format_details(self) -> None:
        self.query_one("#minutes-row").display = self.chosen_format().needs_minutes
        self.show_plan()

    @staticmethod
    def role_widgets(role: Role) -> list[Widget]:
        need = " (required)" if role.required else ""
        label = Label(text(f"{role.title}{need}: {role.description}" if role.description else role.title + need))
        hint = "initials, separated by commas" if role.several else "initials, e.g. JT"
        return [label, Input(placeholder=hint, id=f"role-{role.id}", max_length=200, classes="role-input")]

    def show_plan(self) -> None:
        """The format's description and its stages with their minutes, for the chosen case."""
        fmt = self.chosen_format()
        case = self.chosen_case()
        about = Text(plain(fmt.description) + "\n" if fmt.description else "", style="italic")
        if case is not None:
            leads = {r.id: r.title for r in fmt.roles}
            about.append(plain("\n".join(plan_lines(session_questions(case, fmt), self.minutes_or(10), leads))))
        self.query_one("#format-about", Static).update(about)

    def minutes_or(self, default: float) -> float:
        try:
            return float(self.query_one("#minutes", Input).value.strip() or default)
        except ValueError:
            return default

    @on(Input.Changed, "#minutes")
    def minutes_changed(self) -> None:
        self.show_plan()

    def roles_given(self) -> dict[str, str]:
        return {str(box.id)[len("role-"):]: box.value for box in self.query(".role-input").results(Input)}

    # --- the case -------------------------------------------------------------------------

    @on(Input.Changed, "#case-query")
    def query_changed(self) -> None:
        """Search as the team's description is typed, once the typing pauses."""
        if self.debounce is not None:
            self.debounce.stop()
        self.debounce = self.set_timer(SEARCH_DELAY, self.list_cases)

    @on(Select.Changed, "#group-stage")
    @on(Select.Changed, "#group-theme")
    @on(Input.Submitted, "#case-query")
    def list_cases(self) -> None:
        if self.debounce is not None:
            self.debounce.stop()
            self.debounce = None
        query = self.query_one("#case-query", Input).value.strip()
        stage = self.query_one("#group-stage", Select).value
        theme = self.query_one("#group-theme", Select).value
        stage = None if stage is Select.NULL else str(stage)
        theme = None if theme is Select.NULL else str(theme)
        if query:
            self.search(query, stage, theme)
            return
        cases = listing(self.services.bank.cases, self._filters(stage, theme))  # type: ignore[attr-defined]
        self.show([(c, "") for c in cases])

    @staticmethod
    def _filters(stage: str | None, theme: str | None) -> Filters:
        return Filters(stage=stage, themes=(theme,) if theme else ())

    @job("group-search")
    def search(self, query: str, stage: str | None, theme: str | None) -> list:
        services = self.services
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
        self.show_chosen()

    @on(OptionList.OptionHighlighted, "#group-cases")
    def show_chosen(self) -> None:
        """The case the session will use, said plainly under the list."""
        case = self.chosen_case()
        chosen = self.query_one("#chosen-case", Static)
        if case is None:
            chosen.update(text("No case chosen: no case matches. Describe it another way, or clear the filters."))
        else:
            line = Text("Chosen case: ", style="bold")
            line.append(one_line(case.title), style="bold")
            line.append(f"  ({case.stage_label}; {one_line(case.child.name, 40)}, {case.child.age})", style="dim")
            chosen.update(line)
        self.show_plan()

    def chosen_case(self) -> Case | None:
        options = self.query_one("#group-cases", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return self.services.bank.case(str(options.get_option_at_index(options.highlighted).id))  # type: ignore[attr-defined]

    # --- beginning ------------------------------------------------------------------------

    def status(self, message: str) -> None:
        self.query_one("#setup-status", Static).update(text(message))

    @on(Button.Pressed, "#begin")
    def action_begin(self) -> None:
        services = self.services
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
        try:
            group = GroupSession.create(services.store, facilitator=self.query_one("#facilitator", Input).value,
                                        participants=people, case=case, group_format=self.chosen_format(),
                                        minutes=minutes, roles=self.roles_given(),
                                        clock=self.app.clock)  # type: ignore[attr-defined]
        except GroupError as exc:
            self.status(sentence(plain(str(exc))))
            return
        self.app.switch_screen(PresentScreen(group))

    @on(Button.Pressed, "#handout")
    def action_handout(self) -> None:
        case = self.chosen_case()
        if case is None:
            self.status("Choose a case first.")
            return
        exported = self.services.export_handout(case.id)  # type: ignore[attr-defined]
        if exported.error:
            self.status(exported.error)
            return
        self.status("Handout saved: " + ", ".join(str(p) for p in exported.paths))


TEXT_SIZE = ("Text is the size of your terminal's font: zoom in with Ctrl and + (Cmd and + on a Mac), or "
             "show it in a browser with `reflect serve --font-size 30`.")


class PresentScreen(UsesServices, Screen[None]):
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
        """Who is here (with initials and roles) and the plan, for the facilitator to glance at."""
        group = self.group
        people = "\n".join(f"  {p.initials}  {p.name}" + (f" ({', '.join(group.roles_of(p.initials))})"
                                                          if group.roles_of(p.initials) else "")
                           for p in group.participants)
        plan = "\n".join("  " + line for line in group.plan())
        return (f"{group.format_title}\n\nIn the room:\n{people}\n\nThe plan:\n{plan}\n\n"
                f"{TEXT_SIZE}")

    def action_toggle_notes(self) -> None:
        notes = self.query_one("#present-notes")
        notes.display = not notes.display

    def action_questions(self) -> None:
        self.group.begin()
        self.app.switch_screen(QuestionScreen(self.group))


class WhoIsThis(UsesServices, ModalScreen[Participant | None]):
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
                self.notify(sentence(plain(str(exc))), severity="error", markup=False)
                return
            self.dismiss(person)
            return
        self.dismiss(next(p for p in self.group.participants if p.initials == choice))


HINT = ("AB: what they said (or type it, then F2 to pick who) · plain text is a group note · "
        "/action AB: what by 12/12 · /add Name (XY)")
HINT_UNATTRIBUTED = ("Type what was said: nobody is named in this format, and initials in front are dropped · "
                     "/action what by 12/12 (the team's) · /add Name (XY)")


class QuestionScreen(UsesServices, Screen[None]):
    """One stage at a time, a visible countdown, what the team says, the room and the actions."""

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
        with Vertical(id="question-top"):
            with Horizontal(id="question-head"):
                yield Static("", id="question-text")
                yield Static("", id="countdown")
            yield Static("", id="question-rule")
        yield RoomStrip("", id="room")
        with Horizontal(id="question-body"):
            yield VerticalScroll(id="said")
            with VerticalScroll(id="actions-panel"):
                yield ActionList("", id="actions")
        yield Static(HINT if self.group.attributed else HINT_UNATTRIBUTED, id="said-hint")
        yield Input(placeholder="AB: what was said" if self.group.attributed else "What was said (no names)",
                    id="said-input", max_length=4000)
        yield Footer()

    def on_mount(self) -> None:
        self.show_question()
        self.query_one("#said-input", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No 'who said it' in a format that names nobody."""
        return not (action == "pick_speaker" and not self.group.attributed)

    def show_question(self) -> None:
        """The stage, its rule, what has been said during it, the room and the actions."""
        group = self.group
        question = group.question
        lead = group.lead()
        lead_text = (f"the {lead[0].lower()}" + (f", {', '.join(p.label() for p in lead[1])}" if lead[1] else "")
                     if lead else "")
        self.query_one("#question-text", Static).update(
            stage_heading(question, group.index + 1, len(group.questions), lead_text))
        rule = self.query_one("#question-rule", Static)
        rule.update(text(f"Rule: {question.rule}" if question and question.rule else ""))
        rule.display = bool(question and question.rule)
        said = self.query_one("#said", VerticalScroll)
        said.remove_children()
        said.mount_all([self._line(t.speaker, t.text) for t in group.turns_for(group.index)])
        self.show_room()
        self.query_one("#actions", ActionList).show(group.action_lines())
        self.signalled = False
        self.tick()
        self.sync_ticker()

    def show_room(self) -> None:
        self.query_one("#room", RoomStrip).show(self.group.room(), self.group.attributed)

    def _line(self, speaker: str | None, body: str) -> Static:
        """One line of what was said, in the order it was typed (a note stays where it was said)."""
        if speaker:
            content = Text(plain(self.group.owner_label(speaker)) + ": ", style="bold")
        else:
            content = Text("Note: " if self.group.attributed else "· ", style="italic")
        content.append_text(text(body))
        return Static(content, classes="said-line")

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
            if command is not None and command.name in ("action", "add"):
                self.run_command(command.name, command.rest)
                box.value = ""
                return
            said = self.group.read(line)
        except (GroupError, PeopleError) as exc:
            self.notify(sentence(plain(str(exc))), severity="warning", markup=False)
            return
        if said.unknown_prefix:
            def answered(person: Participant | None) -> None:
                self.record(said.text, person)
                box.value = ""

            self.app.push_screen(WhoIsThis(said.unknown_prefix, self.group), answered)
            return
        self.record(said.text, said.speaker)
        box.value = ""

    def run_command(self, name: str, rest: str) -> None:
        """/action and /add: the list or the room changes on screen, where everyone can see it."""
        if name == "action":
            actions = self.group.add_actions(rest)
            self.query_one("#actions", ActionList).show(self.group.action_lines())
            self.query_one("#actions-panel", VerticalScroll).scroll_end(animate=False)
            owners = sorted({self.group.owner_label(a.owner) for a in actions})
            self.notify(plain(f"Action recorded for {', '.join(owners)}: {self.group.said_back(actions)}"),
                        markup=False)
            return
        people = parse_participants(rest)
        added = [self.group.add_participant(person.name, person.initials) for person in people]
        self.show_room()
        self.notify(plain("Added: " + initials_note(added)), markup=False)

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
            self.notify(sentence(plain(str(exc))), severity="warning", markup=False)
            return
        said = self.query_one("#said", VerticalScroll)
        said.mount(self._line(turn.speaker, turn.text))
        said.scroll_end(animate=False)
        self.show_room()


class GroupCloseScreen(UsesServices, Screen[None]):
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
            with Horizontal(id="close-body"):
                yield VerticalScroll(id="close-lines")
                with VerticalScroll(id="close-actions"):
                    yield ActionList("", id="actions")
            yield Input(placeholder="What we will take back, or /action AB: what by 12/12", id="close-input")
            yield Button("Finish and see the record (Ctrl+J)", id="finish", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#actions", ActionList).show(self.group.action_lines())
        self.query_one("#close-input", Input).focus()

    @on(Input.Submitted, "#close-input")
    def submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        command = parse_command(line)
        try:
            if command is not None and command.name == "action":
                self.group.add_actions(command.rest)
                self.query_one("#actions", ActionList).show(self.group.action_lines())
            else:
                self.group.take_back(line)
                self.query_one("#close-lines", VerticalScroll).mount(Static(text("Take back: " + line)))
        except GroupError as exc:
            self.notify(sentence(plain(str(exc))), severity="warning", markup=False)
            return
        self.query_one("#close-input", Input).value = ""

    @on(Button.Pressed, "#finish")
    def action_finish(self) -> None:
        self.group.finish()
        self.post_message(messages.SessionFinished(self.group.session.id))
