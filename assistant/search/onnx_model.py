"""Queries and small batches without torch: the ONNX copy of the model on onnxruntime, `tokenizers`.

Tokenising is the bundled model's own `tokenizer.json` with sentence-transformers' settings
(inputs stripped, truncated to the model's 256-token window, padded to the longest in the
batch); pooling and normalisation are inside the ONNX graph. Loading takes about half a
second: the file's SHA-256 is checked in a thread while onnxruntime builds the session, and a
file that does not match its manifest is never used.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from assistant.search.model_files import DIMENSIONS, max_tokens, model_path
from assistant.search.onnx_copy import Copy, file_sha256

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

BATCH = 16  # texts sorted by length and run 16 at a time: little padding, steady memory
MAX_THREADS = 4


class BrokenCopy(RuntimeError):
    """The ONNX copy cannot be used (its hash is wrong, or onnxruntime refused it)."""


class OnnxEncoder:
    """The same vectors as sentence-transformers (cosine >= 0.9999), for a fraction of the start-up."""

    def __init__(self, copy: Copy, threads: int | None = None) -> None:
        self.copy = copy
        self._threads = max(1, min(threads or os.cpu_count() or 1, MAX_THREADS))
        self._lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._inputs: tuple[str, ...] = ()

    def load(self) -> None:
        with self._lock:
            if self._session is None:
                self._load()

    def _load(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        with ThreadPoolExecutor(1) as pool:
            digest = pool.submit(file_sha256, self.copy.path)
            options = ort.SessionOptions()
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
            # Spinning threads fight for two cores with everything else (measured: a query took
            # twice as long with spinning on a busy laptop).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.log_severity_level = 3
            try:
                session = ort.InferenceSession(str(self.copy.path), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime raises its own types for a bad file
                raise BrokenCopy(f"onnxruntime could not load {self.copy.path}: {str(exc)[:200]}") from exc
            path = model_path()
            tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=max_tokens(path))
            tokenizer.no_padding()
            if digest.result() != self.copy.sha256:
                raise BrokenCopy(f"{self.copy.path} does not match the SHA-256 in its manifest")
        self._inputs = tuple(i.name for i in session.get_inputs())
        self._tokenizer, self._session = tokenizer, session

    def encode(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.load()
        assert self._session is not None and self._tokenizer is not None
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch([str(t).strip() for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[rows] = self._session.run(None, {k: feeds[k] for k in self._inputs})[0]
            if progress:
                progress(len(rows))
        return out
