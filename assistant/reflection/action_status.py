"""Reading what an answer says about an action: done, carried on or dropped; now or later; no date.

The words live in `prompts/action_status.yaml` (see the comments there for how they are
matched), so a trainer can teach reflect a new way of saying "done" without code. A follow-up
answer that already says what became of the action is not asked about it again; one that says
none of it is (the status question). Negations are read ("not done yet" is carried), because a
wrong "done" closes an action that is still open, which is worse than one more question.

A broken file is reported in one line (a :class:`Problem`) and reflect falls back to asking:
follow-up answers are not read, and only the words the questions themselves offer ("done",
"carry on", "drop"; "now", "later"; "no date") are understood, so no question is left that
cannot be answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from assistant.casebank.load import display_path, suggest
from assistant.casebank.model import Problem
from assistant.casebank.yamlfile import YamlProblem, read_yaml
from assistant.paths import PROMPTS_DIR

Status = Literal["done", "carried", "dropped"]
Offer = Literal["now", "later"]
STATUSES: tuple[Status, ...] = ("done", "carried", "dropped")
STATUS_FILE = PROMPTS_DIR / "action_status.yaml"
KEYS = ("statuses", "negations", "negation_window", "clause_breaks", "status_replies", "offer", "no_date")
STATUS_KEYS = ("phrases", "first_word", "negated")

Phrase = tuple[str, ...]
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_TOKEN = re.compile(r"[a-z0-9']+|[.,;:!?()\[\]\u2013\u2014]|\s-\s")


def words(text: str, breaks: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """Lower-case words, each with the number of the part of the sentence it is in.

    "n't" becomes "not" (haven't -> have not), and punctuation or a word in `breaks` ("but")
    starts a new part, so a negation never reaches across "Done, but not the letter".
    """
    text = re.sub(r"n't\b", " not", text.lower().translate(_APOSTROPHES))
    out: list[tuple[str, int]] = []
    part = 0
    for match in _TOKEN.finditer(text):
        token = match.group().strip().strip("'")
        if not token or not token[0].isalnum() or token in breaks:
            part += 1
            continue
        out.append((token, part))
    return out


def _phrase(text: str) -> Phrase:
    return tuple(w for w, _ in words(text))


@dataclass(frozen=True)
class Found:
    start: int
    length: int
    meaning: str


@dataclass(frozen=True)
class StatusWords:
    """The phrases that say what became of an action, and how negation turns them round."""

    phrases: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)
    first_word: dict[str, frozenset[str]] = field(default_factory=dict)
    negated: dict[str, str | None] = field(default_factory=dict)
    negations: frozenset[str] = frozenset()
    window: int = 3
    breaks: frozenset[str] = frozenset()
    replies: dict[str, frozenset[str]] = field(default_factory=dict)
    offer: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)
    no_date: tuple[Phrase, ...] = ()

    # --- reading ---------------------------------------------------------------------------

    def read(self, answer: str) -> Status | None:
        """The status a follow-up answer states, or None when it states none (then ask)."""
        tokens = words(answer, self.breaks)
        found = [f for f in self._find(tokens, self.phrases) if f.meaning]
        if found:
            return _status(min(found, key=lambda f: (f.start, -f.length)).meaning)
        if tokens:
            return _status(_first(tokens[0][0], self.first_word))
        return None

    def read_reply(self, answer: str) -> Status | None:
        """A reply to the status question: the phrases first, then a short reply ('d', 'carry')."""
        status = self.read(answer)
        tokens = words(answer, self.breaks)
        if status is None and tokens:
            status = _status(_first(tokens[0][0], self.replies))
        return status

    def read_offer(self, answer: str) -> Offer | None:
        """'now' or 'later' for the offer to review other open actions; None when unclear."""
        found = self._find(words(answer, self.breaks), self.offer, negate=False)
        if not found:
            return None
        meaning = min(found, key=lambda f: (f.start, -f.length)).meaning
        return "now" if meaning == "now" else "later"

    def means_no_date(self, answer: str) -> bool:
        """The answer to 'when is it due?' says: leave it without a date."""
        return bool(self._find(words(answer, self.breaks), {"none": self.no_date}, negate=False))

    def _find(self, tokens: list[tuple[str, int]], table: dict[str, tuple[Phrase, ...]],
              negate: bool = True) -> list[Found]:
        found = []
        for meaning, phrases in table.items():
            for phrase in phrases:
                for start in _starts(tokens, phrase):
                    if negate and self._negated(tokens, start):
                        found.append(Found(start, len(phrase), self.negated.get(meaning) or ""))
                    else:
                        found.append(Found(start, len(phrase), meaning))
        return found

    def _negated(self, tokens: list[tuple[str, int]], start: int) -> bool:
        part = tokens[start][1]
        before = tokens[max(0, start - self.window):start]
        return any(w in self.negations and p == part for w, p in before)


def _starts(tokens: list[tuple[str, int]], phrase: Phrase) -> list[int]:
    """Where `phrase` begins in `tokens`, whole words and within one part of the sentence."""
    n = len(phrase)
    if not n:
        return []
    return [i for i in range(len(tokens) - n + 1)
            if tuple(w for w, _ in tokens[i:i + n]) == phrase and tokens[i][1] == tokens[i + n - 1][1]]


def _first(word: str, table: dict[str, frozenset[str]]) -> str | None:
    return next((meaning for meaning, ws in table.items() if word in ws), None)


def _status(meaning: str | None) -> Status | None:
    return meaning if meaning in STATUSES else None  # type: ignore[return-value]


#: What is understood when the file cannot be read: the words the questions offer, nothing more.
FALLBACK = StatusWords(
    replies={"done": frozenset({"done", "d"}), "carried": frozenset({"carry", "carried", "c"}),
             "dropped": frozenset({"drop", "dropped"})},
    offer={"now": (("now",),), "later": (("later",),)},
    no_date=(("no", "date"),),
)


# --- loading -------------------------------------------------------------------------------

def load_status_words(path: Path = STATUS_FILE) -> tuple[StatusWords, list[Problem]]:
    """The words of `path`, or the fallback and the problems that made it unusable."""
    where = display_path(path)
    try:
        doc = read_yaml(path)
    except YamlProblem as exc:
        return FALLBACK, [Problem(where, exc.line, "", exc.message)]
    except OSError as exc:
        return FALLBACK, [Problem(where, None, "", f"cannot be read ({exc.strerror or exc})")]
    problems: list[Problem] = []

    def add(field_: str, message: str) -> None:
        problems.append(Problem(where, doc.line(field_), field_, message))

    data = doc.data
    if not isinstance(data, dict):
        return FALLBACK, [Problem(where, 1, "", "expected a mapping of keys")]
    for key in data:
        if key not in KEYS:
            add(str(key), f"unknown key '{key}'{suggest(str(key), KEYS)}")
    built = _build(data, add)
    return (FALLBACK, problems) if problems else (built, [])


def _build(data: dict[str, Any], add: Any) -> StatusWords:
    statuses = data.get("statuses")
    if not isinstance(statuses, dict) or not statuses:
        add("statuses", "expected a mapping of done, carried and dropped to their phrases")
        statuses = {}
    phrases, first_word, negated = {}, {}, {}
    for name, spec in statuses.items():
        where = f"statuses.{name}"
        if name not in STATUSES:
            add(where, f"unknown status '{name}'{suggest(str(name), STATUSES)}")
            continue
        if not isinstance(spec, dict):
            add(where, "expected 'phrases' (and optionally 'first_word', 'negated')")
            continue
        for key in spec:
            if key not in STATUS_KEYS:
                add(f"{where}.{key}", f"unknown key '{key}'{suggest(str(key), STATUS_KEYS)}")
        phrases[name] = _phrases(spec.get("phrases"), f"{where}.phrases", add)
        first_word[name] = frozenset(_word_list(spec.get("first_word", []), f"{where}.first_word", add))
        turned = spec.get("negated")
        if turned is not None and turned not in STATUSES:
            add(f"{where}.negated", f"expected one of {', '.join(STATUSES)}, got {turned!r}")
        negated[name] = turned
    window = data.get("negation_window", 3)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 10:
        add("negation_window", "expected a whole number from 0 to 10")
        window = 3
    return StatusWords(
        phrases=phrases, first_word=first_word, negated=negated,
        negations=frozenset(_word_list(data.get("negations", []), "negations", add)), window=window,
        breaks=frozenset(_word_list(data.get("clause_breaks", []), "clause_breaks", add)),
        replies={k: frozenset(v) for k, v in _table(data.get("status_replies", {}), "status_replies",
                                                    STATUSES, add, single=True).items()},
        offer=_table(data.get("offer", {}), "offer", ("now", "later"), add),
        no_date=_phrases(data.get("no_date", []), "no_date", add),
    )


def _strings(raw: Any, where: str, add: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        add(where, "expected a list of words or phrases (quote yes, no, on and off)")
        return []
    return raw


def _phrases(raw: Any, where: str, add: Any) -> tuple[Phrase, ...]:
    return tuple(p for p in (_phrase(x) for x in _strings(raw, where, add)) if p)


def _word_list(raw: Any, where: str, add: Any) -> list[str]:
    out = []
    for phrase in _phrases(raw, where, add):
        if len(phrase) != 1:
            add(where, f"'{' '.join(phrase)}' is more than one word: put it in a list of phrases")
            continue
        out.append(phrase[0])
    return out


def _table(raw: Any, where: str, names: tuple[str, ...], add: Any, single: bool = False) -> dict[str, Any]:
    if not isinstance(raw, dict):
        add(where, f"expected a mapping of {', '.join(names)} to words")
        return {}
    out: dict[str, Any] = {}
    for name, items in raw.items():
        if name not in names:
            add(f"{where}.{name}", f"unknown name '{name}'{suggest(str(name), names)}")
            continue
        out[name] = (_word_list if single else _phrases)(items, f"{where}.{name}", add)
    return out


@lru_cache(maxsize=1)
def bundled_status_words() -> tuple[StatusWords, tuple[Problem, ...]]:
    """The bundled words, read once per process (the app reports the problems, if any)."""
    status_words, problems = load_status_words()
    return status_words, tuple(problems)
