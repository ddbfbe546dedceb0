"""Spot likely personal identifiers in a practitioner's reflection.

Reflections are written about real children.  Before an answer is stored the
app shows a non-blocking warning when the text seems to hold something that
could identify a child, and offers to swap those spans for placeholders.

Design choices:

* Standard library only, so the check runs offline and cannot fail to import.
* Precision matters as much as recall: a warning that fires on "Year 10" or
  "12 months" teaches people to ignore it.  Each detector therefore validates
  its matches (real postcode areas, UK number plans, the NHS check digit,
  real calendar dates) rather than trusting a loose pattern.
* Never raise: a detector that hits something unexpected is skipped, because
  failing to warn is better than losing the practitioner's answer.
* Offsets always refer to the text as given, even when it contains
  non-breaking spaces, en dashes, full-width digits or zero-width characters;
  those are normalised internally for matching only.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

__all__ = [
    "KINDS",
    "Finding",
    "find_identifiers",
    "redact",
    "describe",
    "nhs_number_is_valid",
    "case_ref_problem",
]

KINDS: tuple[str, ...] = (
    "date-of-birth",
    "postcode",
    "phone",
    "email",
    "nhs-number",
    "pnc-id",
    "name-with-place",
)

_LABELS: dict[str, str] = {
    "date-of-birth": "date of birth",
    "postcode": "postcode",
    "phone": "phone",
    "email": "email",
    "nhs-number": "NHS number",
    "pnc-id": "PNC ID",
    "name-with-place": "name with place",
}

# When two candidate spans are the same length, the earlier kind here wins. A kind ending
# in "?" is the low-confidence form of that kind.
_PRIORITY: dict[str, int] = {
    "email": 0,
    "pnc-id": 1,
    "phone": 2,
    "nhs-number": 3,
    "nhs-number?": 4,
    "postcode": 5,
    "postcode?": 6,
    "date-of-birth": 7,
    "name-with-place": 8,
}

# Tests may pin this so that "is this year recent?" does not drift over time.
_REFERENCE_YEAR: int | None = None


@dataclass(frozen=True)
class Finding:
    """One span of ``text`` that looks like an identifier."""

    kind: str
    start: int
    end: int
    text: str
    #: "high", or "low" for a near miss still worth a warning: an NHS-shaped number whose check
    #: digit is wrong (a mistyped NHS number is still one), a postcode district on its own.
    confidence: str = "high"

    @property
    def label(self) -> str:
        """Plain-English name shown to practitioners (e.g. "date of birth")."""
        return _LABELS.get(self.kind, self.kind.replace("-", " "))


# --------------------------------------------------------------------------
# Unicode normalisation (offset preserving)
# --------------------------------------------------------------------------

_NORM_CACHE: dict[str, str | None] = {}


def _norm_char(ch: str) -> str | None:
    """Map one non-ASCII char to a single ASCII-ish char, "" to drop, None to keep."""
    try:
        cat = unicodedata.category(ch)
    except (TypeError, ValueError):
        return None
    if cat == "Cf":  # zero-width space/joiners, BOM, soft hyphen, bidi marks
        return ""
    if cat == "Zs":
        return " "
    if cat in ("Zl", "Zp"):
        return "\n"
    if cat == "Pd" or ch in "\u2212\u2043":
        return "-"
    if ch in "\u2044\u2215\u29f8":
        return "/"
    if cat == "Nd":
        d = unicodedata.decimal(ch, None)
        return str(d) if d is not None else None
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded.isascii():
        return folded
    return None


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """Return (matching text, index map or None when offsets are unchanged).

    The map gives, for each char of the matching text, its index in the
    original, so spans can be reported against what the user actually typed.
    """
    if text.isascii():
        return text, None
    table: dict[int, str] = {}
    dropped: set[str] = set()
    for ch in set(text):
        if ch.isascii():
            continue
        if ch not in _NORM_CACHE:
            _NORM_CACHE[ch] = _norm_char(ch)
        rep = _NORM_CACHE[ch]
        if rep is None:
            continue
        if rep == "":
            dropped.add(ch)
        else:
            table[ord(ch)] = rep
    norm = text.translate(table) if table else text
    if not dropped:
        return norm, None
    keep = [i for i, ch in enumerate(norm) if ch not in dropped]
    return "".join(norm[i] for i in keep), keep


# --------------------------------------------------------------------------
# Detectors.  Each yields (kind, start, end) in normalised-text offsets.
# --------------------------------------------------------------------------

_Span = tuple[str, int, int]

# ---- email ----------------------------------------------------------------

# Anchored on "@" and expanded outwards, so a 100 KB run of letters without an
# "@" costs nothing and one with an "@" costs a single pass.
_EMAIL_LOCAL_RE = re.compile(r"[A-Za-z0-9._%+'-]{1,64}\Z")
_EMAIL_DOMAIN_RE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)


def _find_emails(t: str) -> Iterable[_Span]:
    at = t.find("@")
    last_end = 0
    while at != -1:
        m_dom = _EMAIL_DOMAIN_RE.match(t, at + 1)
        m_loc = _EMAIL_LOCAL_RE.search(t, max(last_end, at - 64), at) if m_dom else None
        if m_dom and m_loc:
            s = m_loc.start()
            while s < at and not t[s].isalnum():  # trim leading punctuation
                s += 1
            if s < at:
                yield "email", s, m_dom.end()
                last_end = m_dom.end()
        at = t.find("@", at + 1)


# ---- postcode --------------------------------------------------------------

# Every current UK postcode area.  Limiting to real areas stops "Q4 2nd" or
# "Y10 1st" looking like postcodes.
_POSTCODE_AREAS = frozenset(
    (
        "AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW "
        "DA DD DE DG DH DL DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR "
        "HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N "
        "NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN "
        "SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV "
        "YO ZE"
    ).split()
)
# Leading char class first (no lookbehind) so the regex engine can skip ahead.
_POSTCODE_RE = re.compile(
    r"(?P<area>[A-Za-z](?<![A-Za-z0-9][A-Za-z])[A-Za-z]?)[0-9][0-9A-Za-z]?[ ]{0,2}"
    r"(?P<inward>[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})(?![A-Za-z0-9])"
)
_ORDINAL_RE = re.compile(r"(?:1st|2nd|3rd|[04-9]th)")


# A postcode district alone ("moved to LS6", "the BD8 area") identifies far less, so it is
# flagged (with low confidence) only in capitals and beside words that say it is a place:
# "The M1 was closed" and "the A1 pathway" stay quiet.
_DISTRICT_RE = re.compile(r"(?<![\w/.-])(?P<area>[A-Z]{1,2})[0-9][0-9A-Z]?(?![\w/-]|\.[0-9])")
_DISTRICT_BEFORE_RE = re.compile(
    r"(?:\b(?:lives?|living|lived|moved|moving|move|based|resides?|address|postcode|post code|area"
    r"|estate|flat|house|home|staying|stays|placed|from|in|near|around)\b)(?:[ ]+(?:in|to|at|the|near|around|of|is))*[ ,:]+\Z",
    re.IGNORECASE,
)
_DISTRICT_AFTER_RE = re.compile(r"[ ]+(?:area|postcode|post code|district|estate)\b", re.IGNORECASE)


def _find_postcodes(t: str) -> Iterable[_Span]:
    for m in _POSTCODE_RE.finditer(t):
        if m.group("area").upper() not in _POSTCODE_AREAS:
            continue
        # "b1 2nd" is a set and a place in class, not a postcode.
        if _ORDINAL_RE.fullmatch(m.group("inward")):
            continue
        yield "postcode", m.start(), m.end()
    for m in _DISTRICT_RE.finditer(t):
        if m.group("area") not in _POSTCODE_AREAS:
            continue
        if _DISTRICT_AFTER_RE.match(t, m.end()) or _DISTRICT_BEFORE_RE.search(t, max(0, m.start() - 40), m.start()):
            yield "postcode?", m.start(), m.end()


# ---- phone -----------------------------------------------------------------

# A run of digit groups that starts like a UK number; validated in Python so
# that a stray "3" after the number does not spoil the match.
_PHONE_CAND_RE = re.compile(
    r"(?:\+ ?44|\(0|0(?<![0-9A-Za-z]0))[0-9()]*(?:(?:[ -]{1,2}|\.)\(?[0-9()]+){0,7}"
)
_PHONE_GROUP_RE = re.compile(r"\+ ?44|[0-9()]+")
_NON_DIGIT_RE = re.compile(r"[^0-9]+")
_BAD_BEFORE_NUMBER = frozenset("+/.,-_£$€#")


def _uk_national(digits: str) -> str | None:
    """Return the 0-prefixed national number, or None if not a UK phone."""
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44"):
        rest = digits[2:]
        if rest.startswith("0"):  # +44 (0)20 ...
            rest = rest[1:]
        digits = "0" + rest
    if not digits.startswith("0") or len(digits) < 10:
        return None
    second = digits[1]
    if second == "7":
        return digits if len(digits) == 11 and digits[2] != "0" else None
    if second == "1":
        return digits if len(digits) in (10, 11) else None
    if second in "23":
        return digits if len(digits) == 11 else None
    return None  # 08xx/09xx are services (helplines), not people


def _find_phones(t: str) -> Iterable[_Span]:
    n_t = len(t)
    for m in _PHONE_CAND_RE.finditer(t):
        base = m.start()
        cand = m.group()
        if len(cand) < 10 or len(_NON_DIGIT_RE.sub("", cand)) < 10:
            continue
        groups = []
        for g in _PHONE_GROUP_RE.finditer(cand):
            raw = g.group()
            digits = _NON_DIGIT_RE.sub("", raw)
            groups.append((base + g.start(), base + g.end(), raw, digits, raw.count("(") - raw.count(")")))
        n = len(groups)
        i = 0
        while i < n:
            s, _, raw, _, _ = groups[i]
            ok_start = raw.startswith("+") or raw.lstrip("(").startswith("0")
            prev = t[s - 1] if s > 0 else " "
            if not ok_start or prev.isalnum() or prev in _BAD_BEFORE_NUMBER:
                i += 1
                continue
            hit = None
            total = ""
            parens = 0
            for j in range(i, min(n, i + 7)):
                total += groups[j][3]
                parens += groups[j][4]
                if len(total) > 14:  # "0044 7700 900123"
                    break
                if len(total) >= 10 and parens == 0 and _uk_national(total):
                    hit = j
            if hit is None:
                i += 1
                continue
            e = groups[hit][1]
            if e < n_t and (t[e].isalnum() or t[e] == "/"):
                i += 1
                continue
            yield "phone", s, e
            i = hit + 1


# ---- NHS number -------------------------------------------------------------


def nhs_number_is_valid(number: str) -> bool:
    """Check an NHS number with its modulus-11 check digit.

    Ten digits (spaces/dashes ignored).  Weights 10..2 over the first nine
    digits; check = 11 - (sum mod 11), where 11 means 0 and 10 is never
    issued.  Repeated single digits (e.g. 0000000000) pass the arithmetic but
    are placeholders, so they are rejected.
    """
    try:
        digits = [int(c) for c in str(number) if c.isdigit()]
    except (TypeError, ValueError):
        return False
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == digits[9]


_NHS_RE = re.compile(
    r"[0-9](?<![\w/.,+-][0-9])[0-9]{2}(?P<s>[ -]?)[0-9]{3}(?P=s)[0-9]{4}(?![\w/]|[.,-][0-9])"
)


_NHS_WORD_RE = re.compile(r"\bNHS\b", re.IGNORECASE)


def _find_nhs(t: str) -> Iterable[_Span]:
    for m in _NHS_RE.finditer(t):
        if nhs_number_is_valid(m.group()):
            yield "nhs-number", m.start(), m.end()
            continue
        digits = [c for c in m.group() if c.isdigit()]
        if len(set(digits)) == 1:
            continue  # 0000000000: a placeholder
        # A mistyped NHS number is still one: grouped 3-3-4 as NHS numbers are written, or
        # called one just before, it is worth a (low-confidence) warning.
        if m.group("s") or _NHS_WORD_RE.search(t, max(0, m.start() - 30), m.start()):
            yield "nhs-number?", m.start(), m.end()


# ---- PNC / CRO --------------------------------------------------------------

_PNC_RE = re.compile(
    r"(?P<year>[0-9](?<![\w/][0-9])[0-9](?:[0-9]{2})?)/(?P<serial>[0-9]{1,7})"
    r"(?P<check>[A-Za-z])(?![\w/])"
)
_CRO_RE = re.compile(r"[0-9](?<![\w/][0-9])[0-9]{2,5}/[0-9]{2}[A-Z](?![\w/])")


def _find_pnc(t: str) -> Iterable[_Span]:
    if "/" not in t:
        return
    for m in _PNC_RE.finditer(t):
        year = m.group("year")
        if len(year) == 4 and year[:2] not in ("19", "20"):
            continue
        # Lower-case letter after a short number is usually "the 80/90s".
        if m.group("check").islower() and len(m.group("serial")) < 4:
            continue
        yield "pnc-id", m.start(), m.end()
    for m in _CRO_RE.finditer(t):
        yield "pnc-id", m.start(), m.end()


# ---- dates of birth ----------------------------------------------------------

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"

# Patterns start with a digit (lookbehinds come after it) so scanning prose
# is fast; month words are checked in Python against _MONTHS.
_DATE_NUM_RE = re.compile(
    r"(?P<a>[0-9](?<![\w/.:-][0-9])[0-9]?)(?P<sep>[/.-])(?P<b>[0-9]{1,2})(?P=sep)"
    r"(?P<y>[0-9]{4}|[0-9]{2})(?![\w/:]|[.-][0-9])"
)
_DATE_ISO_RE = re.compile(
    r"(?P<y>[12](?<![\w/.:-][12])[0-9]{3})(?P<sep>[/.-])(?P<b>[0-9]{1,2})(?P=sep)"
    r"(?P<a>[0-9]{1,2})(?![\w/:]|[.-][0-9])"
)
_DATE_DMY_RE = re.compile(
    r"(?P<d>[0-9](?<![\w][0-9])[0-9]?)" + _ORD + r"(?:[ ]+of)?[ ,-]+(?P<m>[A-Za-z]{3,9})"
    r"\.?(?:[ ,-]+|,[ ]*)(?P<y>(?:19|20)[0-9]{2}|['\u2019][0-9]{2})(?![\w])"
)
# "March 12, 2009": find "12, 2009" then look back for the month word.
_DATE_DY_RE = re.compile(
    r"(?P<d>[0-9](?<![\w][0-9])[0-9]?)" + _ORD + r",?[ ]+(?P<y>(?:19|20)[0-9]{2})(?![\w])"
)
_MONTH_BEFORE_RE = re.compile(r"(?<![A-Za-z])(?P<m>[A-Za-z]{3,9})\.?[ ]+\Z")
# Day and month only: identifying only when the text says it is a birthday.
_DATE_DM_RE = re.compile(
    r"(?<![\w/.])(?:(?P<d>[0-9]{1,2})" + _ORD + r"(?:[ ]+of)?[ ]+(?P<m>" + _MONTH_ALT
    + r")|(?P<m2>" + _MONTH_ALT + r")[ ]+(?P<d2>[0-9]{1,2})" + _ORD
    + r"|(?P<d3>[0-9]{1,2})/(?P<m3>[0-9]{1,2}))(?![\w/])",
    re.IGNORECASE,
)


def _anycase(word: str) -> str:
    """"dob" -> "[dD][oO][bB]": like IGNORECASE but keeps the fast first-char scan."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


