"""Turning a case illustration pasted as plain text into a case YAML draft.

Trainers copy case illustrations out of web pages and documents. What arrives is headed
sections (case summary, inspector comments, important learning, take-aways) mixed with the
page's navigation ("Back to top", "Next chapter: ..."), a table of contents, an introduction
listing what inspectors expect at the stage, bullets of every kind, Windows line endings and
odd Unicode spaces and dashes. `parse` keeps what belongs to a case and reports, field by
field, what it could not find: a missing field becomes a `FILL IN: ...` placeholder, never an
invented value, so that `reflect case validate` says exactly what is left to do.

Pure and model-free: it imports nothing of the project outside `assistant.casebank`. Themes are
suggested elsewhere (by similarity, in `assistant.trainer`) and handed to `to_yaml`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from assistant.casebank import disposal, gender
from assistant.casebank.model import STAGE_LABELS, STAGES

PLACEHOLDER = "FILL IN"

# --- normalising ------------------------------------------------------------------------

_SPACES = dict.fromkeys(map(ord, "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                                 "\u200a\u202f\u205f\u3000\t\u000b\u000c"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_HYPHENS = dict.fromkeys(map(ord, "\u2010\u2011"), "-")  # hyphens that look like '-' and mean it


def normalise(text: str) -> str:
    """Line endings to \\n; Unicode spaces to spaces; invisible characters out; nothing else changed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.translate(_SPACES).translate(_INVISIBLE).translate(_HYPHENS)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _key(line: str) -> str:
    """A line reduced for matching headings: lower case, straight quotes, plain dashes, one space."""
    line = unicodedata.normalize("NFKC", line).lower()
    line = re.sub(r"[\u2018\u2019\u201b\u2032`´]", "'", line)
    line = re.sub(r"[\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b]", "-", line)
    return " ".join(line.split()).strip(" :.")


# --- classifying lines ------------------------------------------------------------------

NOISE = re.compile(
    r"^(?:back to top|top of page|contents?|on this page|skip to (?:main )?content|print(?: this page)?"
    r"|share(?: this page)?|back to .*|next chapter\b.*|previous chapter\b.*|next\b.*chapter.*|home( >.*)?"
    r"|this case (?:summary|illustration|example) is (?:intended )?for training.*"
    r"|.*includes? (?:a )?fictional names?)$")

HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    ("summary", re.compile(r"(?:the )?case summary|summary of the case|the case|case study|summary")),
    ("inspector_comments", re.compile(r"(?:the )?inspectors?(?:'s|s')?'? (?:comments?|view|commentary)"
                                      r"|inspection comments?|what (?:the )?inspectors? (?:said|found)")),
    ("learning", re.compile(r"(?:important|key|main) learning(?: points?)?|learning points?|what we learned")),
    ("questions", re.compile(r"take ?-? ?aways?(?: ?- ?applying the learning| learning| questions)?"
                             r"|applying the learning|(?:questions for|reflective) (?:reflection|questions)"
                             r"|questions to consider|questions")),
    ("further_reading", re.compile(r"see also|further reading|references|further information|useful links")),
]
INLINE_HEADING = re.compile(  # headings that may carry their text on the same line, after a colon
    r"case summary|inspectors?(?:'s|s')?'? comments?|important learning|key learning"
    r"|take ?-? ?aways?(?: ?- ?applying the learning| learning)?|see also|further reading")
SECTION_LABELS = {
    "summary": "'Case summary'",
    "inspector_comments": "'Inspector comments'",
    "learning": "'Important learning'",
    "questions": "take-away questions",
}

BULLET = re.compile(r"^\s*(?:[\u2022\u25e6\u25aa\u25ab\u25cf\u25cb\u25a0\u25a1\u2023\u2043\u2219\u00b7\u2027"
                    r"\u2013\u2014\u2212>*+-]|\(?\d{1,2}[.):]|\(?[a-hA-H][.)])\s+(?=\S)")
READING_LINE = re.compile(r"^(?:for (?:further|more) (?:information|reading|detail)|see also\b|further reading\b"
                          r"|you (?:may|might) also (?:find|want to read))", re.IGNORECASE)


