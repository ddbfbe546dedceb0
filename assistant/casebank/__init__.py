"""The case bank: cases, stages and themes; loading and validating YAML. Imports nothing of the project."""

from assistant.casebank.load import load_bank, load_case, validate_paths
from assistant.casebank.model import STAGES, STRANDS, Bank, Case, Framework, Problem, Stage, Theme

__all__ = ["STAGES", "STRANDS", "Bank", "Case", "Framework", "Problem", "Stage", "Theme",
           "load_bank", "load_case", "validate_paths"]
