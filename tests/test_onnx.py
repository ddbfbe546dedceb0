"""The torch-free model agrees with sentence-transformers, and a missing or broken copy falls back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT


def varied_texts(bank, n: int = 200) -> list[str]:
    """Passages, titles, questions and odd inputs: short, long (past the window), accents, emoji."""
    odd = ["", "   ", "a", "K", "CAMHS", "15yo lad - 1st offence?!", "café naïve façade – “quotes”",
           "🙂 he smiled for the first time 🙂", "x " * 600, "\tTabs\tand\nnew lines\n",
           "Ich weiß nicht, was er will.", "12/03/2024 at 3pm: missed appointment",
           "girl going missing, older men", "he is autistic and the police frightened him"]
    texts = list(odd)
    for case in bank.cases:
        texts += [case.title, case.summary.split("\n\n")[0][:600], *case.questions[:1], *case.learning[:1]]
    texts += [case.inspector_comments[:900] for case in bank.cases]
    return texts[:n]


@pytest.fixture(scope="module")
def onnx_encoder():
    """The torch-free path itself (the Embedder sends index-sized batches to sentence-transformers)."""
    from assistant.search import onnx_copy
    from assistant.search.onnx_model import OnnxEncoder

    copy = onnx_copy.verified(ROOT / "embeddings")
    assert copy is not None, "make test makes the ONNX copy before the suite"
    encoder = OnnxEncoder(copy)
    encoder.load()
    return encoder


@pytest.fixture(scope="module")
def torch_encoder():
    from assistant.search.torch_model import TorchEncoder

    encoder = TorchEncoder()
    encoder.load()
    return encoder


@pytest.mark.slow
def test_onnx_and_sentence_transformers_agree_on_200_varied_texts(bank, onnx_encoder, torch_encoder) -> None:
    texts = varied_texts(bank)
    assert len(texts) == 200 and len(set(texts)) == 200
    onnx = onnx_encoder.encode(texts)
    reference = torch_encoder.encode(texts)
    assert onnx.dtype == np.float32 and onnx.shape == (200, 384)
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-4)
    cosine = (onnx * reference).sum(axis=1)
    assert cosine.min() >= 0.999, (cosine.min(), texts[int(cosine.argmin())][:60])


def test_the_committed_index_holds_for_queries_encoded_the_new_way(bank, case_search, embedder) -> None:
    index = case_search.index
    rows = list(range(0, len(index.chunks), max(1, len(index.chunks) // 40)))
    titles = {c.id: c.title for c in bank.cases}
    fresh = embedder.encode([index.chunks[r].embed_text(titles[index.chunks[r].case_id]) for r in rows])
    cosine = (fresh * index.vectors[rows]).sum(axis=1)
    assert cosine.min() >= 0.999
    for case in bank.cases[::4]:
        hits = case_search.search(case.title, k=1, mode="dense")
        assert hits[0].case.id == case.id


def test_a_batch_gives_the_same_vectors_as_one_at_a_time(embedder) -> None:
    texts = ["short", "a somewhat longer sentence about a boy and his mum", "x " * 400]
    together = embedder.encode(texts)
    alone = np.vstack([embedder.encode_one(t) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def _copy_of_the_copy(folder: Path) -> Path:
    from assistant.search import onnx_copy

    found = onnx_copy.verified(ROOT / "embeddings")
    assert found is not None, "make test makes the ONNX copy before the suite"
    folder.mkdir(parents=True)
    shutil.copy(found.path, folder / onnx_copy.FILE)
    shutil.copy(found.path.parent / onnx_copy.MANIFEST, folder / onnx_copy.MANIFEST)
    return folder


def _damaged(folder: Path, damage: str) -> Path:
    from assistant.search import onnx_copy

    if damage == "missing":
        folder.mkdir(parents=True)
        return folder
    _copy_of_the_copy(folder)
    path = folder / onnx_copy.FILE
    if damage == "corrupt":
        with open(path, "r+b") as fh:
            fh.seek(path.stat().st_size // 2)
            fh.write(b"\x00" * 64)
    elif damage == "truncated":
        with open(path, "r+b") as fh:
            fh.truncate(1000)
    else:
        manifest = json.loads((folder / onnx_copy.MANIFEST).read_text())
        manifest["model"] = "some-other-model@9"
        (folder / onnx_copy.MANIFEST).write_text(json.dumps(manifest))
    return folder


@pytest.mark.parametrize("damage, reason", [("missing", "no ONNX copy"), ("corrupt", "does not match the SHA-256"),
                                            ("other-model", "made from another model"),
                                            ("truncated", "does not match its manifest")])
def test_a_missing_or_broken_copy_is_never_used(damage: str, reason: str, tmp_path: Path) -> None:
    from assistant.search import onnx_copy
    from assistant.search.onnx_model import BrokenCopy, OnnxEncoder

    folder = _damaged(tmp_path / "cache", damage)
    copy, why = onnx_copy.read_manifest(folder)
    if copy is None:
        assert reason in why
        return
    with pytest.raises(BrokenCopy, match=reason):
        OnnxEncoder(copy).load()


@pytest.mark.slow
def test_a_broken_copy_falls_back_to_sentence_transformers_with_one_line(tmp_path: Path, monkeypatch) -> None:
    from assistant.search import Embedder, onnx_copy

    monkeypatch.setenv(onnx_copy.ENV_CACHE, str(_damaged(tmp_path / "cache", "corrupt")))
    said: list[str] = []
    model = Embedder(index_dir=tmp_path / "own-index", on_fallback=said.append)
    vector = model.encode_one("a boy who carried a knife")
    model.encode(["and another", "two more"])
    assert model.backend == "sentence-transformers"
    assert len(said) == 1 and "using sentence-transformers" in said[0] and "reflect index" in said[0], said
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-4


@pytest.mark.slow
def test_the_copy_is_made_atomically_with_a_hash_and_then_used(tmp_path: Path, monkeypatch, bank, embedder) -> None:
    from assistant.search import Embedder, onnx_copy

    folder = tmp_path / "cache"
    monkeypatch.setenv(onnx_copy.ENV_CACHE, str(folder))
    made = onnx_copy.ensure(tmp_path / "own-index")
    assert made.path == folder / onnx_copy.FILE
    assert sorted(p.name for p in folder.iterdir()) == [onnx_copy.FILE, onnx_copy.MANIFEST]  # no temp files
    manifest = json.loads((folder / onnx_copy.MANIFEST).read_text())
    assert manifest["sha256"] == onnx_copy.file_sha256(made.path) and manifest["bytes"] == made.size
    assert onnx_copy.ensure(tmp_path / "own-index") == made  # a second call keeps it
    said: list[str] = []
    model = Embedder(index_dir=tmp_path / "own-index", on_fallback=said.append)
    texts = varied_texts(bank, 30)
    assert np.allclose(model.encode(texts), embedder.encode(texts), atol=1e-4) and not said
    assert model.backend == "onnx"
