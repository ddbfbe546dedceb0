"""Browsing the case bank: filters, a search box (semantic once the model is warm), a reading view."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from assistant.casebank.model import STAGE_LABELS, STAGES, Case
from assistant.textsafe import one_line
from assistant.tui.widgets import text


class BrowseScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("slash", "focus_search", "Search")]

    def compose(self) -> ComposeResult:
        bank = self.app.services.bank  # type: ignore[attr-defined]
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="Describe a case (e.g. girl exploited by older men)", id="query")
            yield Select([(STAGE_LABELS[s], s) for s in STAGES], prompt="Any stage", id="stage-filter")
            yield Select([(t.label, t.id) for t in bank.themes.values()], prompt="Any theme", id="theme-filter")
        yield Static("", id="browse-status")
        yield OptionList(id="case-options")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one("#case-options", OptionList).focus()

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def filters(self) -> tuple[str | None, str | None]:
        stage = self.query_one("#stage-filter", Select).value
        theme = self.query_one("#theme-filter", Select).value
        return (None if stage is Select.NULL else str(stage)), (None if theme is Select.NULL else str(theme))

    @on(Select.Changed)
    @on(Input.Submitted, "#query")
    def refresh_list(self) -> None:
        query = self.query_one("#query", Input).value.strip()
        stage, theme = self.filters()
        if query:
            self.search(query, stage, theme)
        else:
            bank = self.app.services.bank  # type: ignore[attr-defined]
            cases = [c for c in bank.cases if (stage is None or c.stage == stage) and (theme is None or theme in c.themes)]
            self.show_cases([(c, "") for c in sorted(cases, key=lambda c: (STAGES.index(c.stage), c.title))],
                            f"{len(cases)} cases")

    @work(thread=True, exclusive=True, group="browse")
    def search(self, query: str, stage: str | None, theme: str | None) -> None:
        services = self.app.services  # type: ignore[attr-defined]
        mode = "hybrid" if services.search_ready else "lexical"
        if services.search_error or not services.ready.is_set():
            self.app.call_from_thread(self.query_one("#browse-status", Static).update,
                                      "Searching by words while the model loads…")
        hits = services.search.search(query, k=10, stage=stage, themes=[theme] if theme else [], mode=mode)
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
        from assistant.tui.case_screen import CaseScreen

        case = self.app.services.bank.case(str(event.option.id))  # type: ignore[attr-defined]
        if case is not None:
            self.app.push_screen(CaseScreen(case))