def heading_of(line: str) -> tuple[str, str] | None:
    """(section, text after the heading on the same line) when the line is a section heading."""
    key = _key(line)
    if not key or len(key) > 60:
        return None
    for section, pattern in HEADINGS:
        if pattern.fullmatch(key):
            return section, ""
    if ":" in line:
        head, rest = line.split(":", 1)
        if INLINE_HEADING.fullmatch(_key(head)) and rest.strip():
            for section, pattern in HEADINGS:
                if pattern.fullmatch(_key(head)):
                    return section, rest.strip()
    return None


def is_noise(line: str) -> bool:
    return bool(NOISE.match(_key(line)))


def bullet_text(line: str) -> str | None:
    match = BULLET.match(line)
    return line[match.end():].strip() if match else None


# --- the draft --------------------------------------------------------------------------

@dataclass
class Draft:
    """What was found in the text; empty where nothing was found."""

    title: str = ""
    heading: str = ""  # the page heading when it names a chapter rather than the case
    stage: str = ""
    strand: str = ""
    name: str = ""
    age: int | None = None
    gender: str = ""
    disposal: str = ""
    offences: list[str] = field(default_factory=list)
    summary: str = ""
    inspector_comments: str = ""
    learning: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    further_reading: list[str] = field(default_factory=list)
    intro: str = ""  # the introduction before the first section, without its list
    expectations: list[str] = field(default_factory=list)  # the introduction's "We expect ..." list
    left_out: list[str] = field(default_factory=list)  # lines that fit no field
    title_line: int = 0  # the line the title (or the page heading) was read from
    gender_source: str = ""  # where the gender was read: see `assistant.casebank.gender`
    pronouns: str = ""  # pronouns the text states for the child, e.g. "they/them"
    dropped: list["Dropped"] = field(default_factory=list)  # every block of input that reached no field

    def sections(self) -> list[tuple[str, str]]:
        """The draft's case text, as the search layer embeds a case."""
        return [("summary", self.summary), ("inspector_comments", self.inspector_comments),
                ("learning", "\n".join(self.learning)), ("questions", "\n".join(self.questions))]

    def missing(self) -> list[tuple[str, str]]:
        """(field, what could not be found), in the order of the case file."""
        out: list[tuple[str, str]] = []
        if not self.title:
            out.append(("title", f"a title naming this case (the page heading was '{self.heading}')"
                        if self.heading else "a title"))
        if not self.stage:
            out.append(("stage", "the stage in the title or the introduction"))
        if not self.name:
            out.append(("child.name", "the child's name in the summary"))
        if self.age is None:
            out.append(("child.age", "the child's age in the summary"))
        if not self.disposal:
            out.append(("disposal", "the disposal in the summary (as in 'sentenced to a ... for ...')"))
        if not self.offences:
            out.append(("offences", "the offences in the summary (as in 'sentenced to a ... for ...')"))
        for key in ("summary", "inspector_comments", "learning", "questions"):
            if not getattr(self, key):
                out.append((key, f"the {SECTION_LABELS[key]} section"))
        return out


def parse(text: str) -> Draft:
    """Read a pasted case illustration into a draft; never raises for odd input.

    Every line that reaches no field is kept in `draft.dropped` with its line number, so that
    the import can say what it left out rather than lose it quietly.
    """
    reader = _Reader()
    for number, raw in enumerate(normalise(text).split("\n"), 1):
        reader.feed(number, raw)
    draft = Draft()
    blocks = reader.blocks
    _read_preamble(draft, reader.preamble)
    draft.summary = _prose(blocks.get("summary", []))
    draft.inspector_comments = _prose(blocks.get("inspector_comments", []))
    draft.learning = _items(blocks.get("learning", []), draft.left_out, prose_ok=True)
    _read_takeaways(draft, blocks.get("questions", []))
    for line in _items(blocks.get("further_reading", []), draft.left_out, prose_ok=True):
        draft.further_reading.append(line)
    _read_summary(draft)
    _read_stage(draft)
    draft.dropped = _dropped(draft, reader)
    return draft


