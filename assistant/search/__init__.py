"""Search over a case bank: embeddings (lazy), the index cache, BM25, fusion, evaluation.

`CaseSearch` is the one object the CLI, the app and the reflection layer talk to. Building
it is cheap; the index loads on first use, and the model on the first query that needs it
(the ONNX copy on onnxruntime: no torch for a query).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from assistant.casebank.model import Bank
from assistant.paths import BUNDLED_INDEX
from assistant.search import onnx_copy
from assistant.search.embedder import Embedder, ModelUnavailable
from assistant.search.engine import MODES, Hit, Mode, Searcher
from assistant.search.filters import AGE_BANDS, Filters, listing
from assistant.search.index import Index, IndexStats, build, is_current

__all__ = ["AGE_BANDS", "CaseSearch", "Embedder", "onnx_copy", "Filters", "listing", "Hit", "IndexStats", "MODES", "ModelUnavailable", "Mode"]


class CaseSearch:
    def __init__(self, bank: Bank, index_dir: Path, embedder: Embedder | None = None) -> None:
        self.bank = bank
        self.index_dir = Path(index_dir)
        self.embedder = embedder or Embedder(index_dir=self.index_dir)
        self._searcher: Searcher | None = None

    def update_index(self, *, rebuild: bool = False, on_total: Callable[[int], None] | None = None,
                     progress: Callable[[int], None] | None = None) -> IndexStats:
        """Embed what changed since the cache was written (everything with `rebuild`)."""
        seeds = [BUNDLED_INDEX] if self.index_dir.resolve() != BUNDLED_INDEX.resolve() else []
        index, stats = build(self.bank.cases, self.index_dir, self.embedder, rebuild=rebuild,
                             on_total=on_total, progress=progress, seed_dirs=seeds)
        self._searcher = Searcher(self.bank.cases, index)
        return stats

    def is_current(self) -> tuple[bool, str]:
        return is_current(self.bank.cases, self.index_dir, self.embedder.id)

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self.update_index()
        assert self._searcher is not None
        return self._searcher

    @property
    def index(self) -> Index:
        return self.searcher.index

    def warm(self) -> None:
        """Load the index and the model, so that the first real query is quick.

        The model loads in a thread while the index and BM25 are built: onnxruntime and the
        file's hash run outside the interpreter lock, so on two cores the two overlap.
        """
        self.embedder.preload()
        self.searcher
        self.embedder.encode_one("warm up")

    def search(self, query: str, *, k: int = 5, stage: str | None = None, strand: str | None = None,
               themes: Iterable[str] = (), mode: Mode = "hybrid", filters: Filters | None = None) -> list[Hit]:
        """The k best cases; `filters` (or the stage, strand and themes) restrict the candidates first."""
        filters = filters or Filters(stage=stage, strand=strand, themes=tuple(themes))
        searcher = self.searcher
        vector = self.embedder.encode_one(query) if mode != "lexical" else None
        return searcher.search(query, vector, k=k, filters=filters, mode=mode)
