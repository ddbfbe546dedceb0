"""The case bank: cases, stages and themes; loading and validating YAML. Imports nothing of the project.

The loaders (and PyYAML with them) are imported on first use, so that importing the model
alone (as the command line does to list stages) stays cheap.
"""

from typing import Any

from assistant.casebank.model import STAGES, STRANDS, Bank, Case, Framework, Problem, Stage, Theme

__all__ = ["STAGES", "STRANDS", "Bank", "Case", "Framework", "Problem", "Stage", "Theme",
           "load_bank", "load_case", "validate_paths"]


def __getattr__(name: str) -> Any:
    if name in ("load_bank", "load_case", "validate_paths"):
        from assistant.casebank import load

        return getattr(load, name)
    raise AttributeError(name)
