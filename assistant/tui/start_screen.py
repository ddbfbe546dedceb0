"""Starting a reflection: how to reflect, the strand and stage, the case, the supervision, a title.

The form is one labelled row per question with compact fields, inside a scrolling container, so
it fits an 80 x 24 terminal and a smaller one can still scroll to the Start button. What is
typed is checked in the reflection layer (`details.py`): a refusal is said in one line under
the form and the cursor goes to the field to put right.
"""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from assistant.casebank.model import STAGE_LABELS, STAGES
from assistant.tui import messages
from assistant.tui.context import UsesServices
from assistant.tui.widgets import FORM_BINDINGS, text

PRIVACY = ("Call the child by a pseudonym or initials, and leave out anything that could identify them or "
           "their family (dates of birth, addresses, schools, phone numbers).")
#: The field a refused detail is typed in (DetailsError.field is the meta key).
FIELD_INPUTS = {"case_ref": "#case-ref", "supervision_date": "#supervision-date", "supervisor": "#supervisor",
                "practitioner": "#practitioner"}


def row(label: str, *widgets: Widget, id: str | None = None) -> Horizontal:
    """One question of the form: its label, then its field(s), on one line."""
    return Horizontal(Label(label, classes="form-label"), *widgets, classes="form-row", id=id)


class StartScreen(UsesServices, Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+j", "start", "Start", priority=True),
                *FORM_BINDINGS]

    def today(self) -> dt.date:
        """Today by the app's clock (which tests can fix), in local time."""
        return dt.datetime.fromtimestamp(self.app.clock()).date()  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        from assistant.reflection.details import earlier_case_refs, last_supervisor, practitioner_name

        services = self.services
        store = services.store
        flows = [f for f in services.flows if f.kind == "reflection"]
        framework = services.bank.framework
        strands = [(s.title, s.id) for s in framework.strands] or [("Supporting desistance", "desistance")]
        refs = earlier_case_refs(store)
        self.ask_name = not practitioner_name(store)
        yield Header()
        with VerticalScroll(id="start"):
            yield Static(PRIVACY, id="privacy")
            yield row("How to reflect", Select([(text(f.title), f.id) for f in flows], id="flow", allow_blank=False,
                                               value=flows[0].id if flows else Select.NULL, compact=True))
            yield Static(text(flows[0].description if flows else "No flows found in prompts/flows/."), id="flow-help")
            yield row("Strand", Select(strands, id="strand", allow_blank=False, value="desistance", compact=True))
            yield row("Stage", Select([(STAGE_LABELS[s], s) for s in STAGES], id="stage", allow_blank=False,
                                      value="assessment", compact=True))
            case_fields: list[Widget] = [Input(placeholder="initials or a pseudonym, e.g. JS or Child K", id="case-ref",
                                               max_length=40, compact=True,
                                               suggester=SuggestFromList(refs, case_sensitive=False))]
            if refs:
                case_fields.append(Select([(text(r), r) for r in refs], prompt="Earlier cases", id="earlier-case",
                                          compact=True))
            yield row("Case reference", *case_fields, id="case-row")
            yield row("Supervision date", Input(self.today().strftime("%d/%m/%Y"), id="supervision-date",
                                                placeholder="the day of the supervision, e.g. 23/11/2026",
                                                max_length=40, compact=True))
            yield row("Supervisor", Input(last_supervisor(store), placeholder="who supervised you", id="supervisor",
                                          max_length=80, compact=True))
            if self.ask_name:
                yield row("Your name", Input(placeholder="asked once; change it in Settings", id="practitioner",
                                             max_length=80, compact=True))
            yield row("Title (optional)", Input(placeholder="e.g. Planning with J after the exclusion", id="title",
                                                max_length=120, compact=True))
            yield Static("", id="start-status")
            yield Button("Start the reflection (Ctrl+J)", id="start-button", variant="primary", compact=True)
        yield Footer()

    @on(Select.Changed, "#flow")
    def flow_changed(self, event: Select.Changed) -> None:
        flow = next((f for f in self.services.flows if f.id == event.value), None)  # type: ignore[attr-defined]
        if flow:
            self.query_one("#flow-help", Static).update(text(flow.description))

    @on(Select.Changed, "#earlier-case")
    def earlier_case_chosen(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.query_one("#case-ref", Input).value = str(event.value)

    def _value(self, selector: str) -> str:
        found = self.query(selector)
        return found.first(Input).value if found else ""

    @on(Input.Submitted)
    @on(Button.Pressed, "#start-button")
    def action_start(self) -> None:
        from assistant.reflection import Conversation
        from assistant.reflection.details import DetailsError, practitioner_name, read_details, set_practitioner_name

        services = self.services
        flow_id = self.query_one("#flow", Select).value
        flow = next((f for f in services.flows if f.id == flow_id), None)
        if flow is None:
            self.notify("Choose a flow first.", severity="warning")
            return
        strand = str(self.query_one("#strand", Select).value)
        stage = str(self.query_one("#stage", Select).value)
        if services.bank.framework.stage(strand, stage) is None:
            self.notify("The framework has no such stage for this strand; choose another.", severity="warning")
            return
        name = self._value("#practitioner") if self.ask_name else practitioner_name(services.store)
        try:
            details = read_details(self._value("#case-ref"), self._value("#supervision-date"),
                                   self._value("#supervisor"), name, today=self.today())
            if self.ask_name and details.practitioner:
                set_practitioner_name(services.store, details.practitioner)
        except DetailsError as exc:
            self.refuse(str(exc), exc.field)
            return
        conversation = Conversation.start(services.store, flow, services.bank.framework, strand=strand,
                                          stage=stage, title=self._value("#title"), meta=details.meta())
        self.post_message(messages.ReflectionStarted(conversation))

    def refuse(self, reason: str, field: str) -> None:
        """Say why in one line under the form, and put the cursor in the field to change."""
        status = self.query_one("#start-status", Static)
        status.update(text(reason))
        status.add_class("warning")
        self.notify(reason, severity="warning", markup=False)
        selector = FIELD_INPUTS.get(field)
        if selector and self.query(selector):
            self.query_one(selector, Input).focus()
