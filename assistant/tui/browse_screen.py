"""Browsing the case bank: filters, a search box (semantic once the model is warm), a reading view."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from assistant.casebank.model import STAGE_LABELS, STAGES, STRAND_LABELS, STRANDS, Case
from assistant.search.filters import AGE_BANDS, Filters, listing
from assistant.textsafe import one_line
from assistant.tui import messages
from assistant.tui.jobs import Jobs, failure_line, job
from assistant.tui.widgets import text
from assistant.tui.context import UsesServices


class BrowseScreen(UsesServices, Jobs, Screen[None]):
    # Below 100 columns the search box takes a row of its own above the filters.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("slash", "focus_search", "Search")]

    def compose(self) -> ComposeResult:
        bank = self.services.bank  # type: ignore[attr-defined]
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="Type to search: describe a case (e.g. girl exploited by older men)", id="query",
                        select_on_focus=False)
            yield Select([(STAGE_LABELS[s], s) for s in STAGES], prompt="Any stage", id="stage-filter")
            yield Select([(STRAND_LABELS[s], s) for s in STRANDS], prompt="Any strand", id="strand-filter")
            yield Select([(t.label, t.id) for t in bank.themes.values()], prompt="Any theme", id="theme-filter")
            yield Select([(f"Age {band}", band) for band in AGE_BANDS], prompt="Any age", id="age-filter")
        yield Static("", id="browse-status")
        yield OptionList(id="case-options")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one("#case-options", OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        """Typing in the list starts a search: the key goes into the search box (nothing is lost)."""
        options = self.query_one("#case-options", OptionList)
        if options.has_focus and event.is_printable and event.character and event.character != "/":
            box = self.query_one("#query", Input)
            box.focus()
            box.insert_text_at_cursor(event.character)
            event.stop()

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def filters(self) -> Filters:
        values = {}
        for name in ("stage", "strand", "theme", "age"):
            value = self.query_one(f"#{name}-filter", Select).value
            values[name] = None if value is Select.NULL else str(value)
        return Filters(stage=values["stage"], strand=values["strand"],
                       themes=(values["theme"],) if values["theme"] else (), age_band=values["age"])

    @on(Select.Changed)
    @on(Input.Submitted, "#query")
    def refresh_list(self) -> None:
        if not self.query("#case-options"):  # a Select's first Changed can come before the list is mounted
            return
        query = self.query_one("#query", Input).value.strip()
        if query:
            services = self.services
            if services.search_error or not services.ready.is_set():
                self.query_one("#browse-status", Static).update("Searching by words while the model loads…")
            self.search(query, self.filters())
        else:
            cases = listing(self.services.bank.cases, self.filters())  # type: ignore[attr-defined]
            self.show_cases([(c, "") for c in cases], f"{len(cases)} cases")

    @job("browse")
    def search(self, query: str, filters: Filters) -> list[tuple[Case, str]]:
        services = self.services
        mode = "hybrid" if services.search_ready else "lexical"
        hits = services.search.search(query, k=10, filters=filters, mode=mode)
        return [(h.case, h.snippet) for h in hits]

    def search_done(self, cases: list[tuple[Case, str]]) -> None:
        self.show_cases(cases, f"Best {len(cases)} matches for your description")

    def show_cases(self, cases: list[tuple[Case, str]], status: str) -> None:
        options = self.query_one("#case-options", OptionList)
        options.clear_options()
        for case, snippet in cases:
            label = text(f"{one_line(case.title)}\n")
            label.append(f"  {case.stage_label} · {', '.join(case.themes)}", style="dim")
            if snippet:
                label.append("\n  " + one_line(snippet, 160), style="italic")
            options.add_option(Option(label, id=case.id))
        self.query_one("#browse-status", Static).update(text(status))

    @on(OptionList.OptionSelected, "#case-options")
    def open_case(self, event: OptionList.OptionSelected) -> None:
        case = self.services.bank.case(str(event.option.id))  # type: ignore[attr-defined]
        if case is not None:
            self.query_one("#browse-status", Static).update("Checking the case…")
            self.check_and_open(case)

    @job("browse-open")
    def check_and_open(self, case: Case) -> tuple[Case, list[str]]:
        """The trainer's checks for one case: identifiers always; near duplicates and findability
        once the model is warm."""
        from assistant.trainer import identifier_problems, model_problems

        services = self.services
        problems = [p for p in services.bank.problems if p.path == case.source and p.severity == "warning"]
        problems += identifier_problems([case])
        if services.search_ready:
            problems += model_problems([case], services.bank.cases, services.paths.index_dir, services.search.embedder)
        return case, [f"{p.field}: {p.message}" if p.field else p.message for p in problems]

    def check_and_open_done(self, result: tuple[Case, list[str]]) -> None:
        case, warnings = result
        self.query_one("#browse-status", Static).update("")
        self.post_message(messages.ShowCase(case, warnings))

    def check_and_open_failed(self, error: BaseException | None) -> None:
        self.query_one("#browse-status", Static).update(text(failure_line("Checking the case", error)))
