"""Where things live: one place that answers it, with no side effects at import.

Each location can be set on the command line or through an environment variable; the
defaults are the bundled case bank, its committed index, and the user's data folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from assistant.resources import folder

BUNDLED_CASEBANK = folder("casebank")
BUNDLED_INDEX = folder("embeddings")
PROMPTS_DIR = folder("prompts")

ENV_CASEBANK = "REFLECT_CASEBANK"
ENV_INDEX_DIR = "REFLECT_INDEX_DIR"
ENV_DATA_DIR = "REFLECT_DATA_DIR"


@dataclass(frozen=True)
class Paths:
    casebank: Path
    index_dir: Path
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "reflect.db"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def user_templates(self) -> Path:
        return self.data_dir / "templates"

    @property
    def user_formats(self) -> Path:
        """A supervisor's own group formats (YAML, as in prompts/flows/), beside the bundled ones."""
        return self.data_dir / "formats"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("reflect", appauthor=False)


def is_bundled(casebank: Path | str) -> bool:
    """Whether `casebank` is the bundled bank (however the path is spelled): a trainer's own
    bank gets the bundled one's index as a seed and its cases as a yardstick for the checks."""
    try:
        return Path(casebank).expanduser().resolve() == BUNDLED_CASEBANK.resolve()
    except OSError:
        return False


def resolve_paths(
    casebank: Path | str | None = None,
    index_dir: Path | str | None = None,
    data_dir: Path | str | None = None,
) -> Paths:
    """Options win over environment variables, which win over the defaults."""
    bank = Path(casebank or os.environ.get(ENV_CASEBANK) or BUNDLED_CASEBANK).expanduser()
    index = index_dir or os.environ.get(ENV_INDEX_DIR)
    if index:
        index_path = Path(index).expanduser()
    elif is_bundled(bank):
        index_path = BUNDLED_INDEX
    else:
        index_path = bank / ".index"
    data = data_dir or os.environ.get(ENV_DATA_DIR)
    data_path = Path(data).expanduser() if data else default_data_dir()
    return Paths(casebank=bank, index_dir=index_path, data_dir=data_path)
