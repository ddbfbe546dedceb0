"""Browsing the case bank: filters, a search box (semantic once the model is warm), a reading view."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from assistant.casebank.model import STAGE_LABELS, STAGES, STRAND_LABELS, STRANDS, Case
from assistant.textsafe import one_line
from assistant.tui.widgets import text


AGE_BANDS = {"10-12": (10, 12), "13-14": (13, 14), "15-16": (15, 16), "17-18": (17, 18)}


class BrowseScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("slash", "focus_search", "Search")]

    def compose(self) -> ComposeResult:
        bank = self.app.services.bank  # type: ignore[attr-defined]
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="Describe a case (e.g. girl exploited by older men)", id="query")
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

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def filters(self) -> dict[str, str | None]:
        values = {}
        for name in ("stage", "strand", "theme", "age"):
            value = self.query_one(f"#{name}-filter", Select).value
            values[name] = None if value is Select.NULL else str(value)
        return values

    def keep(self, case: Case, f: dict[str, str | None]) -> bool:
        low, high = AGE_BANDS.get(f["age"] or "", (0, 99))
        return ((f["stage"] is None or case.stage == f["stage"]) and (f["strand"] is None or case.strand == f["strand"])
                and (f["theme"] is None or f["theme"] in case.themes) and low <= case.child.age <= high)

    @on(Select.Changed)
    @on(Input.Submitted, "#query")
    def refresh_list(self) -> None:
        query = self.query_one("#query", Input).value.strip()
        f = self.filters()
        if query:
            self.search(query, f)
        else:
            bank = self.app.services.bank  # type: ignore[attr-defined]
            cases = [c for c in bank.cases if self.keep(c, f)]
            self.show_cases([(c, "") for c in sorted(cases, key=lambda c: (STAGES.index(c.stage), c.title))],
                            f"{len(cases)} cases")

    @work(thread=True, exclusive=True, group="browse")
    def search(self, query: str, f: dict[str, str | None]) -> None:
        services = self.app.services  # type: ignore[attr-defined]
        mode = "hybrid" if services.search_ready else "lexical"
        if services.search_error or not services.ready.is_set():
            self.app.call_from_thread(self.query_one("#browse-status", Static).update,
                                      "Searching by words while the model loads…")
        hits = services.search.search(query, k=len(services.bank.cases), stage=f["stage"], strand=f["strand"],
                                      themes=[f["theme"]] if f["theme"] else [], mode=mode)
        hits = [h for h in hits if self.keep(h.case, f)][:10]
        self.app.call_from_thread(self.show_cases, [(h.case, h.snippet) for h in hits],
                                  f"Best {len(hits)} matches for your description")

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
        case = self.app.services.bank.case(str(event.option.id))  # type: ignore[attr-defined]
        if case is not None:
            self.query_one("#browse-status", Static).update("Checking the case…")
            self.check_and_open(case)

    @work(thread=True, exclusive=True, group="browse-open")
    def check_and_open(self, case: Case) -> None:
        """The trainer's checks for one case: identifiers always; near duplicates and findability
        once the model is warm."""
        from assistant.trainer import identifier_problems, model_problems

        services = self.app.services  # type: ignore[attr-defined]
        problems = [p for p in services.bank.problems if p.path == case.source and p.severity == "warning"]
        problems += identifier_problems([case])
        if services.search_ready:
            problems += model_problems([case], services.bank.cases, services.paths.index_dir, services.search.embedder)
        warnings = [f"{p.field}: {p.message}" if p.field else p.message for p in problems]
        self.app.call_from_thread(self.show_case, case, warnings)

    def show_case(self, case: Case, warnings: list[str]) -> None:
        from assistant.tui.case_screen import CaseScreen

        self.query_one("#browse-status", Static).update("")
        self.app.push_screen(CaseScreen(case, warnings=warnings))