@dataclass
class _Reader:
    """Sorts the lines of a page into sections, the preamble and the page's navigation, by number."""

    blocks: dict[str, list[str]] = field(default_factory=dict)
    numbers: dict[str, list[int]] = field(default_factory=dict)  # the line number of each block line
    preamble: list[tuple[int, str]] = field(default_factory=list)
    navigation: list[tuple[int, str]] = field(default_factory=list)  # noise, and a table of contents
    current: str | None = None
    headings: list[tuple[int, str]] = field(default_factory=list)  # headings in a row, nothing under them
    seen_content: bool = False

    def feed(self, number: int, raw: str) -> None:
        line = raw.strip()
        if not line:
            self._add(number, "")
            return
        if is_noise(line):
            self.navigation.append((number, line))
            return
        head = heading_of(line)
        if head:
            self._heading(number, line, *head)
            return
        if len(self.headings) >= 2 and not self.seen_content:
            self.navigation.extend(self.headings)  # those headings were a table of contents
            self.current = None  # and this is the introduction
        self.headings = []
        if self.current is not None:
            self.seen_content = True
        self._add(number, raw.rstrip() if self.current else line)

    def _heading(self, number: int, line: str, section: str, rest: str) -> None:
        self.headings.append((number, line))
        if section == "further_reading" and self.current == "questions":
            self._add(number, "See also:")  # reading lines, then perhaps more questions
            if rest:
                self._add(number, rest)
            return
        self.current = section
        if rest:
            self._add(number, rest)
            self.seen_content, self.headings = True, []

    def _add(self, number: int, text: str) -> None:
        if self.current is None:
            self.preamble.append((number, text))
            return
        self.blocks.setdefault(self.current, []).append(text)
        self.numbers.setdefault(self.current, []).append(number)


def _read_preamble(draft: Draft, preamble: list[tuple[int, str]]) -> None:
    """The title, and the introduction with its list of what inspectors expect."""
    first = next(((n, line) for n, line in preamble if line), None)
    if first and _could_be_title(first[1]):
        draft.title, draft.title_line = first[1], first[0]
    runs = _preamble_runs(preamble, draft.title_line)
    draft.expectations = _items([t for is_list, lines in runs if is_list for _, t in lines], [], prose_ok=True)
    draft.intro = " ".join(t for is_list, lines in runs if not is_list for _, t in lines)
    if draft.title and CHAPTER.fullmatch(_key(draft.title)):
        draft.heading, draft.title = draft.title, ""


def _could_be_title(line: str) -> bool:
    """A short line that is no sentence, no bullet and no introduction."""
    return (not bullet_text(line) and not re.match(r"(?i)this case (?:example|illustration|study)|we expect", line)
            and len(line) <= 120 and not line.endswith((".", ":")))


# --- what was left out -----------------------------------------------------------------

@dataclass(frozen=True)
class Dropped:
    """A block of the input that reached no field of the case, for a one-line note."""

    what: str  # "the introduction", "the 'We expect ...' list", "page navigation", ...
    lines: tuple[int, ...]  # its line numbers in the pasted text (after line endings are normalised)
    first: tuple[str, ...]  # the first words of the block (of each distinct line, for navigation)
    why: str = ""  # what it was used for, or why no field fits

    def note(self) -> str:
        """'left out the introduction at line 9: 'This case example …' (read only to find the stage)'."""
        quoted = ", ".join(f"'{_first_words(t)}'" for t in self.first)
        return f"left out {self.what} at {_span(self.lines)}: {quoted}" + (f" ({self.why})" if self.why else "")


