"""Training the coverage classifiers, and finding a trained model that fits the examples.

`reflect index` trains one softmax regression per strand and stage on the example sentences
of `casebank/coverage/` and saves the weights beside the index. A bank with examples of its
own and no fitting model is trained on first use (slower, and said so).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.casebank.examples import EXAMPLES_DIR, Example, Examples, load_examples
from assistant.casebank.model import Framework
from assistant.reflection import coverage
from assistant.reflection.coverage import (NONE, CoverageChecker, CoverageModel, Encoder, Gate, StageModel,
                                           features, with_anchors)

@dataclass(frozen=True)
class TrainConfig:
    """Chosen on whole answers (the tuning answers and the retired first held-out set), not on the
    examples: the cues and the cosines to the expectation texts, which cross-validation on the
    examples favoured, lost there (benchmarks/bench_coverage.py); their switches stay for comparison."""

    c: float = 1.0  # inverse L2 strength of the logistic regression (on features scaled by `scale`)
    other_weight: float = 0.0  # weight of other stages' and strands' examples as "none" here
    none_weight: float = 0.05  # each "none" sentence against one positive (there are many more of them)
    anchors: bool = False  # add each sentence's cosine to the expectation texts
    cues: bool = False  # False: the cue columns are zeroed in training, so their weights stay 0
    scale: float = 10.0  # unit vectors have tiny components: scaled, the solver converges fast
    gate: bool = True  # train the pooled "is this practice at all" classifier
    gate_c: float = 1.0


def training_rows(examples: Sequence[Example], strand: str, stage: str, ids: Sequence[str],
                  config: TrainConfig) -> tuple[list[int], list[str], list[float]]:
    """(example index, label, weight) rows for one stage's classifier."""
    rows: list[tuple[int, str, float]] = []
    known = set(ids)
    for i, ex in enumerate(examples):
        if not ex.covers:
            rows.append((i, NONE, config.none_weight))
        elif ex.strand == strand and ex.stage == stage:
            labels = [c for c in ex.covers if c in known]
            rows.extend((i, c, 1.0 / len(labels)) for c in labels)
        elif config.other_weight > 0:
            rows.append((i, NONE, config.other_weight))
    idx, labels, weights = zip(*rows) if rows else ((), (), ())
    return list(idx), list(labels), list(weights)


def fit_stage(x: np.ndarray, labels: Sequence[str], weights: Sequence[float], classes: Sequence[str],
              config: TrainConfig, anchors: np.ndarray | None = None) -> StageModel:
    """Weighted softmax regression with an L2 penalty (as scikit-learn's), solved by scipy.

    Written out because it is small, and scikit-learn's solver took seconds a stage here.
    """
    from scipy.optimize import minimize

    x = with_anchors(x, anchors).astype(np.float64) * config.scale
    n, d = x.shape
    k = len(classes)
    index = {c: j for j, c in enumerate(classes)}
    y = np.zeros((n, k))
    y[np.arange(n), [index[label] for label in labels]] = 1.0
    w = np.asarray(weights, dtype=np.float64)[:, None]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, bias = theta[:d * k].reshape(d, k), theta[d * k:]
        z = x @ coef + bias
        z = np.maximum(z - z.max(axis=1, keepdims=True), -30.0)  # no denormals: they slow BLAS to a crawl
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        value = -float(np.sum(w * y * np.log(p + 1e-12))) + 0.5 / config.c * float(np.sum(coef * coef))
        g = w * (p - y)
        grad = np.concatenate([(x.T @ g + coef / config.c).ravel(), g.sum(axis=0)])
        return value, grad

    # TNC reaches L-BFGS-B's optimum here at a thirtieth of the time (measured: 0.2 s against 5 s a stage).
    result = minimize(loss, np.zeros(d * k + k), jac=True, method="TNC", options={"maxfun": 300})
    coef, bias = result.x[:d * k].reshape(d, k), result.x[d * k:]
    present = y.sum(axis=0) > 0
    bias = np.where(present, bias, -1e4)  # a class with no examples is never predicted
    return StageModel(list(classes), (coef * config.scale).astype(np.float32), bias.astype(np.float32), anchors)


def fit_gate(x: np.ndarray, practice: np.ndarray, config: TrainConfig) -> Gate:
    """Class-balanced logistic regression: practice (any expectation, any strand) against none."""
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=config.gate_c, max_iter=2000, class_weight="balanced")
    fitted.fit(x.astype(np.float64) * config.scale, practice.astype(int))
    return Gate((fitted.coef_[0] * config.scale).astype(np.float32), float(fitted.intercept_[0]))


def encode_examples(encoder: Encoder, examples: Sequence[Example]) -> np.ndarray:
    return features(encoder.encode([e.text for e in examples]), [e.text for e in examples])


