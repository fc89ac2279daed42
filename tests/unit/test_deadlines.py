"""Deadline rules: Reg. 1182/71 month counting, Finnish public holidays, pauses and extensions.

Every expected date below was worked out by hand from a calendar (and, for holidays, checked
against the ``holidays`` package's Finland calendar), never computed with the code under test.
Weekdays used: 1 Jan 2026 is a Thursday, 1 Jan 2027 a Friday, 1 Jan 2028 a Saturday.
"""

from __future__ import annotations

import ast
import datetime
import subprocess
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portal import deadlines
from portal.deadlines import (
    DEFAULT_COUNTRY,
    DEFAULT_TIMEZONE,
    MAX_MONTHS,
    days_left,
    due_date,
    extension_problem,
    is_working_day,
    local_date,
    next_working_day,
    paused_days,
    period_end,
    previous_working_day,
)

UTC = datetime.UTC

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_finland_and_three_months():
    assert DEFAULT_COUNTRY == "FI"
    assert DEFAULT_TIMEZONE == "Europe/Helsinki"
    assert MAX_MONTHS == 3


def test_module_imports_only_standard_library_and_holidays():
    tree = ast.parse(Path(deadlines.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {
        "__future__",
        "calendar",
        "collections",
        "datetime",
        "functools",
        "json",
        "pathlib",
        "zoneinfo",
        "holidays",
    }


# EDPB examples ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_on", "expected"),
    [
        (date(2026, 3, 5), date(2026, 4, 5)),
        (date(2026, 8, 31), date(2026, 9, 30)),
    ],
    ids=["5-march-ends-5-april", "31-august-ends-30-september"],
)
def test_edpb_examples_period_end(received_on, expected):
    assert period_end(received_on) == expected


@pytest.mark.parametrize(
    ("received_on", "expected"),
    [
        # 5 Apr 2026 is Easter Sunday, 6 Apr Easter Monday -> Tuesday 7 Apr.
        (date(2026, 3, 5), date(2026, 4, 7)),
        # 30 Sep 2026 is a Wednesday, a working day: no roll-forward.
        (date(2026, 8, 31), date(2026, 9, 30)),
    ],
    ids=["5-march-2026-rolls-past-easter", "31-august-2026-wednesday-stays"],
)
def test_edpb_examples_due_date_in_2026(received_on, expected):
    assert due_date(received_on) == expected


# Month counting, Reg. 1182/71 Art. 3(2)(c) ----------------------------------------------------


@pytest.mark.parametrize(
    ("received_on", "months", "expected"),
    [
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 1, 30), 1, date(2027, 2, 28)),
        (date(2028, 1, 30), 1, date(2028, 2, 29)),
        (date(2027, 1, 29), 1, date(2027, 2, 28)),
        (date(2027, 1, 28), 1, date(2027, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 4, 30), 1, date(2026, 5, 30)),
        (date(2027, 2, 28), 1, date(2027, 3, 28)),
        (date(2026, 2, 1), 1, date(2026, 3, 1)),
        (date(2026, 11, 15), 1, date(2026, 12, 15)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 12, 31), 3, date(2027, 3, 31)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 10, 15), 3, date(2027, 1, 15)),
    ],
    ids=[
        "31-jan-leap-year-29-feb",
        "31-jan-common-year-28-feb",
        "30-jan-common-year-28-feb",
        "30-jan-leap-year-29-feb",
        "29-jan-common-year-28-feb",
        "28-jan-same-date",
        "31-mar-30-apr",
        "30-apr-30-may-not-month-end",
        "28-feb-28-mar-not-month-end",
        "1-feb-1-mar",
        "15-nov-15-dec",
        "31-dec-31-jan-next-year",
        "3-months-30-nov-28-feb",
        "3-months-30-nov-29-feb-leap",
        "2-months-31-dec-28-feb",
        "3-months-31-dec-31-mar",
        "2-months-31-jan-31-mar",
        "3-months-31-aug-30-nov",
        "3-months-15-oct-15-jan-next-year",
    ],
)
def test_period_end_same_date_or_last_day_of_month(received_on, months, expected):
    assert period_end(received_on, months) == expected