_DOB_KEY_RE = re.compile(
    "|".join(
        _anycase(w)
        for w in ("born", "dob", "d.[ ]?o.[ ]?b", "date[ ]+of[ ]+birth", "birth[ ]?date",
                  "birthday", "b[ -]?day")
    ).replace(".", r"\.")
)
# Words that say a date is an event (a hearing, an appointment), not a birth.
_EVENT_KEY_RE = re.compile(
    r"(?<![a-z])(?:court|hearing|appointment|appt|panel|meeting|review|sentenced"
    r"|sentencing|trial|remand(?:ed)?|bail|arrest(?:ed)?|offence|incident|session"
    r"|visit|referral|adjourned|listed|deadline|expires?|ends?|started|starts"
    r"|until|from|since)(?![a-z])",
    re.IGNORECASE,
)
# What happened in a family's history, on a date that is therefore not a birth: "his dad
# went to prison on 12 May 2016", "mum and dad split up on 3/4/2014", "she died in ...".
_HISTORY_KEY_RE = re.compile(
    r"(?<![a-z])(?:prison|jail|gaol|custody|convicted|charged|released|deported|died|death|passed"
    r"|funeral|killed|murdered|left|moved|split|separated|divorced?|married|wedding|evicted"
    r"|excluded|expelled|diagnosed|happened|went|came|stopped|lost|fire|crash|accident"
    r"|attack(?:ed)?|assault(?:ed)?|stabbed|burgled|raided|overdosed?|hospital(?:ised)?"
    r"|admitted|placed|removed|taken|care|broke|walked|kicked|ran|ago)(?![a-z])",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"[.!?;\n]\s")


