"""Shared fixtures: the real bundled bank, the real model (loaded once), temporary banks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "casebank"
DATA = Path(__file__).resolve().parent / "data"
JUDGED = ROOT / "casebank" / "judged"  # the tuning sets (the query adapter is trained on them)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def bank():
    from assistant.casebank import load_bank

    return load_bank(BUNDLED)


@pytest.fixture(scope="session")
def embedder():
    """The one model of the test process (the ONNX copy), shared by every test and CLI call."""
    from assistant.search import Embedder

    model = Embedder()
    model.load()
    assert model.backend == "onnx", model.fallback_reason  # `make test` makes the copy first
    return model


@pytest.fixture(scope="session")
def case_search(bank, embedder):
    from assistant.search import CaseSearch

    search = CaseSearch(bank, ROOT / "embeddings", embedder)
    search.searcher  # loads the committed index; embeds only if it is stale
    return search


@pytest.fixture(scope="session")
def coverage_book(bank, embedder):
    from assistant.reflection.coverage_train import open_coverage

    return open_coverage(BUNDLED, ROOT / "embeddings", bank.framework, embedder, embedder.id)


@pytest.fixture
def small_bank(tmp_path: Path) -> Path:
    """A bank folder with three bundled cases (and the bundled framework and themes)."""
    folder = tmp_path / "bank"
    (folder / "cases").mkdir(parents=True)
    for name in sorted(os.listdir(BUNDLED / "cases"))[:3]:
        shutil.copy(BUNDLED / "cases" / name, folder / "cases" / name)
    return folder


@pytest.fixture
def invoke(tmp_path: Path, embedder):
    """The command line in this process (click's runner), with a data folder of its own and the
    test process's loaded model handed in (`obj`), so no command loads the model again."""
    from click.testing import CliRunner

    from assistant.cli import cli

    runner = CliRunner()

    def call(*args: str):
        return runner.invoke(cli, ["--data-dir", str(tmp_path / "data"), *args], catch_exceptions=False,
                             obj=embedder)

    return call


def run_reflect(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
                timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The real command in a real process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or ROOT, timeout=timeout)