def test_period_end_defaults_to_one_month():
    assert period_end(date(2026, 6, 10)) == date(2026, 7, 10)


@pytest.mark.parametrize("months", [0, 4, -1], ids=["zero", "four", "negative"])
def test_period_end_rejects_invalid_months(months):
    with pytest.raises(ValueError, match="months"):
        period_end(date(2026, 3, 10), months)


@pytest.mark.parametrize("months", [0, 4], ids=["zero", "four"])
def test_due_date_rejects_invalid_months(months):
    with pytest.raises(ValueError, match="months"):
        due_date(date(2026, 3, 10), months)


# Roll-forward, Reg. 1182/71 Art. 3(4) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("received_on", "expected"),
    [
        (date(2026, 1, 14), date(2026, 2, 16)),  # ends Sat 14 Feb -> Mon 16 Feb
        (date(2026, 1, 15), date(2026, 2, 16)),  # ends Sun 15 Feb -> Mon 16 Feb
        (date(2026, 1, 31), date(2026, 3, 2)),  # ends Sat 28 Feb -> Mon 2 Mar
        (date(2026, 1, 12), date(2026, 2, 12)),  # ends Thu 12 Feb, a working day
    ],
    ids=["saturday-to-monday", "sunday-to-monday", "month-end-saturday-to-monday", "thursday"],
)
def test_due_date_rolls_weekend_forward_to_monday(received_on, expected):
    assert due_date(received_on) == expected


