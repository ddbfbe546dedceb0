"""The child's gender, read from the words of a case illustration, or left unset.

`child.gender` is optional free text; a wrong value is worse than none, because it would be
read as the author's. So the importer takes it only from what the text says about the child:
a word in the sentence that introduces the child ("a 15-year-old girl"), pronouns stated for
the child ("Sam (she/her)"), a girl or boy named in the title, or the pronouns the summary
uses for the child by name, counted and accepted only when one kind clearly wins. A first
name is never evidence. Anything mixed or thin is "unclear" and the field stays empty.

Pure and standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# words that say it outright, as the text says it (the bundled bank uses girl, boy, non-binary)
WORDS: list[tuple[str, str]] = [(r"young woman|female", "female"), (r"young man|male", "male"),
                                (r"non-binary", "non-binary"), (r"girl", "girl"), (r"boy", "boy")]
TITLE_WORDS: dict[str, str] = {"girl": "girl", "young woman": "female", "boy": "boy", "lad": "boy",
                               "young man": "male"}
# Counted only after the child's name: "him" and "them" are left out, because in a sentence that
# opens with the child ("Ari told him") the object is nearly always someone else.
PRONOUNS: dict[str, str] = {"she": "girl", "her": "girl", "hers": "girl", "herself": "girl",
                            "he": "boy", "his": "boy", "himself": "boy",
                            "they": "they", "their": "they", "themselves": "they"}
STATED = {"she/her": "girl", "he/him": "boy", "they/them": "they"}
_STATED = r"(?P<stated>she/her|he/him|they/them)(?:/\w+)?"
_PRONOUN = re.compile(r"\b(" + "|".join(PRONOUNS) + r")\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*\s+")
MIN_VOTES = 2  # pronouns for the child by name before the count is trusted
MARGIN = 4  # and the winner must outnumber every other kind this many times


@dataclass(frozen=True)
class Reading:
    """What the text says; `value` is empty when it is unclear."""

    value: str
    source: str  # "introduction", "stated pronouns", "title", "pronouns", or "" when unclear
    stated: str = ""  # pronouns stated for the child, e.g. "they/them", even when value is empty


def read(title: str, summary: str, name: str, introduction: str) -> Reading:
    """The child's gender from, in order: the introducing sentence, stated pronouns, the title,
    then a count of the pronouns used for the child by name."""
    word = _word(introduction)
    if word:
        return Reading(word, "introduction")
    stated = _stated(summary, name, introduction)
    if stated in ("girl", "boy"):
        return Reading(stated, "stated pronouns", _pair(stated))
    if stated == "they":
        return Reading("", "", "they/them")
    titled = _title(title)
    if titled:
        return Reading(titled, "title")
    counted = _counted(summary, name)
    return Reading(counted, "pronouns" if counted else "")


def _word(sentence: str) -> str:
    """The first such word in the sentence: the child is introduced before anyone else in it
    ("a fourteen-year-old boy who assaulted an eleven-year-old girl" is a boy)."""
    found = [(m.start(), gender) for pattern, gender in WORDS
             for m in re.finditer(rf"\b(?:{pattern})\b", sentence or "", re.IGNORECASE)]
    return min(found)[1] if found else ""


def _pair(kind: str) -> str:
    return next(p for p, k in STATED.items() if k == kind)


def _stated(summary: str, name: str, introduction: str) -> str:
    """Pronouns stated just after the child's name ("Sam (she/her)", "Sam uses they/them"), or in
    the introducing sentence when no name was found; anyone else's say nothing about the child."""
    patterns = [rf"\({_STATED}(?: pronouns)?\)", rf"\buses {_STATED}\b", rf"\bpronouns (?:are )?{_STATED}\b"]
    text = " ".join(re.findall(rf"\b{re.escape(name)}\b[^.!?]{{0,60}}", summary)) if name else introduction
    for pattern in patterns:
        match = re.search(pattern, text or "", re.IGNORECASE)
        if match:
            return STATED[match.group("stated").lower()]
    return ""


def _title(title: str) -> str:
    """A girl or a boy named in the title, when only one kind is ("a girl groomed by a young man": neither)."""
    found = [g for word, g in TITLE_WORDS.items() if re.search(rf"\b{word}\b", title or "", re.IGNORECASE)]
    kinds = {"girl" if g in ("girl", "female") else "boy" for g in found}
    return found[0] if len(kinds) == 1 else ""


def _counted(summary: str, name: str) -> str:
    """The pronouns that refer to the child by position: the first one in a sentence that opens
    with the child's name, and a sentence that opens with a pronoun straight after such a one.
    Other people (the case manager, a parent) are mostly named as themselves in between."""
    if not name or not summary:
        return ""
    votes: dict[str, int] = {"girl": 0, "boy": 0, "they": 0}
    opens_with_name = re.compile(rf"^[\"'\u2018\u201c]?{re.escape(name)}\b(?!['\u2019]s)")
    previous_named = False
    for sentence in _SENTENCE.split(" ".join(summary.split())):
        named = bool(opens_with_name.match(sentence))
        pronoun = _PRONOUN.search(sentence[len(name):] if named else sentence)
        if pronoun and (named or (previous_named and pronoun.start() == 0)):
            votes[PRONOUNS[pronoun.group(1).lower()]] += 1
        previous_named = named
    return _winner(votes)


def _winner(votes: dict[str, int]) -> str:
    best = max(votes, key=lambda k: votes[k])
    others = sum(v for k, v in votes.items() if k != best)
    if best == "they" or votes[best] < MIN_VOTES or votes[best] < MARGIN * others:
        return ""
    return best
