"""The embedding cache: one vector per passage, keyed by a hash of its text and the model.

Two files in the index folder: `vectors.npy` (float32, one row per passage) and
`manifest.json` (model, the passages' keys and cases in row order, and the SHA-256 of the
vectors file). The manifest is written last, so it is the commit point: a cache whose
manifest does not match its vectors, its model or its shape is corrupt and is rebuilt, never
trusted. Editing one case re-embeds that case's passages alone; a deleted case leaves no rows.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from assistant.casebank.model import Case
from assistant.fileio import atomic_write_bytes, atomic_write_text
from assistant.search.chunks import Chunk, chunk_case

FORMAT = 1
MANIFEST = "manifest.json"
VECTORS = "vectors.npy"


class Encoder(Protocol):
    id: str

    def encode(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray: ...


@dataclass
class Index:
    """Passages of a bank in case order, with their vectors (row i belongs to chunks[i])."""

    chunks: list[Chunk]
    keys: list[str]
    vectors: np.ndarray
    model_id: str
    case_ids: list[str] = field(default_factory=list)  # in order; each case's rows are contiguous
    case_starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class IndexStats:
    embedded: int
    reused: int
    cases: int
    rebuilt_reason: str = ""  # why the old cache was thrown away, if it was
    written: bool = True


@dataclass(frozen=True)
class CachedVectors:
    by_key: dict[str, int]
    vectors: np.ndarray


def plan(cases: Sequence[Case], model_id: str) -> tuple[list[Chunk], list[str]]:
    """Every passage of the bank, and its cache key."""
    chunks: list[Chunk] = []
    keys: list[str] = []
    for case in cases:
        for chunk in chunk_case(case):
            chunks.append(chunk)
            keys.append(chunk.key(case.title, model_id))
    return chunks, keys


def read_cache(index_dir: Path, model_id: str) -> tuple[CachedVectors, str]:
    """The cached vectors by key, or an empty cache and the reason it could not be used."""
    empty = CachedVectors({}, np.zeros((0, 0), dtype=np.float32))
    manifest_path = index_dir / MANIFEST
    vectors_path = index_dir / VECTORS
    if not manifest_path.exists():
        return empty, "no index yet"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        raw = vectors_path.read_bytes()
    except (OSError, ValueError) as exc:
        return empty, f"unreadable index ({exc.__class__.__name__})"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return empty, "index written in another format"
    if manifest.get("model") != model_id:
        return empty, f"index made with another model ({manifest.get('model')})"
    if hashlib.sha256(raw).hexdigest() != manifest.get("vectors_sha256"):
        return empty, "vectors file does not match its manifest (corrupt)"
    try:
        vectors = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError) as exc:
        return empty, f"vectors file unreadable ({exc.__class__.__name__})"
    keys = manifest.get("keys")
    if not isinstance(keys, list) or vectors.ndim != 2 or vectors.shape[0] != len(keys):
        return empty, "vectors and manifest disagree in shape (corrupt)"
    return CachedVectors({k: i for i, k in enumerate(keys)}, vectors.astype(np.float32, copy=False)), ""


def write_cache(index_dir: Path, index: Index) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(index.vectors, dtype=np.float32), allow_pickle=False)
    raw = buffer.getvalue()
    atomic_write_bytes(index_dir / VECTORS, raw, mode=0o644)
    manifest = {
        "format": FORMAT,
        "model": index.model_id,
        "dimensions": int(index.vectors.shape[1]) if index.vectors.size else 0,
        "vectors_sha256": hashlib.sha256(raw).hexdigest(),
        "cases": index.case_ids,
        "keys": index.keys,
    }
    atomic_write_text(index_dir / MANIFEST, json.dumps(manifest, indent=0) + "\n", mode=0o644)


def is_current(cases: Sequence[Case], index_dir: Path, model_id: str) -> tuple[bool, str]:
    """Whether the cache holds exactly the bank's passages (no model needed to tell)."""
    _, keys = plan(cases, model_id)
    cache, reason = read_cache(index_dir, model_id)
    if reason:
        return False, reason
    missing = sum(1 for k in keys if k not in cache.by_key)
    extra = len(set(cache.by_key) - set(keys))
    if missing or extra:
        return False, f"{missing} passages not embedded, {extra} stale passages cached"
    return True, ""


def build(cases: Sequence[Case], index_dir: Path, encoder: Encoder, *, rebuild: bool = False,
          write: bool = True, on_total: Callable[[int], None] | None = None,
          progress: Callable[[int], None] | None = None,
          seed_dirs: Sequence[Path] = ()) -> tuple[Index, IndexStats]:
    """Bring the cache up to date, embedding only passages whose key it lacks.

    `seed_dirs` are other caches (read, never written) whose vectors may be reused: a trainer's
    copy of the bundled bank starts from the committed index instead of embedding it all again.
    """
    chunks, keys = plan(cases, encoder.id)
    cache, reason = (CachedVectors({}, np.zeros((0, 0), np.float32)), "rebuild asked for") if rebuild \
        else read_cache(index_dir, encoder.id)
    if not rebuild:
        for seed in seed_dirs:
            cache = _merge(cache, read_cache(seed, encoder.id)[0], keys)
    todo = sorted({k: i for i, k in enumerate(keys) if k not in cache.by_key}.values())
    if on_total:
        on_total(len(todo))
    titles = {c.id: c.title for c in cases}
    fresh = encoder.encode([chunks[i].embed_text(titles[chunks[i].case_id]) for i in todo], progress=progress) \
        if todo else np.zeros((0, 0), dtype=np.float32)
    dims = fresh.shape[1] if fresh.size else (cache.vectors.shape[1] if cache.vectors.size else 384)
    vectors = np.zeros((len(chunks), dims), dtype=np.float32)
    fresh_row = {keys[i]: r for r, i in enumerate(todo)}
    for row, key in enumerate(keys):
        vectors[row] = fresh[fresh_row[key]] if key in fresh_row else cache.vectors[cache.by_key[key]]
    index = assemble(chunks, keys, vectors, encoder.id)
    changed = bool(todo) or set(cache.by_key) != set(keys) or bool(reason)
    written = False
    if write and changed:
        try:
            write_cache(index_dir, index)
            written = True
        except OSError:
            written = False
    stats = IndexStats(embedded=len(set(fresh_row)), reused=len(keys) - len(todo), cases=len(cases),
                       rebuilt_reason=reason if reason != "no index yet" else "", written=written)
    return index, stats


def _merge(cache: CachedVectors, seed: CachedVectors, keys: Sequence[str]) -> CachedVectors:
    """The cache plus the seed's vectors for keys the cache lacks (only those the bank needs)."""
    wanted = [k for k in dict.fromkeys(keys) if k not in cache.by_key and k in seed.by_key]
    if not wanted:
        return cache
    extra = seed.vectors[[seed.by_key[k] for k in wanted]]
    vectors = extra if not cache.by_key else np.vstack([cache.vectors, extra])
    by_key = dict(cache.by_key)
    by_key.update({k: len(cache.by_key) + i for i, k in enumerate(wanted)})
    return CachedVectors(by_key, vectors)


def assemble(chunks: list[Chunk], keys: list[str], vectors: np.ndarray, model_id: str) -> Index:
    case_ids: list[str] = []
    starts: list[int] = []
    for row, chunk in enumerate(chunks):
        if not case_ids or case_ids[-1] != chunk.case_id:
            case_ids.append(chunk.case_id)
            starts.append(row)
    return Index(chunks, keys, vectors, model_id, case_ids, np.asarray(starts, dtype=np.int64))
