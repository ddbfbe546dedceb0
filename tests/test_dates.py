"""Reading due dates: absolute and relative forms, and the ones that must be asked again."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.reflection.dates import find_due, say, without

MONDAY = dt.date(2026, 12, 7)  # Monday 7 December 2026
SATURDAY = dt.date(2026, 12, 12)
D = dt.date


@pytest.mark.parametrize("line, written, due, rest", [
    # absolute
    ("Ring school by 31/03", "31/03", D(2027, 3, 31), "Ring school"),
    ("Ring school by 31/03/2027", "31/03/2027", D(2027, 3, 31), "Ring school"),
    ("Ring school by 5/1/27", "5/1/27", D(2027, 1, 5), "Ring school"),
    ("Visit the college 31 March", "31 March", D(2027, 3, 31), "Visit the college"),
    ("Panel on 3rd of March 2027", "3rd of March 2027", D(2027, 3, 3), "Panel"),
    ("Panel on March 3rd", "March 3rd", D(2027, 3, 3), "Panel"),
    ("Ask CAMHS (due 2027-03-31)", "2027-03-31", D(2027, 3, 31), "Ask CAMHS"),
    ("Read the chapter by 8/12", "8/12", D(2026, 12, 8), "Read the chapter"),
    ("Review by 7/12", "7/12", D(2026, 12, 7), "Review"),  # today counts
    ("Review by 6/12", "6/12", D(2027, 12, 6), "Review"),  # yesterday's date: next year
    ("Check in on 29/02", "29/02", D(2028, 2, 29), "Check in"),
    ("Book the room for the 3rd", "the 3rd", D(2027, 1, 3), "Book the room"),
    # relative
    ("Ring his mum today", "today", MONDAY, "Ring his mum"),
    ("Ring his mum tomorrow", "tomorrow", D(2026, 12, 8), "Ring his mum"),
    ("Send the letter by Friday", "Friday", D(2026, 12, 11), "Send the letter"),
    ("Send the letter by next Friday", "next Friday", D(2026, 12, 18), "Send the letter"),
    ("Send the letter next Friday", "next Friday", D(2026, 12, 18), "Send the letter"),
    ("Meet on Monday morning", "Monday morning", D(2026, 12, 14), "Meet"),
    ("Meet this Monday", "this Monday", MONDAY, "Meet"),
    ("Review the plan in two weeks", "in two weeks", D(2026, 12, 21), "Review the plan"),
    ("Review the plan in 3 days", "in 3 days", D(2026, 12, 10), "Review the plan"),
    ("Review the plan in a fortnight", "in a fortnight", D(2026, 12, 21), "Review the plan"),
    ("Review it in a week's time", "in a week's time", D(2026, 12, 14), "Review it"),
    ("Chase the referral by the end of the month", "the end of the month", D(2026, 12, 31), "Chase the referral"),
    ("Chase the referral by end of next month", "end of next month", D(2027, 1, 31), "Chase the referral"),
    ("Chase the referral by the end of the week", "the end of the week", D(2026, 12, 11), "Chase the referral"),
    ("Chase the referral next week", "next week", D(2026, 12, 18), "Chase the referral"),
    ("Chase the referral in a month", "in a month", D(2027, 1, 7), "Chase the referral"),
])
def test_dates_are_read_relative_to_the_day(line: str, written: str, due: dt.date, rest: str) -> None:
    found = find_due(line, MONDAY)
    assert found is not None and found.written == written and found.date == due
    assert without(line, found) == rest


@pytest.mark.parametrize("line, written", [
    ("Meet by 31/02", "31/02"),
    ("Meet on 31/02/2027", "31/02/2027"),
    ("Meet by 31/04", "31/04"),
    ("Meet by 12/13", "12/13"),
    ("Meet by the 45th", "the 45th"),
    ("Meet on 30 February", "30 February"),
    ("Meet on 2027-02-30", "2027-02-30"),
])
def test_a_date_that_does_not_exist_is_unreadable_not_dropped(line: str, written: str) -> None:
    found = find_due(line, MONDAY)
    assert found is not None and found.written == written and found.date is None and not found.readable
    assert without(line, found) == "Meet"


@pytest.mark.parametrize("line", [
    "Go to the Friday group with him",      # a weekday that names a thing, not a day
    "Plan for his 15th birthday",           # an ordinal without 'by' or 'on'
    "I sat with him and his nan",            # 'sat' is not Saturday here
    "Read about desistance",
    "Meet weekly for the next few weeks",
    "We may need another meeting",
])
def test_words_that_are_not_dates(line: str) -> None:
    assert find_due(line, MONDAY) is None


def test_a_reply_to_when_is_it_due_may_be_a_bare_weekday_or_ordinal() -> None:
    assert find_due("Friday", MONDAY) is None
    assert find_due("Friday", MONDAY, reply=True).date == D(2026, 12, 11)
    assert find_due("the 3rd", MONDAY, reply=True).date == D(2027, 1, 3)


def test_weekdays_and_weeks_from_a_weekend_and_from_the_same_weekday() -> None:
    assert find_due("by Friday", SATURDAY).date == D(2026, 12, 18)
    assert find_due("by next Friday", SATURDAY).date == D(2026, 12, 18)
    assert find_due("by the end of the week", SATURDAY).date == D(2026, 12, 18)
    assert find_due("by Monday", MONDAY).date == D(2026, 12, 14)  # 'Monday' on a Monday: a week today


def test_say_names_the_weekday() -> None:
    assert say(D(2026, 12, 11)) == "Friday 11 December 2026"
