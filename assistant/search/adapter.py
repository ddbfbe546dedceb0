"""A query adapter: a linear map, learnt from the bank's judged queries, that moves a
practitioner's query vector towards the passages of the cases judged to answer it.

The model reads "my lad keeps not turning up and I've sent a warning" a long way from the
case that says "missed appointments led to a breach letter": the words of practice and the
words of the bank differ in ways one bank's judged queries show. The adapter is q + qM
(then unit length), with M of rank RANK, fitted by L-BFGS to the softmax of each query's
best-passage cosines over the cases (graded relevance as the target), with an L2 penalty
that keeps it near the identity. Only queries move; the passages, the coverage model and
the themes keep the model's own vectors. Trained by `reflect index` from
`<casebank>/judged/*.yaml` (the tuning sets; held-out sets live in tests/data and are never
read here) and saved beside the index; a bank without judged queries has none.
Chosen by cross-validation between the tuning files (benchmarks/bench_adapter.py).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from assistant.fileio import atomic_write_bytes

if TYPE_CHECKING:
    from assistant.casebank.model import Problem
    from assistant.search.index import Index

ADAPTER_FILE = "adapter.npz"
JUDGED_DIR = "judged"
RANK = 32
PENALTY = 0.03  # on the squared norm of M (cross-validated: 0.01-0.1 flat)
TEMPERATURE = 0.05
MAX_ITERATIONS = 200
FORMAT = 2  # 2: the number of queries learnt from is saved with the factors


@dataclass(frozen=True)
class Adapter:
    left: np.ndarray  # d x RANK
    right: np.ndarray  # d x RANK: M = left @ right.T
    key: str  # what it was trained from (model, vectors, judged files, settings)
    queries: int  # how many judged queries it learnt from (for `reflect index` to say)

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """The adapted vectors (one or many rows), unit length."""
        v = np.asarray(vectors, dtype=np.float32)
        out = v + (v @ self.left) @ self.right.T
        norm = np.linalg.norm(out, axis=-1, keepdims=True)
        return (out / np.maximum(norm, 1e-12)).astype(np.float32)


@dataclass(frozen=True)
class Outcome:
    """What `reflect index` says of the adapter."""

    files: int  # judged files in the bank (0: no judged/ folder, so no adapter and nothing to say)
    queries: int  # judged queries the adapter in use learnt from (0: none in use)
    trained: bool  # trained just now
    problems: Sequence["Problem"] = ()  # what the judged files got wrong (read when training)


@dataclass(frozen=True)
class Example:
    vector: np.ndarray  # the query's (or one of its clauses') vector
    grades: dict[int, int]  # case index -> grade (1 or 2)


def fit(examples: Sequence[Example], passages: np.ndarray, case_starts: np.ndarray, *, rank: int = RANK,
        penalty: float = PENALTY, temperature: float = TEMPERATURE,
        iterations: int = MAX_ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    """M's two factors, from a fixed start (the result is the same on every run)."""
    from scipy.optimize import minimize

    d = passages.shape[1]
    x = np.stack([e.vector for e in examples]).astype(np.float64)
    cases = len(case_starts)
    target = np.zeros((len(examples), cases))
    for i, e in enumerate(examples):
        for c, g in e.grades.items():
            target[i, c] = g
    target /= target.sum(axis=1, keepdims=True)
    p = passages.astype(np.float64)
    rng = np.random.default_rng(0)
    start = np.concatenate([np.zeros(d * rank), rng.normal(0, 0.01, d * rank)])
    n_ex = len(examples)
    lengths = np.diff(np.append(case_starts, p.shape[0]))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        u, w = theta[:d * rank].reshape(d, rank), theta[d * rank:].reshape(d, rank)
        xu = x @ u
        q = x + xu @ w.T
        norm = np.linalg.norm(q, axis=1, keepdims=True)
        n = q / norm
        sims = n @ p.T  # examples x passages
        best = np.maximum.reduceat(sims, case_starts, axis=1)
        z = best / temperature
        z -= z.max(axis=1, keepdims=True)
        soft = np.exp(z)
        soft /= soft.sum(axis=1, keepdims=True)
        value = -(target * np.log(np.maximum(soft, 1e-300))).sum() / n_ex
        m = u @ w.T
        value += penalty * float((m * m).sum())
        g = (soft - target) / (n_ex * temperature)  # d loss / d best
        dn = _on_best_passages(sims, best, g, case_starts, lengths) @ p
        dq = (dn - n * (n * dn).sum(axis=1, keepdims=True)) / norm
        du = x.T @ (dq @ w) + 2 * penalty * m @ w
        dw = dq.T @ xu + 2 * penalty * m.T @ u
        return value, np.concatenate([du.ravel(), dw.ravel()])

    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": iterations})
    theta = result.x
    return (theta[:d * rank].reshape(d, rank).astype(np.float32),
            theta[d * rank:].reshape(d, rank).astype(np.float32))