def _history_event(t: str, s: int, e: int) -> bool:
    """A word about something that happened sits in the same sentence, just before or after."""
    before = t[max(0, s - 60):s]
    cut = list(_SENTENCE_END_RE.finditer(before))
    if cut:
        before = before[cut[-1].end():]
    after = t[e:e + 40]
    stop = _SENTENCE_END_RE.search(after + " ")
    if stop:
        after = after[:stop.start()]
    return bool(_HISTORY_KEY_RE.search(before) or _HISTORY_KEY_RE.search(after))
_ANY_DIGIT_RE = re.compile(r"[0-9]")


def _reference_year() -> int:
    return _REFERENCE_YEAR if _REFERENCE_YEAR is not None else _dt.date.today().year


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        _dt.date(y, m, d)
    except (ValueError, OverflowError):
        return False
    return True


def _full_year(raw: str) -> int:
    raw = raw.lstrip("'\u2019")
    y = int(raw)
    if len(raw) == 2:
        century_cut = _reference_year() % 100
        y += 2000 if y <= century_cut else 1900
    return y


def _dob_keywords(t: str) -> list[tuple[int, int]]:
    out = []
    for m in _DOB_KEY_RE.finditer(t):
        s, e = m.start(), m.end()
        if (s > 0 and t[s - 1].isalpha()) or (e < len(t) and t[e].isalpha()):
            continue  # "stubborn", "adobe"
        out.append((s, e))
    return out


