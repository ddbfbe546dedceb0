"""Past sessions: find (the search box), open (resume or preview), export, delete.

Typing in the search box narrows the list to the sessions whose answers, title or actions hold
every word typed, each with the line that matched; the query is the store's
(`Store.search_sessions`, shared with `reflect sessions search`). It is a quick read of the
local database, so it runs as the person types, in the UI thread like the list itself.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Static

from assistant.store import StoreError, per_session
from assistant.textsafe import one_line
from assistant.tui import messages
from assistant.tui.widgets import text
from assistant.tui.context import UsesServices

COLUMNS = ("Date", "Kind", "Status", "Title", "Stage")


class ConfirmDelete(UsesServices, ModalScreen[bool]):
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel"), Binding("y", "dismiss(True)", "Delete")]

    def __init__(self, label: str, logs: int = 0) -> None:
        super().__init__()
        self.label = label
        self.logs = logs

    def compose(self) -> ComposeResult:
        also = f", including its {self.logs} exported log(s) in logs/," if self.logs else ""
        with Vertical(id="confirm"):
            yield Static(text(f"Delete “{self.label}” and everything in it{also}? This cannot be undone."))
            with Horizontal():
                yield Button("Delete (y)", id="yes", variant="error")
                yield Button("Keep (Esc)", id="no")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class SessionsScreen(UsesServices, Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open", show=True),
        Binding("e", "export", "Export (md + html)"),
        Binding("d", "delete", "Delete"),
        Binding("slash", "focus_search", "Search"),
        Binding("escape", "back", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Past reflections and group sessions. Enter opens one: an unfinished reflection carries on "
                     "where it stopped. / searches what was written.", id="sessions-intro")
        yield Input(placeholder="Search answers, titles and actions (/)", id="sessions-search", max_length=200)
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sessions-status")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    @property
    def search_text(self) -> str:
        return self.query_one("#sessions-search", Input).value

    def reload(self) -> None:
        """Every session, or the ones the search box finds, each with the line that matched."""
        store = self.services.store  # type: ignore[attr-defined]
        query = self.search_text
        try:
            if query.strip():
                rows = [(m.session, m.line) for m in per_session(store.search_sessions(query))]
            else:
                rows = [(s, s.first_answer or "") for s in store.list_sessions()]
        except StoreError as exc:
            self.query_one("#sessions-status", Static).update(text(f"Could not read your sessions: {exc}"))
            return
        self.show_rows(rows, "Matching line" if query.strip() else "First answer")
        status = ("" if rows else "No sessions yet.") if not query.strip() else (
            f"{len(rows)} session(s) match." if rows else f"No sessions match “{one_line(query, 60)}”.")
        self.query_one("#sessions-status", Static).update(text(status))

    def show_rows(self, rows: list, last_column: str) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*COLUMNS, last_column)
        for s, line in rows:
            table.add_row(s.created_at[:10], s.kind, s.status, text(one_line(s.title or "untitled", 40)),
                          s.stage, text(one_line(line, 70)), key=s.id)

    @on(Input.Changed, "#sessions-search")
    def _search_changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#sessions-search")
    def _search_submitted(self) -> None:
        self.query_one(DataTable).focus()  # Enter then opens the first match

    def action_focus_search(self) -> None:
        self.query_one("#sessions-search", Input).focus()

    def action_back(self) -> None:
        """Escape: from the search box, clear it (then back to the list); from the list, leave."""
        box = self.query_one("#sessions-search", Input)
        if box.has_focus:
            if box.value:
                box.value = ""
            else:
                self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        session_id = self._selected()
        if session_id is not None:
            self.post_message(messages.OpenSession(session_id))

    def action_export(self) -> None:
        session_id = self._selected()
        if session_id is None:
            return
        exported = self.services.export_session(session_id)  # type: ignore[attr-defined]
        if exported.error:
            self.notify(exported.error, severity="error", markup=False)
            return
        paths = exported.paths
        self.query_one("#sessions-status", Static).update(text("Saved: " + ", ".join(str(p) for p in paths)))

    def action_delete(self) -> None:
        session_id = self._selected()
        if session_id is None:
            return
        from assistant.store import StoreError

        services = self.services
        session = services.store.get_session(session_id)
        logs = services.exported_logs(session_id)

        def done(confirmed: bool | None) -> None:
            if confirmed:
                try:
                    removed = services.delete_session(session_id, with_logs=True)
                except (StoreError, OSError) as exc:
                    self.notify(f"Not deleted: {exc}", severity="error", markup=False)
                    return
                self.notify(f"Deleted, with {len(removed)} exported log(s)." if removed else "Deleted.")
                self.reload()

        self.app.push_screen(ConfirmDelete(session.title or session.id if session else session_id, len(logs)), done)
