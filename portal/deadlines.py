"""Pure date rules for answering data-subject requests on time.

Nothing here reads the clock, the database or the Flask app: every "now" or "today" is a
parameter, so each rule can be tested with fixed dates.

The rules and their sources:

* **One month from receipt** -- GDPR Art. 12(3): the controller answers without undue delay and
  at the latest within one month of receipt of the request. The clock starts when the request
  reaches the controller (EDPB Guidelines 01/2022 §159); for this portal, when it is submitted.
  Receipt is the controller's *local* calendar date (Europe/Helsinki for WProd Oy), see
  :func:`local_date`.
* **How the month is counted** -- Regulation (EEC, Euratom) No 1182/71, which applies to periods
  in EU acts:

  - Art. 3(1): the day on which the event occurs (the day of receipt) is not counted.
  - Art. 3(2)(c): a period in months ends at the end of the day in the last month with the same
    date as the day of receipt; if that date does not exist in the last month (31 January plus
    one month), the period ends at the end of that month's last day (28 or 29 February).
    EDPB examples: received 5 March -> 5 April; received 31 August -> 30 September.
  - Art. 3(4): if the last day is a Saturday, Sunday or public holiday, the period ends at the
    end of the next working day.
  - Art. 2(1)-(2): public holidays are those of the member state (of the controller); working
    days are all days other than public holidays, Saturdays and Sundays.

  :func:`period_end` gives the day before roll-forward, :func:`due_date` the day after it.
* **Public holidays** are taken from the ``holidays`` package, public category, for a configurable
  country (default ``"FI"``), through a table of its dates (``public_holidays.json``, written by
  ``scripts/public_holidays.py`` and checked against the package by the tests). For Finland that
  category also holds Midsummer Eve and Christmas Eve, which matches the Finnish deadline act
  (150/1930 §5) that moves a deadline off those eves.
* **Extension** -- GDPR Art. 12(3): by up to two further months where necessary given the
  complexity and number of requests, i.e. at most three months from receipt, counted the same
  way; the person must be told within the first month, so it must be decided before the current
  due date has passed. See :func:`extension_problem`.
* **Pauses** -- GDPR Art. 12(6) and EDPB Guidelines 01/2022 §159: while the controller waits for
  information it asked for to confirm the requester's identity (or a justified clarification of
  scope), the clock is suspended. The suspended calendar days are added to the period's end
  before the roll-forward to a working day. See :func:`paused_days` for how they are counted.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import json
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_COUNTRY = "FI"
DEFAULT_TIMEZONE = "Europe/Helsinki"
MAX_MONTHS = 3  # one month + extension by two further months, GDPR Art. 12(3)
# The years the holiday table holds: from GDPR's first year to well past any due date now set.
TABLE_YEARS = range(2018, 2061)
HOLIDAY_TABLE = Path(__file__).with_name("public_holidays.json")

_ONE_DAY = datetime.timedelta(days=1)


def local_date(moment: datetime.datetime, timezone: str = DEFAULT_TIMEZONE) -> datetime.date:
    """The controller's local calendar date at an aware ``moment`` (normally stored in UTC).

    A request submitted at 00:05 in Helsinki is received that day, even though it is still the
    previous day in UTC. A naive datetime is ambiguous and raises ``ValueError``.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime, got a naive one")
    return moment.astimezone(ZoneInfo(timezone)).date()


def start_of_day(day: datetime.date, timezone: str = DEFAULT_TIMEZONE) -> datetime.datetime:
    """Midnight at the start of the controller's local ``day``, as an aware datetime: the inverse
    of ``local_date``. A request that arrived on paper is received at the start of that day."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(timezone))


@functools.cache
def _holiday_table() -> dict[str, dict[str, list[str]]]:
    return json.loads(HOLIDAY_TABLE.read_text(encoding="utf-8"))["countries"]


def package_holidays(country: str, year: int) -> frozenset[datetime.date]:
    """The ``holidays`` package's public holidays of ``country`` in ``year``."""
    # Imported only for a country or year the table does not hold: the package holds 11 MB
    # in a web worker for the rest of its life (issue 14).
    import holidays

    return frozenset(holidays.country_holidays(country, years=year, categories=("public",)))


@functools.lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[datetime.date]:
    # Reg. 1182/71 Art. 2(1): the public holidays of the member state; the country is configuration.
    kept = _holiday_table().get(country, {}).get(str(year))
    if kept is None:
        return package_holidays(country, year)
    return frozenset(datetime.date.fromisoformat(day) for day in kept)


def is_working_day(day: datetime.date, country: str = DEFAULT_COUNTRY) -> bool:
    """Whether ``day`` is a working day: not a Saturday, Sunday or public holiday of ``country``."""
    # Reg. 1182/71 Art. 2(2): working days are all days other than public holidays, Sundays
    # and Saturdays.
    if day.weekday() >= 5:  # 5 = Saturday, 6 = Sunday
        return False
    return day not in _public_holidays(country, day.year)