def _near(keys: list[tuple[int, int]], s: int, e: int) -> bool:
    """A DOB keyword ends within 40 chars before, or starts within 20 after."""
    return any(s - 40 <= ke <= s or e <= ks <= e + 20 for ks, ke in keys)


def _find_dates(t: str) -> Iterable[_Span]:
    if not _ANY_DIGIT_RE.search(t):
        return
    ref = _reference_year()
    keys = _dob_keywords(t)
    full: list[tuple[int, int, int]] = []  # (start, end, year)

    for rx in (_DATE_NUM_RE, _DATE_ISO_RE):
        for m in rx.finditer(t):
            y = _full_year(m.group("y"))
            if not 1900 <= y <= 2099:
                continue
            a, b = int(m.group("a")), int(m.group("b"))
            # UK order first (day/month); accept month/day if only that is real.
            if _valid_date(y, b, a) or _valid_date(y, a, b):
                full.append((m.start(), m.end(), y))
    for m in _DATE_DMY_RE.finditer(t):
        mo = _MONTHS.get(m.group("m").lower())
        y = _full_year(m.group("y"))
        if mo and _valid_date(y, mo, int(m.group("d"))):
            full.append((m.start(), m.end(), y))
    for m in _DATE_DY_RE.finditer(t):
        before = _MONTH_BEFORE_RE.search(t, max(0, m.start() - 12), m.start())
        if not before:
            continue
        mo = _MONTHS.get(before.group("m").lower())
        y = int(m.group("y"))
        if mo and _valid_date(y, mo, int(m.group("d"))):
            full.append((before.start(), m.end(), y))

    taken: list[tuple[int, int]] = []
    for s, e, y in full:
        taken.append((s, e))
        if keys and _near(keys, s, e):
            yield "date-of-birth", s, e
            continue
        # A full date is a possible DOB unless it is recent or future (so
        # cannot be a child's birth) or is plainly an event ("court on ...").
        if not (ref - 110 <= y <= ref - 5):
            continue
        if _EVENT_KEY_RE.search(t, max(0, s - 30), s) or _history_event(t, s, e):
            continue
        yield "date-of-birth", s, e

    # Day and month without a year, only right next to a DOB keyword.
    for ks, ke in keys:
        for m in _DATE_DM_RE.finditer(t, max(0, ks - 40), min(len(t), ke + 40)):
            s, e = m.start(), m.end()
            if any(s < te and ts < e for ts, te in taken) or not _near([(ks, ke)], s, e):
                continue
            if m.group("m") or m.group("m2"):
                mo = _MONTHS[(m.group("m") or m.group("m2")).lower()]
                d = int(m.group("d") or m.group("d2"))
            else:
                d, mo = int(m.group("d3")), int(m.group("m3"))
            if _valid_date(2000, mo, d):  # leap year so 29 Feb is allowed
                taken.append((s, e))
                yield "date-of-birth", s, e


