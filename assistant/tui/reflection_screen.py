"""The conversation: transcript, answer box, similar cases and the coverage checklist.

The answer is committed to the store as soon as it is sent (in the UI thread: a single
SQLite write); the heavy half (coverage, the next probe, similar cases) runs in a job that
returns its result to `<job>_done` (see `jobs.py`): a failed job is reported and the screen
goes on; an older search that a newer one superseded is dropped.

What is typed and not sent is kept too: a timer, started again at every change of the answer
box, saves it as the session's draft once typing pauses (DRAFT_DELAY), and leaving the screen
or quitting saves it at once; reopening the reflection puts it back in the box. The draft goes
through the conversation, in the UI thread, so it is always saved in the order it was typed.
"""

from __future__ import annotations

import threading

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Footer, Header, OptionList, ProgressBar, Static, TextArea

from assistant.privacy import describe, find_identifiers, redact
from assistant.reflection import Conversation, ReflectionError
from assistant.reflection.conversation import MAX_ANSWER_CHARS
from assistant.reflection.commands import Command, parse_command
from assistant.reflection.reflector import AfterAnswer, Reflector, pin_reason
from assistant.store import StoreBusy, StoreError
from assistant.textsafe import plain
from assistant.tui import messages
from assistant.tui.jobs import Jobs, failure_line, job
from assistant.tui.widgets import CaseCard, CoverageList, TurnView, sentence, text
from assistant.tui.context import UsesServices

#: Seconds after the last change of the answer box that its text is saved as the draft.
DRAFT_DELAY = 1.5
DRAFT_RESTORED = "Your unsent draft was restored."

HELP_LINE = ("Enter adds a new line · Ctrl+J or Alt+Enter sends · /skip /back /finish /pin N /open N /widen")