@pytest.mark.parametrize(
    ("received_on", "expected"),
    [
        # Good Fri 3 Apr 2026, Sat, Easter Sun, Easter Mon 6 Apr -> Tue 7 Apr.
        (date(2026, 3, 3), date(2026, 4, 7)),
        # Easter Monday 6 Apr 2026 -> Tue 7 Apr.
        (date(2026, 3, 6), date(2026, 4, 7)),
        # May Day Fri 1 May 2026, weekend -> Mon 4 May.
        (date(2026, 4, 1), date(2026, 5, 4)),
        # Ascension Day Thu 14 May 2026 -> Fri 15 May.
        (date(2026, 4, 14), date(2026, 5, 15)),
        # Midsummer Eve Fri 19 Jun 2026, Midsummer Day Sat 20, Sun 21 -> Mon 22 Jun.
        (date(2026, 5, 19), date(2026, 6, 22)),
        # Midsummer Eve Fri 25 Jun 2027, Midsummer Day Sat 26, Sun 27 -> Mon 28 Jun.
        (date(2027, 5, 25), date(2027, 6, 28)),
        # Independence Day Mon 6 Dec 2027 -> Tue 7 Dec.
        (date(2027, 11, 6), date(2027, 12, 7)),
        # Wed 23 Dec 2026 is a working day.
        (date(2026, 11, 23), date(2026, 12, 23)),
        # Christmas Eve Thu 24 Dec 2026, Christmas Day Fri 25, Sat 26, Sun 27 -> Mon 28 Dec.
        (date(2026, 11, 24), date(2026, 12, 28)),
        # Sun 24 Dec 2028, Christmas Day Mon 25, St Stephen's Day Tue 26 -> Wed 27 Dec.
        (date(2028, 11, 24), date(2028, 12, 27)),
        # St Stephen's Day Tue 26 Dec 2028 -> Wed 27 Dec.
        (date(2028, 11, 26), date(2028, 12, 27)),
        # New Year's Day Fri 1 Jan 2027, weekend -> Mon 4 Jan.
        (date(2026, 12, 1), date(2027, 1, 4)),
        # Epiphany Wed 6 Jan 2027 -> Thu 7 Jan.
        (date(2026, 12, 6), date(2027, 1, 7)),
    ],
    ids=[
        "good-friday-2026",
        "easter-monday-2026",
        "may-day-2026",
        "ascension-day-2026",
        "midsummer-eve-2026",
        "midsummer-eve-and-day-2027",
        "independence-day-2027",
        "23-december-2026-working-day",
        "christmas-eve-2026",
        "christmas-2028-from-sunday",
        "st-stephens-day-2028",
        "new-year-2027",
        "epiphany-2027",
    ],
)
def test_due_date_rolls_past_finnish_public_holidays(received_on, expected):
    assert due_date(received_on) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), False),
        (date(2026, 1, 6), False),
        (date(2026, 4, 2), True),
        (date(2026, 4, 3), False),
        (date(2026, 4, 6), False),
        (date(2026, 4, 7), True),
        (date(2026, 5, 1), False),
        (date(2026, 5, 14), False),
        (date(2026, 5, 25), True),
        (date(2026, 6, 18), True),
        (date(2026, 6, 19), False),
        (date(2026, 6, 20), False),
        (date(2026, 10, 30), True),
        (date(2026, 12, 23), True),
        (date(2026, 12, 24), False),
        (date(2026, 12, 25), False),
        (date(2026, 12, 31), True),
        (date(2027, 12, 6), False),
        (date(2028, 12, 26), False),
        (date(2026, 2, 14), False),
        (date(2026, 2, 15), False),
        (date(2026, 2, 16), True),
    ],
    ids=[
        "new-years-day-thu",
        "epiphany-tue",
        "maundy-thursday-works",
        "good-friday",
        "easter-monday",
        "tuesday-after-easter-works",
        "may-day-fri",
        "ascension-day-thu",
        "whit-monday-works-in-finland",
        "thursday-before-midsummer-works",
        "midsummer-eve-fri",
        "midsummer-day-sat",
        "friday-before-all-saints-works",
        "23-december-works",
        "christmas-eve-thu",
        "christmas-day-fri",
        "new-years-eve-works",
        "independence-day-mon-2027",
        "st-stephens-day-tue-2028",
        "plain-saturday",
        "plain-sunday",
        "plain-monday",
    ],
)
def test_is_working_day_in_finland(day, expected):
    assert is_working_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 2), date(2026, 4, 2)),  # Thu, a working day: itself
        (date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday -> Tue after Easter Monday
        (date(2026, 2, 14), date(2026, 2, 16)),  # Sat -> Mon
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas Eve -> Mon 28 Dec
        (date(2026, 12, 31), date(2026, 12, 31)),  # New Year's Eve works
        (date(2027, 1, 1), date(2027, 1, 4)),  # New Year's Day Fri -> Mon
    ],
    ids=["working-day-itself", "good-friday", "saturday", "christmas-eve", "nye", "new-year"],
)
def test_next_working_day(day, expected):
    assert next_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 16), date(2026, 2, 13)),  # before Mon -> Fri
        (date(2026, 4, 7), date(2026, 4, 2)),  # before Tue after Easter -> Thu 2 Apr
        (date(2026, 4, 15), date(2026, 4, 14)),  # before Wed -> Tue, strictly before
        (date(2026, 6, 22), date(2026, 6, 18)),  # before Mon after Midsummer -> Thu
        (date(2026, 12, 28), date(2026, 12, 23)),  # before Mon after Christmas -> Wed 23 Dec
        (date(2027, 1, 4), date(2026, 12, 31)),  # before Mon after New Year -> Thu 31 Dec
    ],
    ids=[
        "monday-to-friday",
        "after-easter-to-thursday",
        "ordinary-weekday",
        "after-midsummer",
        "after-christmas",
        "across-new-year",
    ],
)
def test_previous_working_day(day, expected):
    assert previous_working_day(day) == expected


