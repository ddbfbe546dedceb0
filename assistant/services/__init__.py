"""What the app and the `sessions` commands share: the store, the bank, the flows and search.

Each piece is built on first use, so opening the app or running a command pays only for what
it touches; `warm` builds the heavy ones (index and model) ahead of time in a worker.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from typing import TYPE_CHECKING, Sequence

from assistant.paths import Paths

if TYPE_CHECKING:  # imported where first used: the app's first screen needs none of them
    from assistant.casebank.model import Bank, Problem
    from assistant.group.formats import GroupFormat
    from assistant.reflection import Conversation
    from assistant.reflection.flows import Flow
    from assistant.reflection.reflector import Reflector
    from assistant.reflection.coverage_train import CoverageBook
    from assistant.search import CaseSearch, Embedder
    from assistant.services.export import Exported, Format
    from assistant.store import Store


class Services:
    def __init__(self, paths: Paths, embedder: "Embedder | None" = None, *, write: bool = True,
                 strict: bool = False) -> None:
        """`embedder` shares a loaded model (a test process, or a command run inside the app);
        `write=False` opens the store read-only; `strict` raises StoreError rather than fall back.

        The app is not strict: with a read-only, foreign or damaged data folder it keeps
        running on a read-only store and says why in `store_problem`.
        """
        self.paths = paths
        if embedder is not None:
            self.__dict__["embedder"] = embedder
        self.write = write
        self.strict = strict
        self.store_problem: str = ""
        self.ready = threading.Event()  # set once search is warm (or failed: see `search_error`)
        self.search_error: str = ""
        self._lock = threading.Lock()

    @cached_property
    def store(self) -> "Store":
        from assistant.services.datadir import open_fallback_store, open_store

        if self.strict or not self.write:
            return open_store(self.paths, write=self.write)
        store, self.store_problem = open_fallback_store(self.paths)
        return store

    @cached_property
    def bank(self) -> "Bank":
        from assistant.casebank.load import load_bank

        return load_bank(self.paths.casebank)

    @cached_property
    def _flows(self) -> "tuple[list[Flow], list[Problem]]":
        from assistant.reflection.flows import load_flows

        return load_flows()

    @property
    def flows(self) -> "list[Flow]":
        return self._flows[0]

    @cached_property
    def _formats(self) -> "tuple[list[GroupFormat], list[Problem]]":
        from assistant.group.formats import FORMATS_DIR, load_formats

        return load_formats((FORMATS_DIR,), formats_only=(self.paths.user_formats,))

    @property
    def group_formats(self) -> "list[GroupFormat]":
        """The group session formats: the bundled ones and the supervisor's own (data folder, formats/)."""
        return self._formats[0]

    @property
    def format_problems(self) -> "list[Problem]":
        return self._formats[1]

    @property
    def problems(self) -> "list[Problem]":
        """Broken case, flow, format and action-words files: reported (each once), never fatal."""
        from assistant.reflection.action_status import bundled_status_words

        return list(dict.fromkeys([*self.bank.errors, *self._flows[1], *self._formats[1], *bundled_status_words()[1]]))

    @cached_property
    def embedder(self) -> "Embedder":
        from assistant.search import Embedder

        return Embedder(index_dir=self.paths.index_dir)

    @cached_property
    def search(self) -> "CaseSearch":
        from assistant.search import CaseSearch

        return CaseSearch(self.bank, self.paths.index_dir, self.embedder)

    @cached_property
    def coverage(self) -> "CoverageBook":
        """The coverage checkers; trained here only when no saved model fits the examples."""
        from assistant.reflection.coverage_train import open_coverage

        encoder = self.search.embedder
        return open_coverage(self.paths.casebank, self.paths.index_dir, self.bank.framework, encoder, encoder.id)

    def reflector(self, conversation: "Conversation") -> "Reflector":
        """The listening half of a conversation: search and its stage's coverage check (needs `warm`)."""
        from assistant.reflection.reflector import Reflector

        session = conversation.session
        return Reflector(conversation, self.search, self.coverage.checker(session.strand, session.stage))

    def warm(self) -> None:
        """Load the bank's index and the model; safe to call from a worker thread, once or more."""
        with self._lock:
            if self.ready.is_set():
                return
            try:
                self.embedder.preload()  # the model loads while the bank and the index do
                if self.bank.cases:
                    self.search.warm()
                    self.coverage
                else:
                    self.search_error = "the case bank has no valid cases"
            except Exception as exc:  # the app must keep working without search
                self.search_error = f"{exc.__class__.__name__}: {exc}"
            finally:
                self.ready.set()

    @property
    def search_ready(self) -> bool:
        return self.ready.is_set() and not self.search_error

    @property
    def user_templates(self) -> Path:
        return self.paths.user_templates

    def export_session(self, session_id: str, formats: "Sequence[Format]" = ("md", "html")) -> "Exported":
        """Write a session's log or record into the logs folder; failures come back as one line,
        and what to know before filing it (an empty CPD field) as warnings."""
        from assistant.services import export

        return export.export_files(
            lambda fmt: export.export_session(self.store, session_id, fmt, self.flows, self.bank,
                                              logs_dir=self.paths.logs_dir, user_templates=self.user_templates),
            formats, warn=lambda fmt: export.export_warnings(self.store, session_id, fmt, self.flows, self.bank))

    def export_handout(self, case_id: str, formats: "Sequence[Format]" = ("md", "html")) -> "Exported":
        """Write a case's handout for a group session; failures come back as one line."""
        from assistant.services import export

        return export.export_files(lambda fmt: export.export_handout(
            case_id, self.bank, fmt, logs_dir=self.paths.logs_dir, user_templates=self.user_templates), formats)

    def exported_logs(self, session_id: str) -> "list[Path]":
        """The files exported from a session into the logs folder (they hold its words too)."""
        from assistant.services.datadir import session_logs

        return session_logs(self.paths.logs_dir, session_id)

    def delete_session(self, session_id: str, *, with_logs: bool) -> "list[Path]":
        """Delete a session and everything in it and, when asked, its exported logs (the one rule
        the app and `sessions delete` share); returns the logs removed. StoreError when it cannot."""
        from assistant.services.datadir import remove_session_logs

        self.store.delete_session(session_id)
        return remove_session_logs(self.paths.logs_dir, session_id) if with_logs else []

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
