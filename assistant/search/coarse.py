"""A quick first pass over a big bank's passages: int8 vectors, an integer matrix product.

Exact search is one float32 product over every passage, and at 10,000 cases (171,000 passages)
that product is bound by memory bandwidth: about 16-19 ms on a 2-core machine, more than the
whole search budget. The same product over int8 copies of the vectors reads a quarter of the
memory; onnxruntime's MatMulInteger, with the vectors packed once as the model's weight, takes
about 5-7 ms. Its cosines are off by at most about 0.003 (measured; the rounding bound is wider),
so the searcher uses them only to choose which cases to score exactly (`Searcher.dense_scores`):
the cases shown, their snippets and the clause pool all come from float32 cosines.

Small banks never use it: below COARSE_MIN_PASSAGES the float32 product is quick on its own.
"""

from __future__ import annotations

import threading

import numpy as np

COARSE_MIN_PASSAGES = 20_000  # about 1,000 cases
ZERO_POINT = 128  # the query is shifted into uint8 around this


class CoarseScorer:
    """Approximate cosines of a query with every passage (rows of unit vectors)."""

    def __init__(self, vectors: np.ndarray, threads: int = 0) -> None:
        self._vectors = vectors
        self._threads = threads
        self._session = None
        self._scale: np.ndarray | None = None
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Quantise the vectors and build the onnxruntime session (about 3 s at 171,000 passages)."""
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from onnx import TensorProto, helper, numpy_helper

            vectors = np.asarray(self._vectors, dtype=np.float32)
            scale = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127.0
            weights = np.round(vectors / scale[:, None]).astype(np.int8)
            rows, dims = weights.shape
            graph = helper.make_graph(
                [helper.make_node("MatMulInteger", ["query", "passages", "zero"], ["dots"])], "coarse",
                [helper.make_tensor_value_info("query", TensorProto.UINT8, [1, dims])],
                [helper.make_tensor_value_info("dots", TensorProto.INT32, [1, rows])],
                initializer=[helper.make_tensor("zero", TensorProto.UINT8, [], [ZERO_POINT]),
                             numpy_helper.from_array(np.ascontiguousarray(weights.T), "passages")])
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
            options = ort.SessionOptions()
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy wait when idle
            if self._threads:
                options.intra_op_num_threads = self._threads
            self._session = ort.InferenceSession(model.SerializeToString(), options,
                                                 providers=["CPUExecutionProvider"])
            self._scale = scale.astype(np.float32)

    def scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Every passage's approximate cosine with the query."""
        self.prepare()
        assert self._session is not None and self._scale is not None
        q = np.asarray(query_vector, dtype=np.float32)
        q_scale = max(float(np.abs(q).max()), 1e-12) / 127.0
        quantised = (np.round(q / q_scale) + ZERO_POINT).astype(np.uint8)[None, :]
        dots = self._session.run(None, {"query": quantised})[0][0]
        return dots.astype(np.float32) * (self._scale * np.float32(q_scale))
