"""Deadline arithmetic for e呼应 (SPEC §5.5 and §9).

Pure Python: no database or GraphQL here, so the DB layer loads a `HolidayTable` and the resolvers
call these functions.

* Every datetime in and out is timezone-aware; results are in UTC.
* Hour deadlines are plain clock hours (the center works 24/7).
* Day deadlines are working days in Asia/Shanghai: weekends and public holidays are skipped,
  make-up working days (调休) count.
* The 7-day feedback window is calendar days.

Where working days come from, first match wins:
1. an entry in the editable `HolidayTable` (ADMIN's corrections and the State Council notices);
2. the `chinese-calendar` package, for the years it knows (1.11: 2004–2026);
3. a year ADMIN has "entered" in the table: unlisted dates are Mon–Fri work, Sat/Sun off;
4. otherwise Mon–Fri work, Sat/Sun off, and the answer is marked *estimated*.

This module is named ``calendar`` but lives inside ``resolvers``; import it as
``resolvers.calendar`` (never put ``resolvers/`` itself on ``sys.path``, or it would shadow the
standard library's ``calendar``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "LOCAL_TZ",
    "Deadline",
    "HolidayEntry",
    "HolidayTable",
    "add_calendar_days",
    "add_clock_hours",
    "add_working_days",
    "is_working_day",
    "local_today",
]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_today(now: datetime | None = None) -> date:
    """The district's calendar day: from 16:00 UTC on it is already tomorrow in Yantai, so a
    server's `date.today()` (UTC here) would refuse a service recorded "today" in the evening."""
    return (now or datetime.now(UTC)).astimezone(LOCAL_TZ).date()

# The longest real run of days off is about nine (Spring Festival). A much longer run can only
# come from a mistaken table (e.g. a whole year entered as holidays); rather than loop for a long
# time or crash, we then fall back to weekends-only and mark the deadline estimated.
_MAX_DAYS_OFF_IN_A_ROW = 31


class HolidayEntry(NamedTuple):
    is_workday: bool
    name: str


@dataclass
class HolidayTable:
    """Editable per-date overrides plus the years whose yearly notice ADMIN has entered.

    Rows are ``(date, is_workday, name)``, e.g. ``(date(2027, 2, 6), False, "春节")`` or
    ``(date(2027, 2, 20), True, "调休上班")``. Entries win over the `chinese-calendar` package.
    """

    entries: dict[date, HolidayEntry] = field(default_factory=dict)
    entered_years: set[int] = field(default_factory=set)

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[date, bool, str]], entered_years: Iterable[int] = ()
    ) -> HolidayTable:
        table = cls(entered_years=set(entered_years))
        for d, is_workday, name in rows:
            table.set(d, is_workday, name)
        return table

    def set(self, d: date, is_workday: bool, name: str = "") -> None:
        self.entries[_as_date(d)] = HolidayEntry(bool(is_workday), name)

    def remove(self, d: date) -> None:
        self.entries.pop(_as_date(d), None)

    def get(self, d: date) -> HolidayEntry | None:
        return self.entries.get(_as_date(d))

    def enter_year(self, year: int, rows: Iterable[tuple[date, bool, str]]) -> None:
        """Replace the year's entries with the notice's rows and mark the year entered."""
        rows = list(rows)
        for d, _, _ in rows:
            if d.year != year:
                raise ValueError(f"{d.isoformat()} is not in {year}")
        for d in [d for d in self.entries if d.year == year]:
            del self.entries[d]
        for d, is_workday, name in rows:
            self.set(d, is_workday, name)
        self.entered_years.add(year)

    def is_entered(self, year: int) -> bool:
        return year in self.entered_years

    def rows(self) -> list[tuple[date, bool, str]]:
        """All entries, sorted by date, in the shape `from_rows` accepts (for saving)."""
        return [(d, e.is_workday, e.name) for d, e in sorted(self.entries.items())]