# ---- full name beside a school or street --------------------------------------

_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LO = "a-z\u00df-\u00f6\u00f8-\u00ff"
_TOKEN = (
    rf"(?:Mc|Mac|O['\u2019]|D['\u2019])?[{_UP}][{_LO}]+(?:-[{_UP}][{_LO}]+)?"
)
_NAME_TOKEN_RE = re.compile(rf"(?<![\w'\u2019-]){_TOKEN}(?:['\u2019]s)?(?![\w'\u2019-])")
_NAME_RUN_RE = re.compile(
    rf"(?<![\w'\u2019-]){_TOKEN}(?:['\u2019]s)?(?:[ ]+{_TOKEN}(?:['\u2019]s)?)*(?![\w-])"
)

_PLACE_SUFFIXES = (
    "School", "Academy", "College", "Road", "Street", "Avenue", "Lane", "Close",
    "Drive", "Way", "Crescent", "Primary", "High", "Rd", "Ave", "Gardens",
    "Grove", "Terrace",
)
_SUFFIX_RE = re.compile(r"\b(?:" + "|".join(_PLACE_SUFFIXES) + r")\b")
_PLACE_RE = re.compile(
    r"(?<![\w'\u2019-])(?P<num>[0-9]{1,4}[A-Za-z]?,?[ ]+)?"
    r"(?P<words>(?:(?:St\.?|[A-Z][\w'\u2019.-]*)[ ]+){1,3})"
    r"(?P<suffix>" + "|".join(_PLACE_SUFFIXES) + r")(?![\w-])"
)
# Capitalised words that are not people's names in this setting: sentence
# starters, titles, relatives, services, calendar words.  A name is only
# flagged when two or more *other* capitalised words sit side by side.
_FUNCTION_WORDS = frozenset(
    """
    A About After Afterwards Again Also Although An And Another Any Are As At
    Because Before Being Both But By Can Could Despite During Each Earlier Even
    Eventually Every Finally For From Given Had Has Have He Her Here Hers Him His
    How However I If In Initially Instead Into Is It Its Just Last Later Let Many
    Me Meanwhile More Most Much My Next No Not Now Of Often On Once One Only Or
    Our Over Perhaps Previously Recently She So Some Sometimes Still Such That
    The Their Them Then There These They This Those Though Through To Today
    Tomorrow Too Under Until Upon Us Was We Were What When Where Whether Which
    While Who Why With Within Without Would Yesterday Yet You Your
    Currently Overall Personally Unfortunately Thankfully Hopefully Generally
    Near Off Outside Inside Opposite Behind Beside Along Past Towards Around
    """.split()
)
_NOT_NAMES = _FUNCTION_WORDS | frozenset(
    """
    Mr Mrs Ms Miss Mx Dr Prof Sir Madam Sr Jr Mum Mom Mummy Dad Daddy Nan Nana
    Nanna Nan's Gran Grandma Grandad Granddad Grandmother Grandfather Aunt
    Auntie Uncle Brother Sister Cousin Stepdad Stepmum Carer Carers Foster
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Wed Thu Fri
    Sat Sun January February March April June July August September October
    November December Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Christmas
    Easter Half Term Year Years Week Weekend Month Morning Afternoon Evening
    Night Session Sessions Court Courts Youth Justice Service Services Team
    Officer Worker Workers Practitioner Police Social Care Council County City
    Borough Local Authority Magistrates Magistrate Crown Probation Health
    Education Centre Center Head Headteacher Teacher Deputy Senior Manager
    Panel Referral Order Orders Plan Review Assessment Supervision Intervention
    Community Resolution Caution Custody Secure Unit Home Hospital Department
    English Maths Science History Geography Art Music Drama Sport Sports PE
    Form Tutor Pastoral Lead Learning Mentor Support Family Families Early Help
    Hall House Park Green North South East West Upper Lower New Old Great
    Little Central Primary Secondary High Grammar Special Free Sixth Infant
    Junior Nursery Independent Catholic Church Pupil Alternative Provision
    Academy School College Road Street Avenue Lane Close Drive Way Crescent
    Rd Ave Gardens Grove Terrace St Saint Met Spoke Saw Visited Called Rang
    Asked Told Discussed Went Attended Arrived Said Explained Reflecting
    Reflected Felt Thought Noticed Agreed Planning Checked Emailed Phoned
    Collected Dropped Drove Walked Picked Texted Messaged Worked Talked
    Caught Moved Left Joined Started Finished Returned Transferred Excluded
    Please Thanks Thank Yes Okay Ok Good Great Well Note Notes Action Actions
    Update Updates Outcome Summary Background Concerns Concern Risk Safety
    Wellbeing Strengths Goals Next Steps Contact Address Tel Email Phone
    England Wales Britain British English Welsh Scottish Irish UK London
    Birmingham Manchester Leeds Liverpool Bristol Cardiff Swansea Newport
    Sheffield Bradford Nottingham Leicester Coventry Newcastle Sunderland
    Muslim Islamic Jewish Sikh Hindu God Jesus Allah
    """.split()
)
_GENERIC_PLACE_WORDS = frozenset(
    """
    The A An His Her Their Our My Your This That Local New Old Primary Secondary
    High Grammar Special Free Sixth Form Community Infant Junior Nursery
    Independent Catholic Church Pupil Referral Alternative Provision Main Back
    Front Private Public State Boarding Mainstream Village Town City Same Other
    Previous Current Next Last Main Big Small
    """.split()
)
_PLACE_WORD_RE = re.compile(r"[^ ]+")
_GAP_WORD_RE = re.compile(r"[^\W_]+")
_GAP_BREAK_RE = re.compile(r"[.!?;\n]\s")