# The calendar is configuration ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "received_on", "expected"),
    [
        # Fri 6 Jun 2025: Sweden's National Day -> Mon 9 Jun (Whit Monday is no holiday there).
        ("SE", date(2025, 5, 6), date(2025, 6, 9)),
        ("FI", date(2025, 5, 6), date(2025, 6, 6)),
        # Tue 3 Oct 2028: German Unity Day -> Wed 4 Oct.
        ("DE", date(2028, 9, 3), date(2028, 10, 4)),
        ("FI", date(2028, 9, 3), date(2028, 10, 3)),
        # Mon 25 May 2026: Whit Monday is a holiday in Germany, not in Finland.
        ("DE", date(2026, 4, 25), date(2026, 5, 26)),
        ("FI", date(2026, 4, 25), date(2026, 5, 25)),
    ],
    ids=[
        "se-national-day",
        "fi-6-june-works",
        "de-unity-day",
        "fi-3-october-works",
        "de-whit-monday",
        "fi-whit-monday-works",
    ],
)
def test_due_date_uses_the_configured_country(country, received_on, expected):
    assert due_date(received_on, country=country) == expected


def test_is_working_day_depends_on_country():
    assert is_working_day(date(2025, 6, 6), "SE") is False
    assert is_working_day(date(2025, 6, 6), "FI") is True
    assert is_working_day(date(2026, 6, 19), "FI") is False  # Midsummer Eve


# Local date of receipt ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Summer time from Sun 29 Mar 2026: UTC+3, so 01:30 on 1 April in Helsinki.
        (datetime.datetime(2026, 3, 31, 22, 30, tzinfo=UTC), date(2026, 4, 1)),
        # Winter: UTC+2, so 00:05 on 15 January in Helsinki, still 14 January in UTC.
        (datetime.datetime(2026, 1, 14, 22, 5, tzinfo=UTC), date(2026, 1, 15)),
        # 23:59 on 14 January in Helsinki.
        (datetime.datetime(2026, 1, 14, 21, 59, tzinfo=UTC), date(2026, 1, 14)),
        # Sat 28 Mar 2026 22:30 UTC, before the switch: UTC+2 -> 00:30 on 29 March.
        (datetime.datetime(2026, 3, 28, 22, 30, tzinfo=UTC), date(2026, 3, 29)),
        # Summer time ends Sun 25 Oct 2026 at 01:00 UTC; 24 Oct 21:30 UTC is 00:30 on 25 Oct.
        (datetime.datetime(2026, 10, 24, 21, 30, tzinfo=UTC), date(2026, 10, 25)),
        # After the switch UTC+2: 25 Oct 21:30 UTC is 23:30 on 25 Oct.
        (datetime.datetime(2026, 10, 25, 21, 30, tzinfo=UTC), date(2026, 10, 25)),
        # Any aware moment works: 17:30 at UTC-5 is 22:30 UTC, 00:30 on 15 Jan in Helsinki.
        (
            datetime.datetime(
                2026, 1, 14, 17, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
            ),
            date(2026, 1, 15),
        ),
    ],
    ids=[
        "summer-time-next-day",
        "just-after-midnight-helsinki-still-previous-day-utc",
        "just-before-midnight-helsinki",
        "night-before-summer-time",
        "night-before-winter-time",
        "evening-after-winter-time",
        "aware-non-utc-input",
    ],
)
def test_local_date_in_helsinki(moment, expected):
    assert local_date(moment) == expected


def test_local_date_uses_the_given_timezone():
    moment = datetime.datetime(2026, 1, 14, 22, 5, tzinfo=UTC)
    assert local_date(moment, "UTC") == date(2026, 1, 14)
    assert local_date(moment, "America/New_York") == date(2026, 1, 14)
    assert local_date(moment.astimezone(ZoneInfo("Asia/Tokyo")), "UTC") == date(2026, 1, 14)


def test_local_date_rejects_a_naive_datetime():
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime.datetime(2026, 1, 14, 22, 5))