def _first_words(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " \u2026"


def _span(numbers: tuple[int, ...]) -> str:
    """(1, 2, 3, 7) -> 'lines 1-3, 7'; (9,) -> 'line 9'."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs]
    return ("lines " if len(numbers) > 1 else "line ") + ", ".join(parts)


WE_EXPECT = re.compile(r"(?i)\bwe expect\b")


def _dropped(draft: Draft, reader: _Reader) -> list[Dropped]:
    """The preamble's introduction and lists, the lines no section could use, and the page's
    navigation, in the order they came."""
    out = _preamble_blocks(draft, reader.preamble)
    out += _left_out_lines(draft.left_out, reader)
    if reader.navigation:
        out.append(_navigation(reader.navigation))
    return sorted(out, key=lambda d: d.lines[0])


def _preamble_blocks(draft: Draft, preamble: list[tuple[int, str]]) -> list[Dropped]:
    """Runs of prose and runs of bullets before the first section, except the title."""
    out: list[Dropped] = []
    runs = _preamble_runs(preamble, draft.title_line)
    for i, (is_list, lines) in enumerate(runs):
        numbers = tuple(n for n, _ in lines)
        if not is_list:
            out.append(Dropped("the introduction", numbers, (lines[0][1],), "read only to find the stage and strand"))
            continue
        items = sum(bullet_text(text) is not None for _, text in lines)
        count = f"{items} item{'s' if items != 1 else ''}"
        if i and WE_EXPECT.search(runs[i - 1][1][-1][1]):
            out.append(Dropped(f"the 'We expect ...' list ({count})", numbers, (bullet_text(lines[0][1]) or "",),
                               "a case has no field for it: each stage's expectations are in framework.yaml"))
        else:
            out.append(Dropped(f"a list before the case summary ({count})", numbers,
                               (bullet_text(lines[0][1]) or "",), "it comes before any section"))
    return out


def _preamble_runs(preamble: list[tuple[int, str]], title_line: int) -> list[tuple[bool, list[tuple[int, str]]]]:
    """(is a list, its lines): a wrapped bullet's next line, in lower case and with no blank
    line between, stays in its list."""
    runs: list[tuple[bool, list[tuple[int, str]]]] = []
    last = -1
    for number, line in preamble:
        if not line or number == title_line:
            continue
        is_list = bullet_text(line) is not None or bool(
            runs and runs[-1][0] and number == last + 1 and line[0].islower())
        if runs and runs[-1][0] == is_list:
            runs[-1][1].append((number, line))
        else:
            runs.append((is_list, [(number, line)]))
        last = number
    return runs


def _left_out_lines(left_out: list[str], reader: _Reader) -> list[Dropped]:
    """Lines a section held but none of its fields could: each with the line it came from."""
    used: set[int] = set()
    out: list[Dropped] = []
    for text in left_out:
        number = next((n for section, lines in reader.blocks.items()
                       for n, raw in zip(reader.numbers[section], lines)
                       if raw.strip() == text and n not in used), 0)
        used.add(number)
        out.append(Dropped("a line that fits no field", (number,), (text,)))
    return out


def _navigation(lines: list[tuple[int, str]]) -> Dropped:
    """All the page's navigation and notices in one note: each is a line or two, and many."""
    lines = sorted(lines)
    distinct = tuple(dict.fromkeys(text for _, text in lines))
    return Dropped("page navigation and notices", tuple(n for n, _ in lines), distinct[:3],
                   f"and {len(distinct) - 3} more" if len(distinct) > 3 else "")


CHAPTER = re.compile(r"(?:assessing|assessment|planning|implementing|implementation|delivering|delivery"
                     r"|reviewing|review)(?: and (?:delivering|delivery))?(?: of services)?"
                     r"(?: for| to support| to keep)? (?:desistance|safety|the child safe|other people safe"
                     r"|(?:keeping )?(?:the child|other people|others) safe|risk of harm)")


def _prose(lines: list[str]) -> str:
    """Lines into paragraphs: a blank line or a finished sentence ends one; wrapped lines are joined."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(current)
                current = []
            continue
        item = bullet_text(line)
        if item is not None:
            line = f"- {item}"
        if current and (item is not None or _ends_sentence(current[-1]) and not line[0].islower()):
            paragraphs.append(current)
            current = []
        current.append(line)
    if current:
        paragraphs.append(current)
    return "\n\n".join(" ".join(p) for p in paragraphs).strip()


def _ends_sentence(line: str) -> bool:
    return bool(re.search(r"[.!?:;][\"'\u2019\u201d)\]]*$", line))


def _items(lines: list[str], left_out: list[str], *, prose_ok: bool) -> list[str]:
    """Bulleted or numbered items; wrapped continuation lines are joined to their item.

    Without any bullet, each paragraph (or each line that ends a sentence) is an item.
    """
    has_bullets = any(bullet_text(x.strip()) is not None for x in lines if x.strip())
    items: list[str] = []
    open_item = False
    for raw in lines:
        line = raw.strip()
        if not line:
            open_item = False if not has_bullets else open_item
            continue
        item = bullet_text(line)
        if item is not None:
            items.append(item)
            open_item = True
        elif has_bullets and open_item and items and (line[0].islower() or not _ends_sentence(items[-1])):
            items[-1] = f"{items[-1]} {line}"
        elif has_bullets and not prose_ok:
            left_out.append(line)
        elif items and not has_bullets and open_item and not _ends_sentence(items[-1]):
            items[-1] = f"{items[-1]} {line}"
        else:
            items.append(line)
            open_item = True
    return [" ".join(i.split()) for i in items if i.strip()]


def _read_takeaways(draft: Draft, lines: list[str]) -> None:
    """Questions (bulleted, numbered, or plain lines ending '?'); reading lines go to further_reading."""
    in_reading = False
    plain: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            plain.append("")
            continue
        if bullet_text(line) is not None:
            in_reading = False
            plain.append(line)
        elif READING_LINE.match(line):
            rest = re.sub(r"(?i)^(?:see also|further reading)\s*:?\s*", "", line).strip()
            if rest:
                draft.further_reading.append(rest)
            in_reading = True
        elif in_reading and draft.further_reading and not _ends_sentence(draft.further_reading[-1]):
            draft.further_reading[-1] = f"{draft.further_reading[-1]} {line}"  # a wrapped reference
        elif not in_reading and plain and plain[-1] and line[0].islower():
            plain.append(line)  # a wrapped question
        elif line.endswith("?"):
            in_reading = False
            plain.append(f"- {line}")
        elif in_reading or re.search(r"\(\d{4}\)|https?://|www\.", line):
            draft.further_reading.append(line)
        else:
            plain.append(line)
    draft.questions = _items(plain, draft.left_out, prose_ok=False)


# --- facts from the summary -------------------------------------------------------------

NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_NUM = r"(?:\d{1,2}|" + "|".join(NUMBERS) + r")"
_NAME = r"(?P<name>[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)"
AGE = re.compile(_NAME + r"(?:\s*\([^()]{1,20}\))?(?i:,| is| was| who is| who was)\s+(?i:now\s+)?(?i:an?\s+|aged\s+)?(?P<age>(?i:" + _NUM
                 + r"))(?i:[- ]years?[- ]old\b|\b(?=[,)]))")
AGE_ONLY = re.compile(r"\b(?:an?\s+|aged\s+)(?P<age>" + _NUM + r")[- ]years?[- ]old\b", re.IGNORECASE)
NAME_IS = re.compile(r"^(?P<name>[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?) (?:is|was|lives|lived|had|has)\b")
NOT_NAMES = {"the", "this", "she", "he", "they", "it", "there", "when", "after", "before", "as", "in", "on", "at",
             "his", "her", "their", "a", "an", "our", "case", "child"}
DISPOSAL = re.compile(
    r"\b(?:was |been |had been )?(?:sentenced to|made (?:the )?subject (?:to|of)|subject to|given|received"
    r"|made an?)\s+(?:an?\s+|the\s+)?(?P<disposal>[^.;]{3,160}?)\s+(?:for|after|following)\s+"
    r"(?:an? |the |his |her |their )?(?:(?:offences?|charges?|counts?) (?:of )?)?(?P<offences>[^.;]{3,200}?)"
    r"(?=\.(?:\s|$)|;|$)", re.IGNORECASE)
DISPOSAL_WORDS = re.compile(r"(?i)order|caution|disposal|outcome|sentence|discharge|licence|custody|detention|"
                            r"panel|triage|community resolution|diversion|supervision|fine|conditional")


def _read_summary(draft: Draft) -> None:
    """The child's name, age and gender, the disposal and the offences, from the summary."""
    text = draft.summary
    if not text:
        return
    sentence = _read_child(draft, text)
    reading = gender.read(draft.title, text, draft.name, sentence)
    draft.gender, draft.gender_source, draft.pronouns = reading.value, reading.source, reading.stated
    _read_disposal(draft, text)


def _read_child(draft: Draft, text: str) -> str:
    """Name and age from the opening sentences; returns the sentence that introduced the child."""
    head = " ".join(re.split(r"(?<=[.!?])\s+", text)[:3])
    for scope in (head, text):
        match = AGE.search(scope)
        if match and match.group("name").lower() not in NOT_NAMES:
            draft.name = match.group("name")
            draft.age = _number(match.group("age"))
            sentence = _sentence_at(scope, match.start())
            break
    else:
        sentence = ""
        match = AGE_ONLY.search(head)
        if match:
            draft.age = _number(match.group("age"))
            sentence = _sentence_at(head, match.start())
        name = NAME_IS.match(text.lstrip("- "))
        if name and name.group("name").lower() not in NOT_NAMES:
            draft.name = name.group("name")
    if draft.age is not None and not 5 <= draft.age <= 25:
        draft.age = None
    return sentence


@dataclass(frozen=True)
class _Found:
    """A disposal found in the summary: as the case file will hold it, and in its parts."""

    text: str
    offences: list[str]
    order: disposal.Disposal | None  # None when the words name no order `disposal` knows


def _read_disposal(draft: Draft, text: str) -> None:
    """The first sentence or release the summary names, in the bank's words (see `disposal`).

    'Sentenced to ... for ...' comes first; 'released halfway through a ... for ...' marks that
    order as served in part, or stands alone when nothing else names the order.
    """
    found = _sentenced(text)
    released = _released(text, found)
    found = released or found
    if found:
        draft.disposal, draft.offences = found.text, found.offences


def _sentenced(text: str) -> _Found | None:
    """The first 'sentenced to ... for ...' (or 'given', 'received', 'made subject to')."""
    for match in DISPOSAL.finditer(text):
        phrase = match.group("disposal").strip(" ,")
        if not DISPOSAL_WORDS.search(phrase) and disposal.parse(phrase) is None:
            continue
        offences = match.group("offences")
        term = re.match(r"(?i)(" + _NUM + r"[- ](?:months?|weeks?|years?|hours?))\s+(?:for|after|following)\s+"
                        r"(?:an? |the )?(?:offences? of )?(.+)", offences)
        if term:
            phrase, offences = f"{phrase} for {term.group(1)}", term.group(2)
        order = disposal.parse(phrase)
        return _Found(order.text() if order else phrase, _offences(offences), order)
    return None


def _released(text: str, sentenced: _Found | None) -> _Found | None:
    """A release halfway through an order: the same order as the sentence, or the only one named.

    The sentence keeps its length and offences; what a release was 'for' is read as the
    offences only when no sentence named them.
    """
    match = disposal.release(text)
    order = disposal.parse(match.group("disposal"), released=True) if match else None
    if order is None:
        return None
    if sentenced is None:
        return _Found(order.text(), _offences(match.group("offences")), order)
    if sentenced.order is not None and sentenced.order.kind != order.kind:
        return None  # another order (a sibling's, an earlier one): the sentence stands
    order = replace(order, length=order.length or (sentenced.order.length if sentenced.order else ""))
    return _Found(order.text(), sentenced.offences, order)


def _offences(text: str) -> list[str]:
    """The offences of a 'for ...' clause, up to where the sentence moves on to something else."""
    text = re.split(r",?\s+(?:after|when|while|because|following|which|having|but|and then|as"
                    r"|and (?:was|were|is|has|had|he|she|they)\b)\s", text)[0]
    return [disposal.offence(o) for o in _split_offences(text)]


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(". ", 0, pos) + 1, 0)
    end = text.find(". ", pos)
    return text[start:end if end >= 0 else len(text)]


