"""Reading when an action is due, from the words people type, relative to the day they typed them.

Why our own small reader and not a general date library: the forms practitioners use are few
and British ("31/03", "31 March", "next Friday", "in two weeks", "end of the month"), and a
general parser guesses (it reads "31/02" as 2 or 3 March, or silently reads nothing at all).
A wrong guess about when something is due is worse than asking, so a phrase that looks like a
date but cannot be one ("31/02", "the 45th") is handed back as unreadable, for the caller to
say back and ask again, and every date that is read is shown back in words (:func:`say`).

Rules, so the reading can be explained: a day and month without a year is the next such day
from today (today included); "Friday" is the first Friday after today; "this Friday" is today
when today is a Friday; "next Friday" is the Friday of next week (weeks run Monday to Sunday);
"end of the week" is Friday; "next week" is the Friday of next week; "end of the month" is its
last day. A weekday or a bare ordinal ("the 3rd") counts only after a word such as "by", "on"
or "before" (so "the Friday group" and "his 15th birthday" are not dates), unless the whole
text is an answer to "when is it due?" (``reply=True``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable

MONTHS: dict[str, int] = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
MONTHS.update({name[:3]: n for name, n in list(MONTHS.items())})
MONTHS["sept"] = 9

WEEKDAYS: dict[str, int] = {d: i for i, d in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
WEEKDAYS.update({"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3,
                 "fri": 4, "sat": 5, "sun": 6})

NUMBERS: dict[str, int] = {w: i for i, w in enumerate(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"], 1)}
NUMBERS.update({"a": 1, "an": 1, "a couple of": 2, "couple of": 2})

FRIDAY = 4


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted((re.escape(w).replace(r"\ ", r"\s+") for w in words), key=len, reverse=True))


_MONTH = rf"(?:{_alternatives(MONTHS)})\.?"
_WEEKDAY = rf"(?:{_alternatives(WEEKDAYS)})"
_AMOUNT = rf"(?:\d{{1,3}}|{_alternatives(NUMBERS)})"
_LEAD = (r"(?P<lead>\b(?:due\s+(?:by|on|before)|due|by|before|on|for|until|till|no\s+later\s+than|deadline)"
         r"\s*:?\s+)?")
_APOSTROPHE = r"(?:['’]s?)?"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night|lunchtime))?\b"


@dataclass(frozen=True)
class DueDate:
    """A date phrase found in a line: what was written, where, and the day it means.

    ``date`` is None when the phrase looks like a date but is not one (it is asked again).
    ``start``/``end`` cover the phrase with its lead word ("by", "due"), so the action's text
    can be read without it.
    """

    written: str
    start: int
    end: int
    date: dt.date | None

    @property
    def readable(self) -> bool:
        return self.date is not None


class _NotHere(Exception):
    """The words match a pattern but are not a date in this place ("the Friday group")."""


Builder = Callable[[re.Match[str], dt.date, bool], "dt.date | None"]


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")


def say(date: dt.date) -> str:
    """A date in words, with its weekday, so a misreading is easy to see: 'Friday 11 December 2026'.

    Spelt out here rather than with strftime, whose names follow the machine's locale.
    """
    return f"{_DAY_NAMES[date.weekday()]} {date.day} {_MONTH_NAMES[date.month - 1]} {date.year}"


def find_due(line: str, today: dt.date, *, reply: bool = False) -> DueDate | None:
    """The first date phrase in `line` (the longest, when two start at the same place), or None.

    `reply` says the whole text answers "when is it due?", so a bare weekday or ordinal counts.
    """
    best: tuple[int, int, DueDate] | None = None
    for pattern, build in _MATCHERS:
        for match in pattern.finditer(line):
            try:
                date = build(match, today, reply)
            except _NotHere:
                continue
            core = match.start("core")
            found = DueDate(" ".join(line[core:match.end()].split()), match.start(), match.end(), date)
            key = (match.start(), -(match.end() - match.start()))
            if best is None or key < best[:2]:
                best = (*key, found)
            break  # the first match of each pattern is enough: later ones start later
    return best[2] if best else None


def without(line: str, due: DueDate) -> str:
    """The line with the date phrase (and its lead word) taken out: the action's own words."""
    before = line[:due.start].rstrip(" ,;:(-–—")
    after = line[due.end:].strip(" )")
    return " ".join(p for p in (before, after) if p).strip()


# --- building each kind of date ------------------------------------------------------------

def _year(raw: str) -> int:
    return int(raw) + (2000 if len(raw) <= 2 else 0)


def _day_month(day: int, month: int, year: str | None, today: dt.date) -> dt.date | None:
    """An exact date when the year is given; else the next such day from today (None: no such day)."""
    if year:
        try:
            return dt.date(_year(year), month, day)
        except ValueError:
            return None
    for offset in range(9):  # 29 February comes round within eight years
        try:
            date = dt.date(today.year + offset, month, day)
        except ValueError:
            continue
        if date >= today:
            return date
    return None


def _iso(m: re.Match[str], today: dt.date, reply: bool) -> dt.date | None:
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def _numeric(m: re.Match[str], today: dt.date, reply: bool) -> dt.date | None:
    day, month = int(m["d"]), int(m["m"])
    if not 1 <= month <= 12:
        return None
    return _day_month(day, month, m["y"], today)