class ReflectionScreen(UsesServices, Jobs, Screen[None]):
    # Below 100 columns the side panels narrow and the Send button gives way (Ctrl+J sends, as the
    # footer says), so the answer box keeps most of an 80-column terminal.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+j", "send", "Send"),
        Binding("alt+enter", "send", "Send", show=False),
        Binding("ctrl+n", "skip", "Skip question"),
        Binding("ctrl+b", "edit_last", "Edit last answer"),
        Binding("ctrl+r", "replace_identifiers", "Replace identifiers", show=False),
        Binding("ctrl+g", "widen", "All stages"),
        Binding("ctrl+o", "open_case(1)", "Read case 1"),
        Binding("ctrl+t", "pin_case(1)", "Pin case 1"),
        Binding("ctrl+f", "finish", "Finish"),
        Binding("f3", "marks", "Checklist"),
        Binding("f4", "clear_answer", "Clear box"),
        Binding("escape", "leave", "Home"),
    ]

    def __init__(self, conversation: Conversation) -> None:
        super().__init__()
        self.conversation = conversation
        self.reflector: Reflector | None = None
        self.hits: list = []
        self.widen = False
        self.editing = False
        self.busy = False
        self._acknowledged: str | None = None  # answer text the person chose to send despite identifiers
        self._save_retry = None  # a timer that sends again the answer a busy store could not take
        self._reflector_lock = threading.Lock()
        self._pending: tuple[str, int | None] = ("", None)  # the answer the running job is about
        self._draft_timer: Timer | None = None  # saves the answer box's text once typing pauses
        self._draft_saved = ""  # the text the store holds as this session's draft
        self._box: TextArea | None = None  # kept: unmounting removes it before the screen's Unmount
        self._shown = 0  # the id of the last turn in the transcript: what the store holds after it is new

    def compose(self) -> ComposeResult:
        conv = self.conversation
        title = conv.session.title or "Reflection"
        yield Header()
        with Horizontal(id="reflection"):
            with Vertical(id="main"):
                yield Static(text(f"{title} · {conv.flow.title} · {conv.strand_title} · "
                                  f"{conv.stage.title if conv.stage else conv.session.stage}"), id="heading")
                yield ProgressBar(id="progress", show_eta=False, show_percentage=False)
                yield VerticalScroll(id="transcript")
                yield Static("", id="notice")
                yield Static(HELP_LINE, id="hint")
                with Horizontal(id="composer"):
                    yield TextArea(id="answer", soft_wrap=True, tab_behavior="focus", placeholder="Write your answer…")
                    yield Button("Send", id="send", variant="primary")
            with Vertical(id="side"):
                with VerticalScroll(id="cases-panel", classes="panel") as cases:
                    cases.border_title = "Similar cases"
                    yield Static("Loading the case search…", id="cases-status")
                    yield Vertical(id="case-list")
                with Vertical(id="coverage-panel", classes="panel") as coverage:
                    coverage.border_title = "What good practice looks for"
                    yield CoverageList(id="checklist")
                    yield Static("", id="coverage-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#transcript", VerticalScroll).anchor()
        self.show_new_turns()
        self.refresh_checklist()
        self.refresh_progress()
        self._box = self.query_one("#answer", TextArea)
        self.restore_draft()
        self._box.focus()
        self.start_engine()

    # --- the unsent draft ----------------------------------------------------------------

    def restore_draft(self) -> None:
        """Put the draft of a resumed reflection back in the answer box, and say so."""
        try:
            draft = self.conversation.draft()
        except StoreError:
            return  # the reflection goes on without it
        if draft and self._box is not None:
            self._box.text = draft
            self._box.move_cursor(self._box.document.end)
            self._draft_saved = draft
            self.show_notice(DRAFT_RESTORED)

    @on(TextArea.Changed, "#answer")
    def _answer_changed(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self.save_draft)

    def save_draft(self) -> None:
        """Save the answer box as the draft (the timer's end); a problem is shown, never raised."""
        self._draft_timer = None
        problem = self.write_draft()
        if problem:
            self.show_notice(problem, warning=True)

    def write_draft(self, retry: bool = True) -> str:
        """Write the box's text as the draft if it changed; '' when saved, or what went wrong.

        Touches no widget but the box, so it also runs while the screen is being removed
        (then with `retry=False`: no timer is left behind). While the last answer is being
        edited the box holds that answer, not a draft.
        """
        if self._box is None or self.editing or self._box.text == self._draft_saved:
            return ""
        typed = self._box.text
        try:
            self.conversation.save_draft(typed)
        except ReflectionError as exc:
            return f"Your draft is not being saved: {exc}."
        except StoreBusy:
            if retry:
                self._answer_changed()  # another program is writing: try again in a moment
            return ""
        except StoreError as exc:
            return f"Your draft is not being saved: {exc}"
        self._draft_saved = typed
        return ""

    def flush_draft(self, retry: bool = True) -> None:
        """Save the draft now rather than when the timer ends (leaving, quitting, editing)."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self.write_draft(retry)

    def on_screen_suspend(self) -> None:
        self.flush_draft()

    def on_unmount(self) -> None:
        self.flush_draft(retry=False)

    # --- the engine (model and search) -----------------------------------------------------

    def ensure_reflector(self) -> Reflector | None:
        """The one place the reflector is built: by whichever job needs it first, under a lock,
        so an answer sent during warm-up waits for it and keeps its coverage."""
        with self._reflector_lock:
            if self.reflector is None:
                self.services.warm()
                if self.services.search_ready:
                    self.reflector = self.services.reflector(self.conversation)
            return self.reflector

    @job("reflector")
    def start_engine(self) -> list | str:
        reflector = self.ensure_reflector()
        if reflector is None:
            return f"Case search is unavailable: {self.services.search_error}"
        if not self.conversation.reflection_text().strip():
            return "Cases like yours appear here after your first answer."
        return reflector.similar_cases(widen=self.widen)

    def start_engine_done(self, result: list | str) -> None:
        if isinstance(result, str):
            self.show_status(result)
        else:
            self.show_status("")
            self.show_cases(result)

    def show_status(self, message: str) -> None:
        self.query_one("#cases-status", Static).update(text(message))

    # --- sending -------------------------------------------------------------------------

    def action_send(self) -> None:
        if self.busy:
            self.notify("Still thinking about your last answer…", timeout=2)
            return
        box = self.query_one("#answer", TextArea)
        raw = box.text
        command = parse_command(raw)
        if command is not None:
            self.run_command(command)
            return
        if not raw.strip():
            self.show_notice("Nothing to send yet: write an answer, or press Ctrl+N to skip.")
            return
        findings = find_identifiers(raw)
        if findings and self._acknowledged != raw:
            self._acknowledged = raw
            self.show_notice(f"{describe(findings)}. Ctrl+R replaces them with placeholders; "
                             "send again to keep them as they are.", warning=True)
            return
        try:
            if self.editing:
                turn = self.conversation.edit_last_answer(raw)
                self.editing = False
                self.reload_transcript()
                box.text = self._draft_saved  # what was being written before the edit comes back
                self.show_notice("Your last answer was updated.")
                self.reassess(turn.id, turn.text)
                return
            turn = self.conversation.answer(raw)
        except ReflectionError as exc:
            hint = " F4 clears the box." if len(raw) > MAX_ANSWER_CHARS else ""
            self.show_notice(sentence(str(exc)) + hint, warning=True)
            return
        except StoreBusy:
            self.keep_until_free()
            return
        except StoreError as exc:
            self.show_notice(f"Not saved: {exc}. Your answer is still here.", warning=True)
            return
        self._draft_saved = ""  # the answer's own write cleared the draft
        box.text = ""
        self._acknowledged = None
        self.show_notice("")
        self.show_new_turns()  # the answer, and what reflect read from it (a status, due dates)
        self.after_answer(turn.text, turn.id)

    def keep_until_free(self) -> None:
        """The store is busy: the answer stays in the box, and is sent again until it is saved."""
        self.show_notice("Not saved yet: another program is writing to your sessions. Your answer stays "
                         "here and is saved as soon as it is free.", warning=True)
        if self._save_retry is None:
            self._save_retry = self.set_timer(1.0, self._retry_save)

    def _retry_save(self) -> None:
        self._save_retry = None
        if self.query_one("#answer", TextArea).text.strip():
            self.action_send()

    def action_replace_identifiers(self) -> None:
        box = self.query_one("#answer", TextArea)
        if find_identifiers(box.text):
            box.text = redact(box.text)
            self._acknowledged = None
            self.show_notice("Replaced with placeholders. Check the answer, then send.")

    def action_skip(self) -> None:
        if self.busy:
            return
        try:
            turn = self.conversation.skip()
        except ReflectionError as exc:
            self.show_notice(sentence(str(exc)), warning=True)
            return
        self.show_new_turns()
        self.after_answer("", turn.id)

    def action_edit_last(self) -> None:
        last = self.conversation.last_answer()
        if last is None:
            self.show_notice("There is no answer to edit yet.", warning=True)
            return
        self.flush_draft()  # what is in the box now is kept, and comes back after the edit
        box = self.query_one("#answer", TextArea)
        box.text = last.text
        box.focus()
        self.editing = True
        self.show_notice("Editing your last answer: change it and send. Escape leaves it as it was.")

    def action_finish(self) -> None:
        if self.busy:
            return
        self.conversation.finish_early()
        self.show_new_turns()
        self.after_answer("", None)

    def action_widen(self) -> None:
        self.widen = not self.widen
        self.notify("Showing cases from all stages." if self.widen else "Showing cases from this stage only.")
        self.refresh_cases()

    def action_marks(self) -> None:
        """Move to the checklist to confirm or clear what the reflection seems to show."""
        marks = self.query_one("#checklist", CoverageList)
        if marks.has_focus:
            self.query_one("#answer", TextArea).focus()
            return
        marks.focus()
        self.show_notice("Checklist: ↑↓ to move, C or Enter confirms a mark, X clears it, "
                         "F3 or Escape goes back to your answer.")

    @on(CoverageList.Decided)
    def _decided(self, event: CoverageList.Decided) -> None:
        self.conversation.decide_coverage(event.expectation, event.state)
        self.refresh_checklist()
        label = next((e.short for e in self.conversation.expectations if e.id == event.expectation),
                     event.expectation)
        word = "Confirmed" if event.state == "confirmed" else "Cleared"
        self.show_notice(f"{word}: {label}.")

    @on(OptionList.OptionHighlighted, "#checklist")
    def _highlighted(self) -> None:
        entry = self.query_one("#checklist", CoverageList).current()
        detail = self.query_one("#coverage-detail", Static)
        if entry is None or not self.query_one("#checklist", CoverageList).has_focus:
            detail.update("")
            return
        body = entry.text + (f"\nEvidence: “{entry.sentence}”" if entry.sentence else "")
        detail.update(text(body))

    def action_leave(self) -> None:
        marks = self.query_one("#checklist", CoverageList)
        if marks.has_focus:
            self.query_one("#coverage-detail", Static).update("")
            self.query_one("#answer", TextArea).focus()
            self.show_notice("")
            return
        if self.editing:
            self.editing = False
            self.query_one("#answer", TextArea).text = self._draft_saved
            self.show_notice("Edit cancelled.")
            return
        self.app.pop_screen()

    def action_clear_answer(self) -> None:
        """Empty the answer box (a paste too long to send, a false start); the draft goes with it."""
        box = self.query_one("#answer", TextArea)
        if not box.text:
            return
        box.clear()  # an edit, so Ctrl+Z undoes it
        self.editing = False
        box.focus()
        self.show_notice("The answer box is empty. Ctrl+Z brings the text back.")

    def run_command(self, command: Command) -> None:
        self.query_one("#answer", TextArea).text = ""
        number = command.number
        actions = {"skip": self.action_skip, "back": self.action_edit_last, "edit": self.action_edit_last,
                   "finish": self.action_finish, "widen": self.action_widen,
                   "pin": lambda: self.action_pin_case(number), "open": lambda: self.action_open_case(number),
                   "help": lambda: self.show_notice(HELP_LINE)}
        if command.name in actions:
            actions[command.name]()
        else:
            self.show_notice(f"Unknown command /{command.name}. Try /skip, /back, /finish, /pin N, /open N or /widen.",
                             warning=True)

    def after_answer(self, answer: str, turn_id: int | None) -> None:
        """The answer is saved; coverage, the next step and the cases follow in a job."""
        self.set_busy(True)
        self._pending = (answer, turn_id)
        self.think(answer, turn_id)

    @job("answer", exclusive=False)  # one at a time already: sending waits while busy
    def think(self, answer: str, turn_id: int | None) -> AfterAnswer:
        reflector = self.ensure_reflector()
        if reflector is not None:
            return reflector.after_answer(answer, turn_id, widen=self.widen)
        return AfterAnswer(self.conversation.advance())  # no search: the conversation goes on without probes

    def think_done(self, result: AfterAnswer) -> None:
        self.set_busy(False)
        self.show_after(result)

    def think_failed(self, error: BaseException | None) -> None:
        self.set_busy(False)
        answer, turn_id = self._pending
        if isinstance(error, StoreError):  # the answer is saved; the next question waits for the store
            self.store_failed_after(answer, turn_id, error)
        else:
            self.show_notice(failure_line("Reading your answer", error) + " Send /skip to go on.", warning=True)

    @job("reassess")
    def reassess(self, turn_id: int, answer: str) -> None:
        reflector = self.ensure_reflector()
        if reflector is not None:
            reflector.reassess(turn_id, answer)

    def reassess_done(self, _: None) -> None:
        self.refresh_checklist()

    def store_failed_after(self, answer: str, turn_id: int | None, exc: StoreError) -> None:
        """Your answer was saved, but the next question could not be: try again in a moment."""
        self.show_notice(f"Your answer is saved; the next question waits: {exc}", warning=True)
        if isinstance(exc, StoreBusy):
            self.set_timer(1.0, lambda: self.after_answer(answer, turn_id))

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#send", Button).disabled = busy
        if busy:
            self.show_notice("Thinking about your answer…")

    def show_after(self, result: AfterAnswer) -> None:
        self.show_notice(self._coverage_notice(result))
        self.show_new_turns()
        if result.hits:
            self.show_cases(result.hits)
        self.refresh_checklist()
        self.refresh_progress()
        if result.prompt.kind == "done":
            self.post_message(messages.ShowRecord(self.conversation.session.id))

    def _coverage_notice(self, result: AfterAnswer) -> str:
        labels = {e.id: e.short for e in self.conversation.expectations}
        parts = []
        if result.new:
            shown = "; ".join(labels.get(e.expectation, e.expectation) for e in result.new)
            parts.append(f"Your answer seems to show: {shown}. F3 to confirm or clear.")
        if result.nothing_left and result.prompt.kind != "probe" and self.conversation.expectations:
            parts.append("Nothing left to ask about at this stage: every expectation has come up.")
        return " ".join(parts)

    # --- panels --------------------------------------------------------------------------

    def show_new_turns(self) -> None:
        """Show what the store holds since the last turn shown: the transcript is the domain's record."""
        new = [t for t in self.conversation.turns() if t.id > self._shown]
        if new:
            self.query_one("#transcript", VerticalScroll).mount_all([TurnView(t.role, t.kind, t.text) for t in new])
            self._shown = new[-1].id

    def reload_transcript(self) -> None:
        self.query_one("#transcript", VerticalScroll).remove_children()
        self._shown = 0
        self.show_new_turns()

    def show_notice(self, message: str, warning: bool = False) -> None:
        notice = self.query_one("#notice", Static)
        notice.update(text(message))
        notice.set_class(warning, "warning")

    def refresh_checklist(self) -> None:
        self.query_one("#checklist", CoverageList).show(self.conversation.checklist())

    def refresh_progress(self) -> None:
        done, total = self.conversation.progress()
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=done)

    @job("cases")
    def refresh_cases(self) -> list | None:
        reflector = self.reflector
        return reflector.similar_cases(widen=self.widen) if reflector is not None else None

    def refresh_cases_done(self, hits: list | None) -> None:
        if hits is not None:
            self.show_cases(hits)

    def show_cases(self, hits: list) -> None:
        self.hits = hits
        pinned = self.conversation.pinned()
        box = self.query_one("#case-list", Vertical)
        box.remove_children()
        stage = self.conversation.session.stage
        box.mount_all([CaseCard(n, h.case.title, h.case.stage_label, h.case.themes, h.snippet, h.case.id in pinned,
                                from_stage=h.case.stage_label.lower() if h.case.stage != stage else "",
                                closer=h.other_stage, shares=h.shares)
                       for n, h in enumerate(hits, 1)])
        scope = "all stages" if self.widen else f"{stage} stage"
        extra = sum(h.other_stage for h in hits)
        top = f"Top {len(hits) - extra} for your reflection so far ({scope})" + \
            (", and a closer match from another stage" if extra else "")
        self.show_status(f"{top}. Ctrl+O reads case 1, Ctrl+T pins it; /open N and /pin N for others." if hits else
                         "No similar cases yet.")

    def action_open_case(self, number: int = 1) -> None:
        hit = self._hit(number)
        if hit is not None:
            self.post_message(messages.ShowCase(hit.case, on_pin=lambda: self.action_pin_case(number)))

    def action_pin_case(self, number: int = 1) -> None:
        hit = self._hit(number)
        if hit is None:
            return
        self.conversation.pin(hit.case.id, hit.case.title, hit.snippet, reason=pin_reason(hit, number))
        self.notify(f"Pinned “{plain(hit.case.title)}” to your log.", timeout=3, markup=False)
        self.show_cases(self.hits)

    def _hit(self, number: int):
        if not self.hits:
            self.show_notice("There are no similar cases to choose from yet.", warning=True)
            return None
        if not 1 <= number <= len(self.hits):
            self.show_notice(f"Choose a case from 1 to {len(self.hits)}.", warning=True)
            return None
        return self.hits[number - 1]

    @on(Button.Pressed, "#send")
    def _send_pressed(self) -> None:
        self.action_send()
