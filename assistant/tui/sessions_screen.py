"""Past sessions: open (resume or preview), export, delete."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Static

from assistant.textsafe import one_line
from assistant.tui import messages
from assistant.tui.widgets import text


class ConfirmDelete(ModalScreen[bool]):
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


class SessionsScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open", show=True),
        Binding("e", "export", "Export (md + html)"),
        Binding("d", "delete", "Delete"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Past reflections and group sessions. Enter opens one: an unfinished reflection carries on "
                     "where it stopped.", id="sessions-intro")
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sessions-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Date", "Kind", "Status", "Title", "Stage", "First answer")
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for s in self.app.services.store.list_sessions():  # type: ignore[attr-defined]
            table.add_row(s.created_at[:10], s.kind, s.status, text(one_line(s.title or "untitled", 40)),
                          s.stage, text(one_line(s.first_answer or "", 50)), key=s.id)
        self.query_one("#sessions-status", Static).update("" if table.row_count else "No sessions yet.")

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
        exported = self.app.services.export_session(session_id)  # type: ignore[attr-defined]
        if exported.error:
            self.notify(exported.error, severity="error", markup=False)
            return
        paths = exported.paths
        self.query_one("#sessions-status", Static).update(text("Saved: " + ", ".join(str(p) for p in paths)))

    def action_delete(self) -> None:
        session_id = self._selected()
        if session_id is None:
            return
        from assistant.services.datadir import remove_session_logs, session_logs
        from assistant.store import StoreError

        services = self.app.services  # type: ignore[attr-defined]
        session = services.store.get_session(session_id)
        logs = session_logs(services.paths.logs_dir, session_id)

        def done(confirmed: bool | None) -> None:
            if confirmed:
                try:
                    services.store.delete_session(session_id)
                except StoreError as exc:
                    self.notify(f"Not deleted: {exc}", severity="error", markup=False)
                    return
                removed = remove_session_logs(services.paths.logs_dir, session_id)
                self.notify(f"Deleted, with {len(removed)} exported log(s)." if removed else "Deleted.")
                self.reload()

        self.app.push_screen(ConfirmDelete(session.title or session.id if session else session_id, len(logs)), done)