def _number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return NUMBERS.get(word)


def _split_offences(text: str) -> list[str]:
    """'robbery and two counts of theft' -> ['robbery', 'two counts of theft'] (not inside brackets)."""
    text = re.sub(r"\s+", " ", text).strip(" ,")
    text = re.sub(r"(?i)^(?:an? )?(?:offences?|charges?) of ", "", text)
    parts: list[str] = []
    depth = 0
    current = ""
    tokens = re.split(r"(\(|\)|,\s*and\s+|,\s*|\s+and\s+|;\s*)", text)
    for token in tokens:
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(depth - 1, 0)
        if depth == 0 and re.fullmatch(r",\s*and\s+|,\s*|\s+and\s+|;\s*", token or ""):
            parts.append(current)
            current = ""
        else:
            current += token or ""
    parts.append(current)
    return [p.strip(" ,") for p in parts if p.strip(" ,")]


# --- the stage and strand ---------------------------------------------------------------

STAGE_WORDS: list[tuple[str, str]] = [
    ("implementation", r"implementation(?: and delivery)?|implementing|delivering|delivery of (?:services|interventions)"),
    ("assessment", r"assessment|assessing|assessed"),
    ("planning", r"planning|the plan\b"),
    ("review", r"review|reviewing|reviewed"),
]
STRAND_WORDS: list[tuple[str, str]] = [
    ("others-safety", r"keep(?:ing)? other people safe|risk of harm to others|others'? safety|safety of others"),
    ("safety", r"keep(?:ing)? the child safe|child'?s? (?:own )?safety|safety and wellbeing"),
    ("desistance", r"desistance"),
]


