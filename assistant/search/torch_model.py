"""The one module that imports torch and sentence-transformers: building the index, making the ONNX copy.

Queries and small batches never come here (see `onnx_model.py`); this module loads only for a
large batch (a full index build), to export the ONNX copy of the model, or as the fallback when
that copy is missing or broken.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from assistant.search.model_files import DIMENSIONS, model_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BATCH_SIZE = 64
SMALL_BATCH = 8  # a query or a few sentences: one torch thread is faster and steadier (benchmarks/)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


class TorchEncoder:
    """sentence-transformers on CPU, loaded on first use; thread-safe; L2-normalised float32 rows."""

    def __init__(self, threads: int | None = None) -> None:
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._threads = threads or os.cpu_count() or 1

    def load(self) -> "SentenceTransformer":
        with self._lock:
            if self._model is None:
                self._model = load_sentence_transformer(self._threads)
            return self._model

    def encode(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
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


def _set_threads(threads: int) -> None:
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def load_sentence_transformer(threads: int) -> "SentenceTransformer":
    _offline()
    path = model_path()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def export_onnx(target: Path) -> str:
    """Write the bundled model, mean pooling and normalisation included, as one ONNX graph.

    `torch.onnx.export` (the TorchScript exporter) was measured against the alternatives: it
    needs only the `onnx` package beside torch, takes about 5 s here, and its vectors agree with
    sentence-transformers' to a cosine of 0.99999 (tests/test_onnx.py). Returns a note naming
    the exporter, for the copy's manifest.
    """
    import warnings

    import torch

    model = load_sentence_transformer(os.cpu_count() or 1).eval()
    bert = model[0].auto_model

    class Sentence(torch.nn.Module):
        """What the three sentence-transformers modules do: transformer, mean pooling, normalise."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    sample = model.tokenizer(["a short sentence", "a longer sentence, so that the batch has padding in it"],
                             padding=True, return_tensors="pt")
    args = tuple(sample[name] for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    axes["sentence_embedding"] = {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Sentence().eval(), args, str(target), input_names=list(INPUTS),
                          output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=OPSET,
                          dynamo=False)
    return f"torch.onnx.export (TorchScript) from torch {torch.__version__}, opset {OPSET}"
