"""Tools for trainers who add cases to the bank, beside the case bank they work on.

`authoring` writes cases (a skeleton; importing pasted text with suggested themes); `checks`
adds what `reflect case validate --checks` reports beyond the schema (identifiers, near
duplicates, findability). They sit above `casebank/` because they use search and privacy,
which the case bank itself never imports.
"""

from assistant.trainer.authoring import ImportResult, ThemeSuggester, import_text, passage_texts, skeleton
from assistant.trainer.checks import (FINDABLE_TOP, NEAR_DUPLICATE, bundled_reference, case_similarities,
                                      findability, findability_query, identifier_problems, model_problems,
                                      nearest_neighbours)

__all__ = ["FINDABLE_TOP", "NEAR_DUPLICATE", "ImportResult", "ThemeSuggester", "bundled_reference",
           "case_similarities", "findability", "findability_query", "identifier_problems", "import_text",
           "model_problems", "nearest_neighbours", "passage_texts", "skeleton"]