def _first_stage(text: str) -> str:
    best: tuple[int, str] | None = None
    for stage, pattern in STAGE_WORDS:
        match = re.search(rf"\b(?:{pattern})", text, re.IGNORECASE)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), stage)
    return best[1] if best else ""


def _read_stage(draft: Draft) -> None:
    """From the page heading or title first, then the introduction, then its list of expectations."""
    intro = draft.intro
    expect = re.search(r"(?i)we expect(?: to (?:find|see))?(?: that)?(?: the)? ([^:]*)", intro)
    for source in (draft.heading, draft.title, expect.group(1) if expect else "", intro, " ".join(draft.expectations)):
        stage = _first_stage(source or "")
        if stage:
            draft.stage = stage
            break
    for source in (draft.heading, draft.title, intro):
        for strand, pattern in STRAND_WORDS:
            if source and re.search(rf"\b(?:{pattern})", source, re.IGNORECASE):
                draft.strand = strand
                break
        if draft.strand:
            break


# --- writing YAML -----------------------------------------------------------------------

PLACEHOLDERS = {
    "title": "FILL IN: a one-line title saying what this case shows",
    "stage": "FILL IN: one of assessment, planning, implementation, review",
    "child.name": "FILL IN: a fictional first name",
    "child.age": "FILL IN: the child's age during the order, 10-18",
    "disposal": "FILL IN: the court outcome or out-of-court disposal, e.g. referral order",
    "offences": "FILL IN: the offence, e.g. robbery",
    "summary": "FILL IN: the case illustration, at least 80 words: what happened and what the practitioner did",
    "inspector_comments": "FILL IN: why this is (or is not) good practice",
    "learning": "FILL IN: an important learning point",
    "questions": "FILL IN: a take-away question for reflection",
    "themes": "FILL IN: 1-8 theme ids from themes.yaml, e.g. family",
}