def _on_best_passages(sims: np.ndarray, best: np.ndarray, grad: np.ndarray, starts: np.ndarray,
                      lengths: np.ndarray) -> np.ndarray:
    """Each case's gradient (examples x cases) put on its best passage (examples x passages):
    the case's score is that passage's cosine. Passages tied for best share it."""
    on_best = sims == np.repeat(best, lengths, axis=1)
    ties = np.add.reduceat(on_best, starts, axis=1)
    return on_best * np.repeat(grad / np.maximum(ties, 1), lengths, axis=1)


def judged_files(casebank: Path) -> list[Path]:
    """The bank's judged queries that the adapter learns from (none: no adapter)."""
    folder = Path(casebank) / JUDGED_DIR
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def key_for(index: "Index", judged: Sequence[Path]) -> str:
    """What an adapter depends on: the passages (their keys hash text and model), the judged
    files and the settings."""
    digest = hashlib.sha256(f"{FORMAT}|{index.model_id}|{RANK}|{PENALTY}|{TEMPERATURE}|{MAX_ITERATIONS}".encode())
    digest.update("\n".join(index.keys).encode())
    for path in sorted(judged):
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def current(casebank: Path, index_dir: Path, index: "Index") -> Adapter | None:
    """The saved adapter, if the bank has judged queries and it was trained on them and on this index."""
    judged = judged_files(casebank)
    if not judged:
        return None
    try:
        return load(index_dir, key_for(index, judged))
    except OSError:
        return None


def train(index: "Index", judged: Sequence[Path],
          encode: Callable[[list[str]], np.ndarray]) -> tuple[Adapter | None, list["Problem"]]:
    """An adapter from the judged files, and what in them was skipped (a broken file, a query
    naming an unknown case); None when no query is left to learn from. Each query and each of its
    clauses is one example, as hybrid search reads both."""
    from assistant.search.engine import clauses
    from assistant.search.evaluate import load_qrels

    position = {cid: i for i, cid in enumerate(index.case_ids)}
    queries, problems = [], []
    for path in judged:
        read, wrong = load_qrels(path, set(position))
        queries += read
        problems += wrong
    if not queries:
        return None, problems
    texts = [q.text for q in queries]
    parts = [clauses(t) for t in texts]
    vectors = encode(texts + [p for ps in parts for p in ps])
    examples: list[Example] = []
    row = len(texts)
    for i, q in enumerate(queries):
        grades = {position[c]: g for c, g in q.relevant.items()}
        examples.append(Example(vectors[i], grades))
        for _ in parts[i]:
            examples.append(Example(vectors[row], grades))
            row += 1
    left, right = fit(examples, index.vectors, index.case_starts)
    return Adapter(left, right, key_for(index, judged), len(queries)), problems


def save(adapter: Adapter, index_dir: Path) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, left=adapter.left, right=adapter.right, key=np.array(adapter.key),
             queries=np.array(adapter.queries))
    atomic_write_bytes(index_dir / ADAPTER_FILE, buffer.getvalue())


def load(index_dir: Path, key: str) -> Adapter | None:
    """The saved adapter if it was trained from exactly `key`'s inputs; else None."""
    path = index_dir / ADAPTER_FILE
    try:
        with np.load(path) as data:
            if str(data["key"]) != key:
                return None
            return Adapter(data["left"].astype(np.float32), data["right"].astype(np.float32), key,
                           int(data["queries"]))
    except (OSError, KeyError, ValueError):
        return None