# Pauses, GDPR Art. 12(6) and EDPB §159 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("pauses", "today", "expected"),
    [
        ([], date(2026, 3, 20), 0),
        ([(date(2026, 3, 10), date(2026, 3, 12))], date(2026, 3, 20), 2),
        ([(date(2026, 3, 10), date(2026, 3, 10))], date(2026, 3, 20), 0),
        ([(date(2026, 3, 10), None)], date(2026, 3, 17), 7),
        ([(date(2026, 3, 10), None)], date(2026, 3, 10), 0),
        ([(date(2026, 2, 25), date(2026, 3, 3))], date(2026, 3, 20), 6),
        ([(date(2026, 3, 1), date(2026, 3, 10)), (date(2026, 3, 5), date(2026, 3, 15))], None, 14),
        ([(date(2026, 3, 1), date(2026, 3, 20)), (date(2026, 3, 5), date(2026, 3, 10))], None, 19),
        ([(date(2026, 3, 10), date(2026, 3, 15)), (date(2026, 3, 1), date(2026, 3, 3))], None, 7),
        ([(date(2026, 3, 1), date(2026, 3, 5)), (date(2026, 3, 5), date(2026, 3, 8))], None, 7),
        ([(date(2026, 3, 1), date(2026, 3, 10)), (date(2026, 3, 8), None)], date(2026, 3, 12), 11),
    ],
    ids=[
        "no-pauses",
        "closed-pause-two-days",
        "same-day-answer-suspends-nothing",
        "open-pause-counted-to-today",
        "open-pause-asked-today",
        "across-end-of-february",
        "overlapping-merged",
        "nested-merged",
        "disjoint-unsorted-added",
        "touching-added-once",
        "open-pause-overlapping-closed",
    ],
)
def test_paused_days(pauses, today, expected):
    assert paused_days(pauses, today or date(2026, 3, 31)) == expected


def test_paused_days_accepts_any_iterable():
    pauses = ((start, start + datetime.timedelta(days=3)) for start in [date(2026, 3, 2)])
    assert paused_days(pauses, date(2026, 3, 31)) == 3


@pytest.mark.parametrize(
    ("pauses", "today"),
    [
        ([(date(2026, 3, 12), date(2026, 3, 10))], date(2026, 3, 20)),
        ([(date(2026, 3, 12), None)], date(2026, 3, 11)),
    ],
    ids=["end-before-start", "open-pause-starting-after-today"],
)
def test_paused_days_rejects_a_pause_ending_before_it_starts(pauses, today):
    with pytest.raises(ValueError, match="before it starts"):
        paused_days(pauses, today)


@pytest.mark.parametrize(
    ("received_on", "months", "paused", "expected"),
    [
        (date(2026, 3, 10), 1, 0, date(2026, 4, 10)),  # Fri 10 Apr
        (date(2026, 3, 10), 1, 4, date(2026, 4, 14)),  # Tue 14 Apr
        (date(2026, 3, 10), 1, 1, date(2026, 4, 13)),  # Sat 11 Apr -> Mon 13 Apr
        (date(2026, 3, 2), 1, 0, date(2026, 4, 2)),  # Thu 2 Apr
        (date(2026, 3, 2), 1, 1, date(2026, 4, 7)),  # Good Friday 3 Apr -> Tue 7 Apr
        (date(2026, 3, 2), 1, 3, date(2026, 4, 7)),  # Easter Sunday 5 Apr -> Tue 7 Apr
        (date(2026, 9, 24), 3, 3, date(2026, 12, 28)),  # Sun 27 Dec -> Mon 28 Dec
        (date(2026, 9, 24), 3, 5, date(2026, 12, 29)),  # Tue 29 Dec
    ],
    ids=[
        "no-pause",
        "pause-moves-to-working-day",
        "pause-lands-on-saturday",
        "no-pause-before-easter",
        "pause-lands-on-good-friday",
        "pause-lands-on-easter-sunday",
        "extended-pause-lands-on-sunday-after-christmas",
        "extended-pause-past-christmas",
    ],
)
def test_due_date_with_paused_days(received_on, months, paused, expected):
    assert due_date(received_on, months, paused_days=paused) == expected


def test_due_date_with_paused_days_from_pauses():
    # Asked Thu 5 Mar, answered Sun 8 Mar: 3 days; 2 Apr + 3 = Easter Sunday -> Tue 7 Apr 2026.
    paused = paused_days([(date(2026, 3, 5), date(2026, 3, 8))], date(2026, 3, 20))
    assert due_date(date(2026, 3, 2), paused_days=paused) == date(2026, 4, 7)


