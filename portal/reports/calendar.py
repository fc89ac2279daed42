"""Periods in the controller's calendar, and the controller's local date of a stored moment as SQL.

Deadlines are counted in the controller's local days (Reg. 1182/71; portal.deadlines), so a
figure such as "answered on time" compares the local day of the answer with the due day, and a
request that arrived at 00:30 in Helsinki on 1 March belongs to March although it is still
February in UTC. The database does that conversion, so that no request has to be read into
Python: PostgreSQL with its own time-zone rules (``timezone(zone, timestamptz)``), SQLite, which
has none, with the zone's UTC offsets between its daylight-saving transitions, worked out here
from the same zone data Python uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, case, cast, func

from portal.deadlines import start_of_day


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    """Whole calendar months in the controller's time zone: from ``months[0]`` (inclusive) to
    ``end_day`` (exclusive)."""

    months: tuple[date, ...]
    end_day: date
    timezone: str

    @property
    def first_day(self) -> date:
        return self.months[0]

    @property
    def boundaries(self) -> list[datetime]:
        """The UTC moments at which each month starts, and the window ends (len(months) + 1)."""
        days = [*self.months, self.end_day]
        return [start_of_day(day, self.timezone).astimezone(UTC) for day in days]

    @property
    def start_at(self) -> datetime:
        return self.boundaries[0]

    @property
    def end_at(self) -> datetime:
        return self.boundaries[-1]


def months_from(first: date, count: int, timezone: str) -> Window:
    months = [date(first.year, first.month, 1)]
    while len(months) < count:
        months.append(_next_month(months[-1]))
    return Window(tuple(months), _next_month(months[-1]), timezone)


def last_twelve_months(today: date, timezone: str) -> Window:
    """The current month and the eleven before it."""
    first = date(today.year, today.month, 1)
    for _ in range(11):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return months_from(first, 12, timezone)


def calendar_year(year: int, timezone: str) -> Window:
    return months_from(date(year, 1, 1), 12, timezone)


@lru_cache(maxsize=32)
def utc_offsets(timezone: str, first_year: int, last_year: int) -> tuple[tuple[datetime, int], ...]:
    """The zone's offset from UTC in seconds from the start of ``first_year`` on, and each change
    of it up to the end of ``last_year``: ``((from_moment, seconds), ...)``, the first from the
    start of the range. Found day by day, then to the second by halving."""
    zone = ZoneInfo(timezone)

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds())

    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    changes = [(moment, offset(moment))]
    while moment < end:
        later = moment + timedelta(days=1)
        if offset(later) != changes[-1][1]:
            low, high = moment, later  # offset(low) is the old one, offset(high) the new one
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            changes.append((high, offset(high)))
        moment = later
    return tuple(changes)


class LocalDates:
    """SQL expressions for the controller's local date of a UTC timestamp column, and the days
    between two of them, on the engine's dialect; ``around`` bounds the years SQLite needs
    offsets for (a request is answered within months of its receipt, so two years either side
    of a report's window hold every moment the report compares)."""

    def __init__(self, dialect: str, timezone: str, around: Window) -> None:
        self.dialect = dialect
        self.timezone = timezone
        self.offsets = utc_offsets(timezone, around.first_day.year - 2, around.end_day.year + 2)

    def date_of(self, column):
        if self.dialect == "postgresql":
            return cast(func.timezone(self.timezone, column), Date)

        # SQLite keeps the UTC moment as text; date() shifts it by the offset in force then.
        def modifier(seconds: int) -> str:
            return f"{seconds:+d} seconds"

        if len(self.offsets) == 1:
            return func.date(column, modifier(self.offsets[0][1]))
        shift = case(
            *(
                (column < self.offsets[i][0], modifier(self.offsets[i - 1][1]))
                for i in range(1, len(self.offsets))
            ),
            else_=modifier(self.offsets[-1][1]),
        )
        return func.date(column, shift)

    def days_between(self, earlier, later):
        """Calendar days from the local date of ``earlier`` to that of ``later``."""
        if self.dialect == "postgresql":
            return self.date_of(later) - self.date_of(earlier)
        return cast(
            func.julianday(self.date_of(later)) - func.julianday(self.date_of(earlier)), Integer
        )