def next_working_day(day: datetime.date, country: str = DEFAULT_COUNTRY) -> datetime.date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, country):
        day += _ONE_DAY
    return day


def previous_working_day(day: datetime.date, country: str = DEFAULT_COUNTRY) -> datetime.date:
    """The last working day strictly before ``day``."""
    day -= _ONE_DAY
    while not is_working_day(day, country):
        day -= _ONE_DAY
    return day


def period_end(received_on: datetime.date, months: int = 1) -> datetime.date:
    """The last day of a period of ``months`` months from ``received_on``, before roll-forward.

    The day of receipt is not counted (Reg. 1182/71 Art. 3(1)); the period ends on the day of
    the last month with the same date, or on that month's last day when the date does not exist
    there (Art. 3(2)(c)). ``months`` must be 1 to ``MAX_MONTHS``, else ``ValueError``.
    """
    if not 1 <= months <= MAX_MONTHS:  # GDPR Art. 12(3): at most three months from receipt
        raise ValueError(f"months must be between 1 and {MAX_MONTHS}, got {months!r}")
    index = received_on.month - 1 + months
    year, month = received_on.year + index // 12, index % 12 + 1
    # Reg. 1182/71 Art. 3(2)(c): same date, or the last day of a month without that date.
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(received_on.day, last_day))


def due_date(
    received_on: datetime.date,
    months: int = 1,
    *,
    country: str = DEFAULT_COUNTRY,
    paused_days: int = 0,
) -> datetime.date:
    """The day by whose end the answer is due.

    The period's end (:func:`period_end`) moved by the suspended days (GDPR Art. 12(6), EDPB
    Guidelines 01/2022 §159), then rolled forward to a working day of ``country`` (Reg. 1182/71
    Art. 3(4)). ``paused_days`` must not be negative, else ``ValueError``.
    """
    if paused_days < 0:
        raise ValueError(f"paused_days must not be negative, got {paused_days!r}")
    end = period_end(received_on, months) + datetime.timedelta(days=paused_days)
    # Reg. 1182/71 Art. 3(4): a period ending on a Saturday, Sunday or public holiday ends at
    # the end of the next working day.
    return next_working_day(end, country)


def paused_days(
    pauses: Iterable[tuple[datetime.date, datetime.date | None]], today: datetime.date
) -> int:
    """The number of calendar days the clock has been suspended (GDPR Art. 12(6), EDPB §159).

    Each pause is ``(asked_on, resumed_on)``: it runs from the day the controller asked for the
    information to the day the information arrived, or to ``today`` while ``resumed_on`` is
    ``None``. It suspends ``(end - start).days`` calendar days, so:

    * an answer on the same day as the question suspends nothing;
    * the day the information arrives counts again: asked on 10 March, answered on 12 March
      suspends two days (12 - 10), and the clock runs from 12 March on;
    * an open pause asked today suspends nothing yet, and grows by one day each day after.

    Overlapping pauses are merged first, so no day is suspended twice. A pause ending before it
    starts (including an open pause that starts after ``today``) raises ``ValueError``.
    """
    intervals: list[tuple[datetime.date, datetime.date]] = []
    for asked_on, resumed_on in pauses:
        end = today if resumed_on is None else resumed_on
        if end < asked_on:
            raise ValueError(f"a pause cannot end ({end}) before it starts ({asked_on})")
        intervals.append((asked_on, end))

    total = 0
    current: tuple[datetime.date, datetime.date] | None = None
    for start, end in sorted(intervals):
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))  # overlapping: merge, count once
            continue
        if current is not None:
            total += (current[1] - current[0]).days
        current = (start, end)
    if current is not None:
        total += (current[1] - current[0]).days
    return total


def days_left(due_on: datetime.date, today: datetime.date) -> int:
    """Days until the due day: 0 on the due day itself, negative once it has passed."""
    return (due_on - today).days


def extension_problem(
    received_on: datetime.date, current_due_on: datetime.date, today: datetime.date, months: int
) -> str | None:
    """Why extending the period to ``months`` months from receipt is not allowed, or ``None``.

    GDPR Art. 12(3) allows an extension by up to two further months, i.e. to two or three months
    from ``received_on`` (the caller computes the new due day with
    ``due_date(received_on, months, ...)``). The person must be told within the first month, so
    the extension must be decided while the current due day has not passed (it may be decided on
    the due day itself). Returns a short code the caller turns into a translated message:

    * ``"too-long"`` -- ``months`` > ``MAX_MONTHS`` (more than three months from receipt);
    * ``"not-longer"`` -- ``months`` <= 1, so the new period would not be longer than the first;
    * ``"due-date-passed"`` -- ``today`` is after ``current_due_on``.

    The checks run in that order. ``received_on`` anchors the extended period; the rules above do
    not otherwise depend on it.
    """
    if months > MAX_MONTHS:  # GDPR Art. 12(3): at most two further months
        return "too-long"
    if months <= 1:
        return "not-longer"
    if today > current_due_on:  # GDPR Art. 12(3): inform "within one month of receipt"
        return "due-date-passed"
    return None
