"""The sentence embedder every layer uses: `encode(texts)` gives L2-normalised float32 rows.

Queries and small batches (a search, coverage of an answer, theme suggestions, an import, the
trainer's checks) run on the ONNX copy of the bundled model with onnxruntime and never import
torch (`onnx_model.py`). A large batch (building an index) goes to sentence-transformers
(`torch_model.py`, the one module that imports torch), which measured faster there on two
cores. If the ONNX copy is missing or broken, everything falls back to sentence-transformers
with one line on stderr saying so; `reflect index` (or `make run` / `make test`) makes the copy.

Importing this module is cheap; each backend loads on first use.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.search.model_files import DIMENSIONS, MODEL_NAME, ModelUnavailable, model_id, model_path
from assistant.search.torch_model import BATCH_SIZE, SMALL_BATCH, TorchEncoder

__all__ = ["BATCH_SIZE", "DIMENSIONS", "Embedder", "LARGE_BATCH", "MODEL_NAME", "ModelUnavailable",
           "SMALL_BATCH", "model_id", "model_path"]

# More text than this at once is an index build: sentence-transformers embedded 200 passages in
# 5.9 s here against 9.9 s for onnxruntime; less, and the torch-free path wins by seconds of
# start-up. Measured in characters, not texts: the trainer's checks embed one short query per case
# (90 of them, ~13,000 characters), an index build ~1,500 passages of ~450 characters.
LARGE_BATCH = 64 * 450


def _say(message: str) -> None:
    print(f"reflect: {message}", file=sys.stderr)


class Embedder:
    """Lazily loaded and thread-safe; `backend` says which model answers small batches."""

    def __init__(self, threads: int | None = None, *, index_dir: Path | None = None,
                 on_fallback: Callable[[str], None] = _say, large_batch: int = LARGE_BATCH) -> None:
        """`large_batch`: characters in one call above which sentence-transformers does the work."""
        self.id = model_id()
        self._threads = threads or os.cpu_count() or 1
        self._index_dir = Path(index_dir) if index_dir is not None else None
        self._on_fallback = on_fallback
        self._large = large_batch
        self._lock = threading.Lock()
        self._onnx = None  # the OnnxEncoder once loaded
        self._torch: TorchEncoder | None = None
        self._preload: threading.Thread | None = None
        self.fallback_reason = ""  # why small batches run on sentence-transformers, if they do

    @property
    def backend(self) -> str:
        """`onnx` or `sentence-transformers`: which model answers queries (after `load`)."""
        return "sentence-transformers" if self.fallback_reason else "onnx"

    def load(self) -> "Embedder":
        """Load the query model now (the ONNX copy, or the fallback), so the first query is quick."""
        with self._lock:
            if self._onnx is None and not self.fallback_reason:
                self._onnx = self._load_onnx()
            if self.fallback_reason:
                self._torch_encoder().load()
        return self

    def preload(self) -> None:
        """Start `load` in a background thread: the model loads while the bank and index do."""
        with self._lock:
            if self._preload is None and self._onnx is None and not self.fallback_reason:
                # not a daemon: exiting while onnxruntime builds its session would abort the process
                self._preload = threading.Thread(target=self._quiet_load, daemon=False, name="reflect-model")
                self._preload.start()

    def _quiet_load(self) -> None:
        try:
            self.load()
        except Exception:  # noqa: BLE001 - the real call in `encode` reports it
            pass

    def _load_onnx(self):  # type: ignore[no-untyped-def]
        from assistant.search import onnx_copy
        from assistant.search.onnx_model import BrokenCopy, OnnxEncoder

        model_path()  # a missing model package is ModelUnavailable, not a fallback
        copy, reason = onnx_copy.find(self._index_dir)
        if copy is not None:
            try:
                import onnxruntime  # noqa: F401
                import tokenizers  # noqa: F401
            except ImportError as exc:
                reason = f"onnxruntime or tokenizers is not installed ({exc.name})"
            else:
                encoder = OnnxEncoder(copy, self._threads)
                try:
                    encoder.load()
                    return encoder
                except BrokenCopy as exc:
                    reason = str(exc)
        self.fallback_reason = reason
        self._on_fallback(f"{reason}; using sentence-transformers instead (slower to start): "
                          "run `reflect index` to make the ONNX copy")
        return None

    def _torch_encoder(self) -> TorchEncoder:
        if self._torch is None:
            self._torch = TorchEncoder(self._threads)
        return self._torch

    def encode(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed texts; `progress` hears how many were done after each batch."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        if sum(len(t) for t in texts) > self._large:
            return self._torch_encoder().encode(texts, batch_size=batch_size, progress=progress)
        self.load()
        if self._onnx is not None:
            return self._onnx.encode(texts, progress=progress)
        return self._torch_encoder().encode(texts, batch_size=batch_size, progress=progress)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