def training_key(examples: Examples, config: TrainConfig = TrainConfig()) -> str:
    """Names what a trained model depends on: the examples, the settings, the threshold, the cues."""
    parts = [examples.digest, repr(config), str(coverage.THRESHOLD), str(coverage.GATE), str(coverage.CUE_SCALE),
             str(coverage.ANCHOR_SCALE), *(p.pattern for _, p in coverage.CUES)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def train_model(examples: Examples, framework: Framework, encoder: Encoder, model_id: str = "",
                config: TrainConfig = TrainConfig(), x: np.ndarray | None = None,
                progress: Callable[[str], None] | None = None) -> CoverageModel:
    """One classifier per strand and stage that has examples; `x` may hold the examples' features."""
    items = examples.items
    x = encode_examples(encoder, items) if x is None else x
    if not config.cues:
        x = x.copy()
        x[:, -len(coverage.CUES):] = 0.0
    model = CoverageModel(digest=training_key(examples, config), model_id=model_id)
    for strand in framework.strands:
        for stage in strand.stages:
            ids = [e.id for e in stage.expectations]
            if not any(ex.strand == strand.id and ex.stage == stage.id for ex in items):
                continue
            idx, labels, weights = training_rows(items, strand.id, stage.id, ids, config)
            anchors = (encoder.encode([e.text for e in stage.expectations]).astype(np.float32)
                       if config.anchors else None)
            model.stages[(strand.id, stage.id)] = fit_stage(x[idx], labels, weights, [*ids, NONE], config,
                                                            anchors)
            if progress:
                progress(f"{strand.id}/{stage.id}")
    if config.gate and items:
        practice = np.array([bool(e.covers) for e in items])
        if practice.any() and not practice.all():
            model.gate = fit_gate(x, practice, config)
    return model


def load_checker_model(folder: Path, examples: Examples, model_id: str) -> tuple[CoverageModel | None, str]:
    """The saved model and, when it does not match the examples or the sentence model, why."""
    model = CoverageModel.load(folder)
    if model is None:
        return None, f"no coverage model in {folder}: run `reflect index`"
    if model.model_id and model_id and model.model_id != model_id:
        return model, "the coverage model was trained with another sentence model: run `reflect index`"
    if model.digest != training_key(examples):
        return model, "the coverage examples or settings changed since the model was trained: run `reflect index`"
    return model, ""


def examples_folder(casebank: Path) -> Path:
    """A bank's own examples where it has them, otherwise the bundled ones."""
    from assistant.paths import BUNDLED_CASEBANK

    own = Path(casebank) / EXAMPLES_DIR
    return own if own.is_dir() else BUNDLED_CASEBANK / EXAMPLES_DIR


class CoverageBook:
    """Coverage checkers for every strand and stage, from one trained model."""

    def __init__(self, model: CoverageModel, encoder: Encoder, framework: Framework, note: str = "") -> None:
        self.model = model
        self.encoder = encoder
        self.framework = framework
        self.note = note  # said once to the person, e.g. that the model was trained just now

    def checker(self, strand: str, stage: str) -> CoverageChecker:
        found = self.framework.stage(strand, stage)
        expectations = found.expectations if found else ()
        return CoverageChecker(self.encoder, expectations, self.model.stage(strand, stage), self.model.threshold,
                               self.model.gate)


def build_coverage(casebank: Path, index_dir: Path, framework: Framework, encoder: Encoder, model_id: str,
                   *, rebuild: bool = False) -> tuple[CoverageModel, bool, Examples]:
    """The model for this bank's examples, trained and saved in `index_dir` unless one fits already."""
    from assistant.paths import BUNDLED_INDEX

    examples = load_examples(examples_folder(casebank), framework)
    if not rebuild:
        for folder in dict.fromkeys([Path(index_dir), BUNDLED_INDEX]):
            model, why = load_checker_model(folder, examples, model_id)
            if model is not None and not why:
                return model, False, examples
    model = train_model(examples, framework, encoder, model_id)
    model.save(index_dir)
    return model, True, examples


def open_coverage(casebank: Path, index_dir: Path, framework: Framework, encoder: Encoder,
                  model_id: str) -> CoverageBook:
    """A book from the saved model that fits; trains one (and says so) only when none does."""
    from assistant.paths import BUNDLED_INDEX

    examples = load_examples(examples_folder(casebank), framework)
    for folder in dict.fromkeys([Path(index_dir), BUNDLED_INDEX]):
        model, why = load_checker_model(folder, examples, model_id)
        if model is not None and not why:
            return CoverageBook(model, encoder, framework)
    model = train_model(examples, framework, encoder, model_id)
    note = "trained the coverage model for this bank's examples; `reflect index` keeps it"
    try:
        model.save(Path(index_dir))
    except OSError:
        note = "trained the coverage model for this bank's examples (could not save it)"
    return CoverageBook(model, encoder, framework, note)