def _places(t: str) -> list[tuple[int, int]]:
    """Spans like "Oakfield Academy" or "14 Elm Road" (at least one proper word).

    Anchored on the suffix word so that ordinary prose is scanned only once.
    """
    out: list[tuple[int, int]] = []
    for suf in _SUFFIX_RE.finditer(t):
        m = None
        for cand in _PLACE_RE.finditer(t, max(0, suf.start() - 70), suf.end()):
            if cand.end() == suf.end():
                m = cand
                break
        if m is None:
            continue
        start = m.start()
        if not m.group("num"):
            # "At Oakfield Academy": the sentence starter is not the place.
            for w in _PLACE_WORD_RE.finditer(t, m.start("words"), m.end("words")):
                if w.group().rstrip(".") not in _FUNCTION_WORDS:
                    start = w.start()
                    break
            else:
                continue
            words = [w.rstrip(".") for w in t[start:m.start("suffix")].split()]
            if not words or all(w in _GENERIC_PLACE_WORDS for w in words):
                continue
        if out and start < out[-1][1]:
            continue
        out.append((start, m.end()))
    return out


def _name_segments(t: str, lo: int, hi: int) -> Iterable[tuple[int, int]]:
    """Runs of 2-3 capitalised name-like words between lo and hi."""
    for run in _NAME_RUN_RE.finditer(t, lo, hi):
        seg: list[tuple[int, int]] = []
        for tok in _NAME_TOKEN_RE.finditer(t, run.start(), run.end()):
            word = tok.group()
            bare = word[:-2] if word.endswith(("'s", "\u2019s")) else word
            if bare in _NOT_NAMES or word in _NOT_NAMES:
                if 2 <= len(seg) <= 3:
                    yield seg[0][0], seg[-1][1]
                seg = []
                continue
            seg.append((tok.start(), tok.end()))
            # A possessive ends a name: "Jordan Smith's school".
            if word != bare:
                if 2 <= len(seg) <= 3:
                    yield seg[0][0], seg[-1][1]
                seg = []
        if 2 <= len(seg) <= 3:
            yield seg[0][0], seg[-1][1]


