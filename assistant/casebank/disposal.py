"""Reading a court outcome as written in a case summary into the case's `disposal` and `offences`.

Case summaries name the sentence in running prose: "a 12-month youth rehabilitation order with
supervision for assault occasioning actual bodily harm", "released halfway through a detention
and training order for robbery". The case format has two free-text fields for this, `disposal`
and `offences` (CASE_SCHEMA.md), so the parts found here (the order, its length, its
requirements, a release on licence) are written back as one disposal in the bundled bank's own
style, "youth rehabilitation order with supervision (12 months)", and the offences as a list,
"robbery (three counts)". That keeps imported cases alike to search and to read. A phrase that
names no known order is left as the text said it: the importer never invents a sentence.

Pure and model-free, standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                "fifteen sixteen seventeen eighteen nineteen twenty").split()
_NUMBER = r"(?:\d{1,2}|" + "|".join(NUMBER_WORDS) + r"|twenty-four|thirty-six)"

# The orders and out-of-court disposals of youth justice in England and Wales, longest first
# where one name contains another; each written as the bank writes it.
KINDS: list[tuple[str, str]] = [
    ("youth rehabilitation order", r"youth rehabilitation order|yro"),
    ("detention and training order", r"detention and training order|dto"),
    ("referral order", r"referral order"),
    ("reparation order", r"reparation order"),
    ("youth conditional caution", r"youth conditional caution|ycc"),
    ("youth caution", r"youth caution"),
    ("community resolution", r"community resolution"),
    ("conditional discharge", r"conditional discharge"),
    ("absolute discharge", r"absolute discharge"),
    ("section 250 detention", r"(?:(?:sentence of |period of )?detention under )?section 250(?: detention| sentence)?"),
    ("remand to youth detention accommodation", r"remand to youth detention accommodation"),
]
CUSTODIAL = {"detention and training order", "section 250 detention"}

# Requirements a youth rehabilitation order may carry, as the bank names them.
REQUIREMENTS: list[tuple[str, str]] = [
    ("intensive supervision and surveillance", r"intensive supervision and surveillance|iss"),
    ("intensive fostering", r"intensive fostering"),
    ("electronically monitored curfew", r"electronically monitored curfew|electronic(?:ally)? monitored curfew"
                                        r"|curfew with electronic monitoring|tagged curfew"),
    ("supervision", r"supervision"),
    ("curfew", r"curfew"),
    ("activity", r"activity|activities"),
    ("programme", r"programme"),
    ("unpaid work", r"unpaid work"),
    ("attendance centre", r"attendance centre"),
    ("prohibited activity", r"prohibited activity"),
    ("exclusion", r"exclusion"),
    ("local authority residence", r"local authority residence"),
    ("residence", r"residence"),
    ("education", r"education"),
    ("mental health treatment", r"mental health treatment"),
    ("drug treatment", r"drug treatment"),
    ("drug testing", r"drug testing"),
    ("intoxicating substance treatment", r"intoxicating substance treatment"),
    ("electronic monitoring", r"electronic monitoring"),
    ("reparation", r"reparation"),
]
_REQUIREMENT = "|".join(p for _, p in REQUIREMENTS)
_ITEM = re.compile(rf"(?:an? )?(?P<name>{_REQUIREMENT})\b(?: requirements?)?(?P<detail> \([^()]*\))?", re.IGNORECASE)

LENGTH = re.compile(rf"(?P<n>{_NUMBER})[- ](?P<unit>months?|weeks?|years?)(?:[- ]long)?", re.IGNORECASE)
LENGTH_AFTER = re.compile(rf"\s*(?:\(|,?\s*(?:for|of|lasting)\s+)(?:an? |the )?(?:period of )?{LENGTH.pattern}\)?",
                          re.IGNORECASE)

RELEASE = re.compile(
    r"\breleased\s+(?:from custody\s+)?(?:on licence\s+)?(?:(?:halfway|half-way|half way|midway)\s+(?:through|into)"
    r"|at the (?:halfway|half-way|mid-?) ?point of|from)\s+(?:an?|the|his|her|their)\s+(?P<disposal>[^.;]{3,120}?)"
    r"\s+(?:for|after)\s+(?:an? |the |his |her |their )?(?:(?:offences?|charges?) of )?(?P<offences>[^.;]{3,200}?)"
    r"(?=\.(?:\s|$)|;|$)", re.IGNORECASE)
COUNTS = re.compile(rf"^(?P<n>{_NUMBER}|several|multiple) (?P<what>counts|offences|charges) of (?P<offence>.+)$",
                    re.IGNORECASE)


@dataclass(frozen=True)
class Disposal:
    """A sentence or out-of-court disposal, in its parts."""

    kind: str  # as in KINDS, e.g. "youth rehabilitation order"
    length: str = ""  # "12 months", "16 weeks"
    requirements: tuple[str, ...] = ()  # ("supervision", "activity (reparation)")
    released: bool = False  # the custodial part is served: the rest is on licence in the community

    def text(self) -> str:
        """The disposal as the bundled bank writes one, e.g. 'referral order (9 months)'."""
        length = f" ({self.length})" if self.length else ""
        with_ = f" with {_join(self.requirements)}" if self.requirements else ""
        if "(" in with_:  # two brackets in a row read badly: the length goes first
            text = f"{self.kind}{length}{with_}"
        else:
            text = f"{self.kind}{with_}{length}"
        return text + _release_note(self) if self.released else text


def _release_note(disposal: Disposal) -> str:
    if disposal.kind == "detention and training order":
        return ", with the second half served on licence in the community"
    return ", released on licence to serve the rest in the community"


def _join(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def parse(phrase: str, *, released: bool = False) -> Disposal | None:
    """The parts of a phrase such as '12-month youth rehabilitation order with supervision';
    None when the phrase names no order this module knows (the caller keeps the words)."""
    text = " ".join(phrase.split()).strip(" ,.")
    text = re.sub(r"(?i)^(?:an?|the|his|her|their)\s+", "", text)
    length, text = _leading_length(text)
    match = re.match(rf"(?i)(?:{'|'.join(f'(?P<k{i}>{p})' for i, (_, p) in enumerate(KINDS))})\b", text)
    if not match:
        return None
    kind = next(KINDS[i][0] for i in range(len(KINDS)) if match.group(f"k{i}"))
    rest = text[match.end():]
    after, rest = _trailing_length(rest)
    requirements, rest = _requirements(rest) if kind == "youth rehabilitation order" else ((), rest)
    if not length:
        after2, rest = _trailing_length(rest)
        after = after or after2
    if rest.strip(" ,"):
        return None  # words this module does not understand: keep the phrase as written
    return Disposal(kind, length or after, requirements, released)


def _leading_length(text: str) -> tuple[str, str]:
    match = LENGTH.match(text)
    if not match:
        return "", text
    return _length(match.group("n"), match.group("unit")), text[match.end():].lstrip()


def _trailing_length(text: str) -> tuple[str, str]:
    match = LENGTH_AFTER.match(text)
    if not match:
        return "", text
    return _length(match.group("n"), match.group("unit")), text[match.end():]


def _length(number: str, unit: str) -> str:
    """'12', 'month' -> '12 months'; years become months, as the bank counts orders."""
    n = _number(number)
    unit = unit.lower().rstrip("s")
    if unit == "year":
        n, unit = n * 12, "month"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _number(word: str) -> int:
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word in ("twenty-four", "thirty-six"):
        return {"twenty-four": 24, "thirty-six": 36}[word]
    return NUMBER_WORDS.index(word)


def _requirements(text: str) -> tuple[tuple[str, ...], str]:
    """'with supervision, curfew and activity (reparation) requirements' -> the names, and what is left."""
    match = re.match(r"(?i)\s*,?\s*(?:with|and)\s+", text)
    if not match:
        return (), text
    names: list[str] = []
    rest = text[match.end():]
    while True:
        item = _ITEM.match(rest)
        if not item:
            break
        names.append(_canonical(item.group("name")) + (item.group("detail") or "").lower())
        rest = rest[item.end():]
        sep = re.match(r"(?i)\s*(?:,\s*and|,|and)\s+(?=\S)", rest)
        if not sep or not _ITEM.match(rest[sep.end():]):
            break
        rest = rest[sep.end():]
    rest = re.sub(r"(?i)^\s*requirements?\b", "", rest)
    return (tuple(names), rest) if names else ((), text)


def _canonical(name: str) -> str:
    for canonical, pattern in REQUIREMENTS:
        if re.fullmatch(pattern, name, re.IGNORECASE):
            return canonical
    return name.lower()


def offence(text: str) -> str:
    """'three counts of robbery' -> 'robbery (three counts)', as the bank writes repeated offences."""
    text = " ".join(text.split()).strip(" ,")
    match = COUNTS.match(text)
    if not match:
        return text
    return f"{match.group('offence')} ({match.group('n').lower()} {match.group('what').lower()})"


def release(text: str) -> re.Match[str] | None:
    """The first 'released halfway through a ... for ...' (or 'released on licence from a ...')."""
    return RELEASE.search(text)
