"""Starting a reflection: the flow, the strand and stage of the work, an optional title."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from assistant.casebank.model import STAGE_LABELS, STAGES
from assistant.tui import messages
from assistant.tui.widgets import text

PRIVACY = ("Before you start: call the child by a pseudonym or an initial, and leave out anything "
           "that could identify them or their family (dates of birth, addresses, schools, phone numbers).")


class StartScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+j", "start", "Start", priority=True)]

    def compose(self) -> ComposeResult:
        services = self.app.services  # type: ignore[attr-defined]
        flows = [f for f in services.flows if f.kind == "reflection"]
        framework = services.bank.framework
        strands = [(s.title, s.id) for s in framework.strands] or [("Supporting desistance", "desistance")]
        yield Header()
        with Vertical(id="start"):
            yield Static(PRIVACY, id="privacy")
            yield Label("How would you like to reflect?")
            yield Select([(text(f.title), f.id) for f in flows], id="flow", allow_blank=False,
                         value=flows[0].id if flows else Select.NULL)
            yield Static(text(flows[0].description if flows else "No flows found in prompts/flows/."), id="flow-help")
            yield Label("Which strand of the work?")
            yield Select(strands, id="strand", allow_blank=False, value="desistance")
            yield Label("Which stage of the work?")
            yield Select([(STAGE_LABELS[s], s) for s in STAGES], id="stage", allow_blank=False, value="assessment")
            yield Label("A title for your log (optional)")
            yield Input(placeholder="e.g. Planning with J after the exclusion", id="title", max_length=120)
            yield Button("Start the reflection", id="start-button", variant="primary")
        yield Footer()

    @on(Select.Changed, "#flow")
    def flow_changed(self, event: Select.Changed) -> None:
        flow = next((f for f in self.app.services.flows if f.id == event.value), None)  # type: ignore[attr-defined]
        if flow:
            self.query_one("#flow-help", Static).update(text(flow.description))

    @on(Input.Submitted, "#title")
    @on(Button.Pressed, "#start-button")
    def action_start(self) -> None:
        from assistant.reflection import Conversation

        services = self.app.services  # type: ignore[attr-defined]
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
        title = self.query_one("#title", Input).value
        conversation = Conversation.start(services.store, flow, services.bank.framework, strand=strand,
                                          stage=stage, title=title)
        self.post_message(messages.ReflectionStarted(conversation))