def test_due_date_rejects_negative_paused_days():
    with pytest.raises(ValueError, match="paused_days"):
        due_date(date(2026, 3, 10), paused_days=-1)


def test_due_date_extended_to_three_months_rolls_forward():
    # 30 Nov 2026 + 3 months = Sun 28 Feb 2027 -> Mon 1 Mar 2027.
    assert due_date(date(2026, 11, 30), 3) == date(2027, 3, 1)


# Days left -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "today", "expected"),
    [
        (date(2026, 4, 10), date(2026, 4, 1), 9),
        (date(2026, 4, 10), date(2026, 4, 10), 0),
        (date(2026, 4, 10), date(2026, 4, 11), -1),
        (date(2027, 1, 4), date(2026, 12, 28), 7),
    ],
    ids=["before", "due-day", "overdue", "across-new-year"],
)
def test_days_left(due_on, today, expected):
    assert days_left(due_on, today) == expected


# Extension, GDPR Art. 12(3) -------------------------------------------------------------------

RECEIVED = date(2026, 3, 10)
CURRENT_DUE = date(2026, 4, 10)  # Fri 10 Apr 2026


@pytest.mark.parametrize(
    ("today", "months", "expected"),
    [
        (date(2026, 4, 1), 3, None),
        (date(2026, 4, 1), 2, None),
        (date(2026, 4, 10), 3, None),
        (date(2026, 4, 11), 3, "due-date-passed"),
        (date(2026, 4, 1), 4, "too-long"),
        (date(2026, 4, 1), 1, "not-longer"),
        (date(2026, 4, 1), 0, "not-longer"),
        (date(2026, 4, 11), 4, "too-long"),
    ],
    ids=[
        "three-months-before-due-date",
        "two-months-before-due-date",
        "on-the-due-date",
        "day-after-due-date",
        "four-months-too-long",
        "one-month-not-longer",
        "zero-months-not-longer",
        "too-long-checked-first",
    ],
)
def test_extension_problem(today, months, expected):
    assert extension_problem(RECEIVED, CURRENT_DUE, today, months) == expected


def test_extension_allowed_until_the_rolled_due_date():
    # Received 5 Mar 2026: the month ends on Easter Sunday 5 Apr, due Tue 7 Apr.
    assert extension_problem(date(2026, 3, 5), date(2026, 4, 7), date(2026, 4, 6), 3) is None
    assert extension_problem(date(2026, 3, 5), date(2026, 4, 7), date(2026, 4, 8), 3) == (
        "due-date-passed"
    )


# The holiday table (portal/public_holidays.json) -----------------------------------------------


def test_the_holiday_table_says_what_the_holidays_package_says():
    """Every year the table holds, date for date, as the package gives it today; when an update
    of the package changes a date, this fails until scripts/public_holidays.py is run again."""
    table = deadlines._holiday_table()["FI"]
    assert sorted(table) == [str(year) for year in deadlines.TABLE_YEARS]
    for year in deadlines.TABLE_YEARS:
        assert deadlines._public_holidays("FI", year) == deadlines.package_holidays("FI", year)


def test_due_dates_from_the_table_do_not_import_the_holidays_package():
    """A web worker works out due dates without holding the package (11 MB, issue 14)."""
    code = (
        "import sys; from datetime import date; from portal.deadlines import due_date; "
        "assert due_date(date(2026, 11, 24)) == date(2026, 12, 28), due_date(date(2026, 11, 24)); "
        "print('holidays' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "False"


def test_a_year_or_country_beyond_the_table_asks_the_package():
    assert date(2070, 12, 25) in deadlines._public_holidays("FI", 2070)
    # Sweden's national day, which Finland does not keep.
    assert date(2026, 6, 6) in deadlines._public_holidays("SE", 2026)
    assert date(2026, 6, 6) not in deadlines._public_holidays("FI", 2026)