def _close_enough(gap: str) -> bool:
    if len(gap) > 50 or _GAP_BREAK_RE.search(gap + " "):
        return False
    return len(_GAP_WORD_RE.findall(gap)) <= 6


def _find_name_with_place(t: str) -> Iterable[_Span]:
    places = _places(t)
    if not places:
        return
    starts = [ps for ps, _ in places]
    # Only look for names near a place: merge the windows around each place.
    windows: list[list[int]] = []
    for ps, pe in places:
        lo, hi = max(0, ps - 80), min(len(t), pe + 80)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
    segments = (seg for lo, hi in windows for seg in _name_segments(t, lo, hi))
    for ns, ne in segments:
        k = bisect.bisect_left(starts, ne)  # places[k:] start after the name
        if k > 0 and places[k - 1][1] > ns:
            continue  # the "name" is part of a place ("Oakfield Academy")
        if k < len(places) and _close_enough(t[ne:places[k][0]]):
            yield "name-with-place", ns, places[k][1]
        elif k > 0 and _close_enough(t[places[k - 1][1]:ns]):
            yield "name-with-place", places[k - 1][0], ne


_DETECTORS: tuple[Callable[[str], Iterable[_Span]], ...] = (
    _find_emails,
    _find_pnc,
    _find_phones,
    _find_nhs,
    _find_postcodes,
    _find_dates,
    _find_name_with_place,
)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def find_identifiers(text: str) -> list[Finding]:
    """Find likely identifiers, sorted by start and never overlapping.

    Where candidates overlap the longest span wins (then the more specific
    kind), so "Tia Brown, 14 Elm Road" is one finding, not two.  Returns an
    empty list rather than raising on anything unexpected.
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        norm, index = _normalise(text)
    except Exception:  # pragma: no cover - defensive
        norm, index = text, None

    spans: list[_Span] = []
    for detector in _DETECTORS:
        try:
            spans.extend(detector(norm))
        except Exception:  # pragma: no cover - a broken detector must not block
            continue

    spans.sort(key=lambda s: (-(s[2] - s[1]), _PRIORITY.get(s[0], 99), s[1]))
    chosen: list[_Span] = []
    for span in spans:
        _, s, e = span
        if e <= s:
            continue
        if any(s < ce and cs < e for _, cs, ce in chosen):
            continue
        chosen.append(span)
    chosen.sort(key=lambda s: s[1])

    out: list[Finding] = []
    for kind, s, e in chosen:
        if index is not None:
            s, e = index[s], index[e - 1] + 1
        confidence = "low" if kind.endswith("?") else "high"
        out.append(Finding(kind=kind.rstrip("?"), start=s, end=e, text=text[s:e], confidence=confidence))
    return out


def redact(text: str, findings: Sequence[Finding] | None = None) -> str:
    """Replace each finding with a placeholder such as "[postcode]".

    Everything outside the findings is left exactly as typed.  Findings that
    no longer match the text (stale offsets) or overlap an earlier one are
    skipped rather than corrupting the answer.
    """
    if not isinstance(text, str):
        return text
    try:
        if findings is None:
            findings = find_identifiers(text)
        usable: list[Finding] = []
        last_end = -1
        for f in sorted(findings, key=lambda f: (f.start, -f.end)):
            if not (0 <= f.start < f.end <= len(text)):
                continue
            if text[f.start:f.end] != f.text or f.start < last_end:
                continue
            usable.append(f)
            last_end = f.end
        parts: list[str] = []
        pos = 0
        for f in usable:
            parts.append(text[pos:f.start])
            parts.append(f"[{f.label}]")
            pos = f.end
        parts.append(text[pos:])
        return "".join(parts)
    except Exception:  # pragma: no cover - defensive
        return text


_DISPLAY_WS_RE = re.compile(r"\s+")


def _display(s: str, limit: int = 40) -> str:
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")
    s = _DISPLAY_WS_RE.sub(" ", s).strip()
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def describe(findings: Sequence[Finding]) -> str:
    """One line for the warning banner; "" when there is nothing to warn about.

    e.g. "Possible identifiers: postcode 'SW1A 1AA', phone '07700 900123'".
    """
    try:
        items = [f"{f.label}{' (perhaps)' if f.confidence == 'low' else ''} '{_display(f.text)}'"
                 for f in findings or ()]
    except Exception:  # pragma: no cover - defensive
        return ""
    if not items:
        return ""
    return "Possible identifiers: " + ", ".join(items)


# --------------------------------------------------------------------------
# Case references
# --------------------------------------------------------------------------

#: A case reference names a child in a log that may be filed or shared: short, and never a name.
MAX_CASE_REF_CHARS = 40
_REF_SPLIT_RE = re.compile(r"[\s.,;:/_()]+")
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_LONG_NUMBER_RE = re.compile(r"[0-9]{6,}")
# Words that describe a child without naming them ("Child K", "YP 3", "Boy A").
_LABEL_WORDS = frozenset({
    "child", "boy", "girl", "young", "person", "yp", "case", "client", "baby", "sibling", "brother",
    "sister", "twin", "the", "and", "of", "no", "number", "ref", "reference",
})
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "master"})


def _name_words(tokens: Sequence[str]) -> list[int]:
    """Positions of tokens that read as a name: letters, and more than a run of initials."""
    out = []
    for i, tok in enumerate(tokens):
        if not _NAME_WORD_RE.fullmatch(tok) or len(tok) < 2 or tok.lower() in _LABEL_WORDS | _TITLES:
            continue
        if any(ch.islower() for ch in tok) or len(tok) >= 3:  # "JS", "J.S." are initials
            out.append(i)
    return out


def _initial(tok: str) -> bool:
    return (len(tok) == 1 and tok.isalpha()) or tok.lower() in _TITLES


def case_ref_problem(ref: str) -> str:
    """Why `ref` should not be used to name a child in a log ("" when it may be used).

    A reference is a pseudonym ("Jay"), initials ("JS", "J.S."), or a label ("Child K", "K-17").
    Refused, each with its reason: two or more name-like words ("Jordan Smith"), an initial or
    a title before a surname ("J Smith", "Mr Smith"), anything the identifier check finds (a
    postcode, a phone number, a date, ...), a long number (a system or police reference), and
    anything longer than a short label. Erring this way costs a retyped reference; erring the
    other way puts a child's name in a file that travels.
    """
    if not isinstance(ref, str):
        return ""
    text = " ".join(ref.split())
    if not text:
        return ""
    shown = _display(text)
    if len(text) > MAX_CASE_REF_CHARS:
        return f"'{shown}' is too long for a reference ({len(text)} characters, at most {MAX_CASE_REF_CHARS}): use initials or a pseudonym"
    found = find_identifiers(text) + _dates_in(text)
    if found:
        what = _REF_NOUNS.get(found[0].kind, found[0].label)
        return f"'{shown}' looks like {what}: use initials or a pseudonym, never an identifier"
    if _LONG_NUMBER_RE.search(text):
        return f"'{shown}' holds a long number, which could be a system or police reference: use initials or a pseudonym"
    tokens = [t for t in _REF_SPLIT_RE.split(text) if t]
    names = _name_words(tokens)
    if len(names) >= 2 or (len(names) == 1 and names[0] > 0 and _initial(tokens[names[0] - 1])):
        initials = "".join(t[0].upper() for t in tokens if t[:1].isalpha() and t.lower() not in _TITLES)
        return f"'{shown}' looks like a full name: use initials ({initials}) or a pseudonym"
    return ""


def _dates_in(text: str) -> list[Finding]:
    """Whole dates in a reference: with no other context, most likely a date of birth."""
    lead = "born "
    return [Finding(f.kind, f.start - len(lead), f.end - len(lead), f.text, f.confidence)
            for f in find_identifiers(lead + text) if f.kind == "date-of-birth" and f.start >= len(lead)]


_REF_NOUNS = {
    "date-of-birth": "a date of birth", "postcode": "a postcode", "phone": "a phone number",
    "email": "an email address", "nhs-number": "an NHS number", "pnc-id": "a police (PNC) reference",
    "name-with-place": "a name beside a place",
}