def slug(text: str, max_words: int = 3) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", text) if w not in _STOP][:max_words]
    return "-".join(words)


_STOP = set("a an the of and or for to in on at with by from his her their its this that was is who how "
            "when where what while case child young".split())


def case_id(draft: Draft, topic: str) -> str:
    """`name-stage-topic`, with `fill-in-...` parts where the name, stage or topic is unknown."""
    name = slug(draft.name, 1) or "fill-in-name"
    stage = draft.stage or "fill-in-stage"
    topic = slug(topic, 2) or "fill-in-topic"
    return f"{name}-{stage}-{topic}"[:80].strip("-")


def to_yaml(draft: Draft, *, themes: list[str] | None = None, topic: str = "",
            themes_comment: str = "themes inferred by similarity: please review") -> str:
    """The case file: found values, placeholders for the rest, long text as block scalars.

    The result is checked by parsing it back; should any value not survive the block style,
    the whole document falls back to PyYAML's own quoting.
    """
    data = _data(draft, themes, topic)
    text = _emit(data, draft, themes_comment if themes else "")
    try:
        if yaml.safe_load(text) == data:
            return text
    except yaml.YAMLError:
        pass
    head = "".join(line + "\n" for line in text.splitlines() if line.startswith("#") and not line.startswith("  "))
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _data(draft: Draft, themes: list[str] | None, topic: str) -> dict[str, Any]:
    child: dict[str, Any] = {"name": draft.name or PLACEHOLDERS["child.name"],
                             "age": draft.age if draft.age is not None else PLACEHOLDERS["child.age"]}
    if draft.gender:
        child["gender"] = draft.gender
    data: dict[str, Any] = {
        "id": case_id(draft, topic),
        "title": draft.title or PLACEHOLDERS["title"],
        "stage": draft.stage or PLACEHOLDERS["stage"],
        "strand": draft.strand or "desistance",
        "themes": list(themes) if themes else [PLACEHOLDERS["themes"]],
        "child": child,
        "disposal": draft.disposal or PLACEHOLDERS["disposal"],
        "offences": draft.offences or [PLACEHOLDERS["offences"]],
        "summary": draft.summary or PLACEHOLDERS["summary"],
        "inspector_comments": draft.inspector_comments or PLACEHOLDERS["inspector_comments"],
        "learning": draft.learning or [PLACEHOLDERS["learning"]],
        "questions": draft.questions or [PLACEHOLDERS["questions"]],
    }
    if draft.further_reading:
        data["further_reading"] = list(draft.further_reading)
    data["fictional"] = True
    return data