def _named(m: re.Match[str], today: dt.date, reply: bool) -> dt.date | None:
    return _day_month(int(m["d"]), MONTHS[m["mon"].lower().rstrip(".")], m["y"], today)


def _ordinal(m: re.Match[str], today: dt.date, reply: bool) -> dt.date | None:
    if not (m["lead"] or reply):
        raise _NotHere
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    month, year = today.month, today.year
    for _ in range(13):  # the next month that has that day
        if day <= calendar.monthrange(year, month)[1] and dt.date(year, month, day) >= today:
            return dt.date(year, month, day)
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None


def _monday(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def _weekday(m: re.Match[str], today: dt.date, reply: bool) -> dt.date | None:
    which = (m["which"] or "").lower()
    if not (which or m["lead"] or reply):
        raise _NotHere
    day = WEEKDAYS[m["day"].lower()]
    if which == "next":
        return _monday(today) + dt.timedelta(days=7 + day)
    ahead = (day - today.weekday()) % 7
    if ahead == 0 and which != "this":
        ahead = 7
    return today + dt.timedelta(days=ahead)


def _relative_day(m: re.Match[str], today: dt.date, reply: bool) -> dt.date | None:
    word = " ".join(m["word"].lower().split())
    return today + dt.timedelta(days={"today": 0, "tonight": 0, "tomorrow": 1, "the day after tomorrow": 2,
                                      "day after tomorrow": 2}[word])


def _add_months(date: dt.date, months: int) -> dt.date:
    month0 = date.month - 1 + months
    year, month = date.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def _amount(raw: str) -> int:
    raw = " ".join(raw.lower().split())
    return int(raw) if raw.isdigit() else NUMBERS[raw]


def _within(m: re.Match[str], today: dt.date, reply: bool) -> dt.date | None:
    unit = m["unit"].lower()
    if m["n"] is None and not unit.startswith("fortnight"):
        raise _NotHere  # "in weeks" says no when
    n = _amount(m["n"] or "a")
    if unit.startswith("fortnight"):
        n, unit = 2 * n, "week"
    if unit.startswith("day"):
        return today + dt.timedelta(days=n)
    if unit.startswith("week"):
        return today + dt.timedelta(weeks=n)
    return _add_months(today, n)


def _friday_of_week(date: dt.date) -> dt.date:
    """Friday of the working week `date` is in; at a weekend, the coming Friday."""
    if date.weekday() > FRIDAY:
        return _monday(date) + dt.timedelta(days=7 + FRIDAY)
    return _monday(date) + dt.timedelta(days=FRIDAY)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _period(m: re.Match[str], today: dt.date, reply: bool) -> dt.date | None:
    """End of the week, month or year; this one or the next; or the end of a named month."""
    groups = m.groupdict()
    if groups.get("mon"):
        month = MONTHS[groups["mon"].lower().rstrip(".")]
        end = _month_end(today.year, month)
        return end if end >= today else _month_end(today.year + 1, month)
    unit, next_one = m["unit"].lower(), bool(groups.get("next"))
    if unit == "week":
        return _monday(today) + dt.timedelta(days=7 + FRIDAY) if next_one else _friday_of_week(today)
    if unit == "month":
        first = _add_months(today.replace(day=1), 1 if next_one else 0)
        return _month_end(first.year, first.month)
    return dt.date(today.year + (1 if next_one else 0), 12, 31)


def _compile(core: str) -> re.Pattern[str]:
    return re.compile(_LEAD + rf"(?P<core>{core})", re.IGNORECASE)


_MATCHERS: list[tuple[re.Pattern[str], Builder]] = [
    (_compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"), _iso),
    (_compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?\b(?!/)"), _numeric),
    (_compile(rf"\b(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH})(?![a-z])"
              rf"(?:,?\s+(?P<y>\d{{4}})\b)?"), _named),
    (_compile(rf"\b(?P<mon>{_MONTH})\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}})\b)?"),
     _named),
    (_compile(r"\b(?:the\s+)?(?P<d>\d{1,3})(?:st|nd|rd|th)\b"), _ordinal),
    (_compile(rf"\b(?:(?P<which>this|next|coming|this\s+coming)\s+)?(?P<day>{_WEEKDAY})\b{_PART_OF_DAY}"),
     _weekday),
    (_compile(r"\b(?P<word>(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow)\b"
              + _PART_OF_DAY), _relative_day),
    (_compile(rf"\b(?:in|within)\s+(?:(?P<n>{_AMOUNT})\s+)?(?P<unit>days?|weeks?|months?|fortnights?)\b"
              rf"(?:{_APOSTROPHE}\s+time\b)?"), _within),
    (_compile(rf"\b(?P<n>{_AMOUNT})\s+(?P<unit>days?|weeks?|months?)\b{_APOSTROPHE}\s+"
              r"(?:from\s+(?:now|today)|time)\b"), _within),
    (_compile(rf"\b(?:the\s+)?end\s+of\s+(?:(?:the|this)\s+)?(?:(?P<next>next)\s+)?"
              rf"(?:(?P<unit>week|month|year)|(?P<mon>{_MONTH})(?![a-z]))"), _period),
    (_compile(r"\b(?:(?P<next>next)|this)\s+(?P<unit>week|month)\b"), _period),
]
