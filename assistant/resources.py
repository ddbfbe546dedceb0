"""The bundled case bank, prompts and index, wherever the install put them.

In the repository they stay at the top (`casebank/`, `prompts/`, `embeddings/`), where trainers
and reviewers look for them. `pyproject.toml` maps them into the wheel as the data-only packages
`assistant.bundled.casebank`, `.prompts` and `.embeddings`, found here through
`importlib.resources`. An editable install cannot map a folder without `__init__.py` under a
package (setuptools' editable finder skips it), so a checkout falls back to the repository's own
folders beside the package.

A leaf: it imports nothing of the project, so every layer may ask it where things are.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from importlib.resources import files
from pathlib import Path

NAMES = ("casebank", "prompts", "embeddings")
CHECKOUT = Path(__file__).resolve().parent.parent


@cache
def folder(name: str) -> Path:
    """The real folder that holds one bundled resource (wheels are unpacked, never zipped)."""
    if name not in NAMES:
        raise ValueError(f"no bundled resource called {name!r}")
    packaged = _packaged(f"assistant.bundled.{name}")
    return packaged if packaged is not None else CHECKOUT / name


def _packaged(package: str) -> Path | None:
    try:
        resource = files(package)
    except ModuleNotFoundError:
        return None
    if isinstance(resource, Path):
        return resource
    # A folder without __init__.py is a namespace package: files() gives a MultiplexedPath.
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None