def is_working_day(d: date, table: HolidayTable | None = None) -> tuple[bool, bool]:
    """Return ``(working, estimated)`` for a local (Asia/Shanghai) calendar date."""
    d = _as_date(d)
    if table is not None:
        entry = table.get(d)
        if entry is not None:
            return entry.is_workday, False
    try:
        return bool(chinese_calendar.is_workday(d)), False
    except NotImplementedError:
        # The package has no data for this year; it must never make a deadline fail.
        pass
    weekday = d.weekday() < 5
    if table is not None and table.is_entered(d.year):
        return weekday, False
    return weekday, True


@dataclass(frozen=True)
class Deadline:
    """A deadline instant (always stored in UTC) and whether it rests on a guessed calendar."""

    at: datetime
    estimated: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _to_utc(self.at))

    def is_overdue(self, now: datetime) -> bool:
        """Overdue strictly after the deadline instant: acting exactly at `at` is still in time."""
        return _to_utc(now) > self.at

    def remaining(self, now: datetime) -> timedelta:
        """Time left until the deadline; negative once overdue."""
        return self.at - _to_utc(now)


def add_clock_hours(start: datetime, hours: float) -> datetime:
    """`start` plus elapsed clock hours, in UTC."""
    # Adding in UTC makes this elapsed time even if the caller's zone has DST
    # (aware arithmetic in a DST zone would add wall-clock time instead).
    return _to_utc(start) + timedelta(hours=hours)


def add_calendar_days(start: datetime, days: int) -> datetime:
    """Same local (Asia/Shanghai) clock time `days` calendar days later, in UTC."""
    local = _to_utc(start).astimezone(LOCAL_TZ)
    return (local + timedelta(days=days)).astimezone(UTC)


def add_working_days(start: datetime, days: int, table: HolidayTable | None = None) -> Deadline:
    """Deadline `days` working days after `start`, counted in Asia/Shanghai.

    Rule:
    * If `start` falls on a working day (local date), the deadline is the same local clock time
      on the `days`-th working day after that date. Friday 10:00 + 1 → next Monday 10:00 (if
      Monday is a working day); a Saturday make-up day (调休) counts like any working day.
    * If `start` falls on a non-working day, the clock starts at 00:00 local of the next working
      day W, and the deadline is 00:00 local of the `days`-th working day after W. So a request
      arriving on Saturday with 1 working day is due at 00:00 on the working day after Monday,
      i.e. the handler gets all of Monday.
    * `days == 0` returns the (possibly moved) start itself.

    The deadline instant therefore always falls on a working day. `estimated` is True if any day
    consulted (including the start's day) was decided by the weekends-only fallback.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    local = _to_utc(start).astimezone(LOCAL_TZ)
    day = local.date()
    working, estimated = is_working_day(day, table)
    if working:
        clock = local.time()
    else:
        clock = time(0)
        day, est = _next_working_day(day, table)
        estimated |= est
    for _ in range(days):
        day, est = _next_working_day(day, table)
        estimated |= est
    return Deadline(datetime.combine(day, clock, tzinfo=LOCAL_TZ).astimezone(UTC), estimated)


def _next_working_day(day: date, table: HolidayTable | None) -> tuple[date, bool]:
    """First working day strictly after `day`, and whether any day looked at was estimated."""
    estimated = False
    for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
        day += timedelta(days=1)
        working, est = is_working_day(day, table)
        estimated |= est
        if working:
            return day, estimated
    # Implausibly long run of days off: the table is wrong; ignore it from here on.
    while True:
        day += timedelta(days=1)
        if day.weekday() < 5:
            return day, True


def _to_utc(dt: datetime) -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: every time must carry a timezone")
    return dt.astimezone(UTC)


def _as_date(d: date) -> date:
    # A datetime is a date subclass; silently truncating it would ignore its timezone and
    # would never match a table key (datetime(2026, 1, 1) != date(2026, 1, 1)).
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d
