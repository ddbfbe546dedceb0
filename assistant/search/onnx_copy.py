"""The ONNX copy of the bundled model: where it lives, whether it can be trusted, and making it.

The copy is generated on this machine from the installed weights (never downloaded, never
committed): `model.onnx` with `model.onnx.json` beside it, which names the model it was made
from and the SHA-256 and size of the file. A copy whose manifest is missing, names another
model or does not match the file is broken and is never used.

Where: beside the bundled index (`embeddings/`), or, when that folder cannot be written (an
installed wheel), in the user cache folder. A bank with its own index folder may hold its own
copy there; otherwise it uses one of the two shared places.

    python -m assistant.search.onnx_copy      (what `make run` / `make test` do after installing)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from assistant.search.model_files import model_id

FORMAT = 1
FILE = "model.onnx"
MANIFEST = "model.onnx.json"
ENV_CACHE = "REFLECT_MODEL_CACHE"


@dataclass(frozen=True)
class Copy:
    path: Path
    sha256: str
    size: int


def shared_dirs() -> list[Path]:
    """The folders every bank can use: beside the bundled index, then the user cache."""
    from assistant.paths import BUNDLED_INDEX

    override = os.environ.get(ENV_CACHE)
    if override:
        return [Path(override).expanduser()]
    from platformdirs import user_cache_path

    return [BUNDLED_INDEX, user_cache_path("reflect", appauthor=False)]


def candidate_dirs(index_dir: Path | None = None) -> list[Path]:
    dirs = ([Path(index_dir)] if index_dir is not None else []) + shared_dirs()
    seen: list[Path] = []
    for d in dirs:
        if not any(_same(d, s) for s in seen):
            seen.append(d)
    return seen


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def read_manifest(folder: Path) -> tuple[Copy | None, str]:
    """The copy a folder claims to hold (not yet hashed), or why there is none to use."""
    path = folder / FILE
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        size = path.stat().st_size
    except FileNotFoundError:
        return None, f"no ONNX copy of the model in {folder}"
    except (OSError, ValueError) as exc:
        return None, f"unreadable ONNX copy in {folder} ({exc.__class__.__name__})"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None, f"the ONNX copy in {folder} was written in another format"
    if manifest.get("model") != model_id():
        return None, f"the ONNX copy in {folder} was made from another model ({manifest.get('model')})"
    if manifest.get("bytes") != size or not isinstance(manifest.get("sha256"), str):
        return None, f"the ONNX copy in {folder} does not match its manifest (broken)"
    return Copy(path, manifest["sha256"], size), ""


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def find(index_dir: Path | None = None) -> tuple[Copy | None, str]:
    """The first copy whose manifest holds (the hash itself is checked as the model loads)."""
    reasons = []
    for folder in candidate_dirs(index_dir):
        copy, reason = read_manifest(folder)
        if copy is not None:
            return copy, ""
        reasons.append(reason)
    return None, reasons[0] if reasons else "no ONNX copy of the model"


def verified(index_dir: Path | None = None) -> Copy | None:
    """A copy whose file hashes to its manifest, if there is one."""
    for folder in candidate_dirs(index_dir):
        copy, _ = read_manifest(folder)
        if copy is not None and file_sha256(copy.path) == copy.sha256:
            return copy
    return None


def ensure(index_dir: Path | None = None, *, log=None) -> Copy:  # type: ignore[no-untyped-def]
    """A trustworthy copy: an existing one, or a new one made from the installed weights.

    Made by sentence-transformers' model through `torch.onnx` (the only place this loads torch),
    into a temporary file in the target folder that is renamed into place, manifest last.
    """
    found = verified(index_dir)
    if found is not None:
        return found
    errors = []
    for folder in shared_dirs():
        try:
            return make(folder, log=log)
        except OSError as exc:
            errors.append(f"{folder}: {exc.strerror or exc}")
    raise OSError("could not write the ONNX copy of the model: " + "; ".join(errors))


def make(folder: Path, *, log=None) -> Copy:  # type: ignore[no-untyped-def]
    from assistant.search.torch_model import export_onnx

    folder.mkdir(parents=True, exist_ok=True)
    if log:
        log(f"making the ONNX copy of the model in {folder} (once; about 20 s)")
    fd, tmp = tempfile.mkstemp(prefix=".model-", suffix=".onnx.tmp", dir=folder)
    os.close(fd)
    try:
        note = export_onnx(Path(tmp))
        digest, size = file_sha256(Path(tmp)), Path(tmp).stat().st_size
        os.chmod(tmp, 0o644)
        os.replace(tmp, folder / FILE)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    manifest = {"format": FORMAT, "model": model_id(), "bytes": size, "sha256": digest, "made_with": note}
    from assistant.fileio import atomic_write_text

    atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=1) + "\n", mode=0o644)
    return Copy(folder / FILE, digest, size)


def main() -> None:
    copy = ensure(log=lambda message: print(f"reflect: {message}", file=sys.stderr))
    print(f"ONNX copy of the model: {copy.path} ({copy.size / 1e6:.0f} MB, sha256 {copy.sha256[:12]}...)")


if __name__ == "__main__":
    main()