def _scalar(value: Any) -> str:
    """One value on one line, quoted as YAML needs (double quotes for any text that needs them)."""
    if isinstance(value, (bool, int)):
        return yaml.safe_dump(value).split("\n", 1)[0]
    plain = yaml.safe_dump(value, allow_unicode=True, width=10**9).rstrip("\n")
    if plain.endswith("\n..."):
        plain = plain[:-4].rstrip("\n")
    if "\n" not in plain and plain == value and not value.startswith(("'", '"')):
        return plain
    return yaml.safe_dump(value, allow_unicode=True, width=10**9, default_style='"').rstrip("\n")


def _block(value: str) -> str:
    """Literal block scalar when the text can be one exactly; else a quoted scalar."""
    lines = value.split("\n")
    safe = (value == value.strip() and all(line == line.rstrip() and line.isprintable() for line in lines)
            and not lines[0].startswith(" "))
    if not safe:
        return _scalar(value)
    return "|-\n" + "\n".join(f"  {line}" if line else "" for line in lines)


def _list(values: list[str]) -> str:
    return "\n" + "\n".join(f"  - {_scalar(v)}" for v in values)


def _emit(data: dict[str, Any], draft: Draft, themes_comment: str) -> str:
    stage = data["stage"]
    out = [
        "# Imported with `reflect case import`. Read it through, replace every FILL IN, and run",
        "# `reflect case validate` on this file; the file name must equal the id (id.yaml).",
        f"id: {_scalar(data['id'])}",
        f"title: {_scalar(data['title'])}",
        f"stage: {_scalar(stage)}" + (f"   # {STAGE_LABELS[stage]}" if stage in STAGES else ""),
        f"strand: {_scalar(data['strand'])}"
        + ("" if draft.strand else "   # not named in the text: desistance, safety or others-safety"),
    ]
    if themes_comment:
        out.append(f"# {themes_comment}")
    out.append("themes: [" + ", ".join(_scalar(t) for t in data["themes"]) + "]")
    out.append("child:")
    for key, value in data["child"].items():
        out.append(f"  {key}: {_scalar(value)}")
    out.append(f"disposal: {_scalar(data['disposal'])}")
    out.append(f"offences:{_list(data['offences'])}")
    for key in ("summary", "inspector_comments"):
        out.append(f"{key}: {_block(data[key])}")
    for key in ("learning", "questions", "further_reading"):
        if key in data:
            out.append(f"{key}:{_list(data[key])}")
    out.append("# The bank holds fictional illustrations only: confirm every name in this case is made up.")
    out.append("fictional: true")
    return "\n".join(out) + "\n"
