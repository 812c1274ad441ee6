from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from resolvers.calendar import (
    Deadline,
    HolidayTable,
    add_calendar_days,
    add_clock_hours,
    add_working_days,
    is_working_day,
)

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- is_working_day ---------------------------------------------------------------------------


def test_package_years_are_exact():
    assert is_working_day(date(2026, 10, 1)) == (False, False)  # 国庆
    assert is_working_day(date(2026, 10, 10)) == (True, False)  # Saturday 调休
    assert is_working_day(date(2026, 10, 12)) == (True, False)  # ordinary Monday
    assert is_working_day(date(2026, 10, 11)) == (False, False)  # ordinary Sunday


def test_unknown_years_fall_back_to_weekends_and_are_estimated():
    assert is_working_day(date(2027, 1, 1)) == (True, True)  # Friday; package knows nothing
    assert is_working_day(date(2027, 1, 2)) == (False, True)  # Saturday
    assert is_working_day(date(2003, 1, 6)) == (True, True)  # before the package's range


def test_entered_year_is_not_estimated():
    table = HolidayTable.from_rows([(date(2027, 1, 1), False, "元旦")], entered_years=[2027])
    assert is_working_day(date(2027, 1, 1), table) == (False, False)
    assert is_working_day(date(2027, 1, 4), table) == (True, False)
    assert is_working_day(date(2027, 1, 9), table) == (False, False)  # unlisted Saturday


def test_table_entry_beats_package():
    table = HolidayTable.from_rows(
        [(date(2026, 10, 10), False, "更正"), (date(2026, 10, 11), True, "调休上班")]
    )
    assert is_working_day(date(2026, 10, 10), table) == (False, False)
    assert is_working_day(date(2026, 10, 11), table) == (True, False)


def test_entries_without_entered_year_still_count_but_rest_is_estimated():
    table = HolidayTable.from_rows([(date(2027, 1, 1), False, "元旦")])
    assert is_working_day(date(2027, 1, 1), table) == (False, False)
    assert is_working_day(date(2027, 1, 4), table) == (True, True)


def test_is_working_day_never_raises_2000_to_2100():
    day = date(2000, 1, 1)
    while day.year <= 2100:
        working, estimated = is_working_day(day)
        assert estimated == (not 2004 <= day.year <= 2026)
        if estimated:
            assert working == (day.weekday() < 5)
        day += timedelta(days=1)


def test_is_working_day_rejects_datetime():
    with pytest.raises(TypeError):
        is_working_day(datetime(2026, 1, 5, tzinfo=UTC))


def test_holiday_table_editing_and_rows_roundtrip():
    table = HolidayTable()
    table.set(date(2027, 2, 6), False, "春节")
    table.set(date(2026, 5, 1), True, "x")
    table.enter_year(2027, [(date(2027, 2, 7), False, "春节"), (date(2027, 2, 20), True, "调休上班")])
    assert table.get(date(2027, 2, 6)) is None  # replaced by the notice
    assert table.get(date(2026, 5, 1)) is not None  # other years untouched
    assert table.is_entered(2027) and not table.is_entered(2028)
    table.remove(date(2026, 5, 1))
    copy = HolidayTable.from_rows(table.rows(), table.entered_years)
    assert copy == table
    assert copy.rows() == [(date(2027, 2, 7), False, "春节"), (date(2027, 2, 20), True, "调休上班")]
    with pytest.raises(ValueError):
        table.enter_year(2028, [(date(2027, 1, 1), False, "元旦")])


# --- working-day deadlines --------------------------------------------------------------------


def test_national_day_2026_counts_saturday_makeup_day():
    # Tue 29 Sep 10:00: 30 Sep (1), 1–7 Oct off, 8 Oct (2), 9 Oct (3), Sat 10 Oct 调休 (4),
    # Sun 11 Oct off, Mon 12 Oct (5).
    d = add_working_days(sh(2026, 9, 29, 10, 0), 5)
    assert d == Deadline(utc(2026, 10, 12, 2, 0), False)
    assert d.at.tzinfo is UTC


def test_spring_festival_2026():
    # Thu 12 Feb 15:30: 13 Feb (1), Sat 14 Feb 调休 (2), 15–23 Feb off, 24 (3), 25 (4), 26 (5).
    d = add_working_days(sh(2026, 2, 12, 15, 30), 5)
    assert d == Deadline(utc(2026, 2, 26, 7, 30), False)


def test_start_on_holiday_counts_from_next_working_day_midnight():
    # Start on 2 Oct (holiday): clock starts 8 Oct 00:00; one working day → 9 Oct 00:00.
    assert add_working_days(sh(2026, 10, 2, 14, 0), 1).at == sh(2026, 10, 9, 0, 0)
    # Sunday 11 Oct: clock starts Mon 12 Oct 00:00; zero days is that moment.
    assert add_working_days(sh(2026, 10, 11, 20, 0), 0).at == sh(2026, 10, 12, 0, 0)


def test_local_date_decides_not_utc_date():
    # 2026-10-09 20:00 UTC is Sat 10 Oct 04:00 in Shanghai, a 调休 working day.
    d = add_working_days(utc(2026, 10, 9, 20, 0), 1)
    assert d.at == sh(2026, 10, 12, 4, 0)


def test_late_december_2026_into_2027_is_estimated_and_does_not_crash():
    # Mon 28 Dec 09:00: 29 (1), 30 (2), 31 (3), Fri 1 Jan 2027 guessed working (4), Mon 4 Jan (5).
    d = add_working_days(sh(2026, 12, 28, 9, 0), 5)
    assert d == Deadline(utc(2027, 1, 4, 1, 0), True)


def test_2027_with_entered_notice_skips_holiday_and_is_exact():
    table = HolidayTable()
    table.enter_year(2027, [(date(2027, 1, 1), False, "元旦")])
    d = add_working_days(sh(2026, 12, 28, 9, 0), 5, table)
    assert d == Deadline(utc(2027, 1, 5, 1, 0), False)


def test_table_override_moves_deadline():
    # ADMIN says 10 Oct 2026 is not a working day after all: day 4 becomes 12 Oct, day 5 13 Oct.
    table = HolidayTable.from_rows([(date(2026, 10, 10), False, "更正")])
    assert add_working_days(sh(2026, 9, 29, 10, 0), 5, table).at == utc(2026, 10, 13, 2, 0)


def test_start_in_other_zone_is_converted():
    # New York 2026-03-07 21:00 EST == Shanghai Sun 8 Mar 10:00 → clock starts Mon 9 Mar 00:00.
    assert add_working_days(datetime(2026, 3, 7, 21, 0, tzinfo=NY), 1).at == sh(2026, 3, 10)


def test_pathological_table_does_not_hang():
    table = HolidayTable.from_rows(
        [(date(2027, 1, 1) + timedelta(days=i), False, "错") for i in range(365)], [2027]
    )
    d = add_working_days(sh(2026, 12, 31, 9, 0), 1, table)
    assert d.estimated and d.at > sh(2027, 1, 1)


def test_every_day_of_2026():
    for offset in range(365):
        day = date(2026, 1, 1) + timedelta(days=offset)
        start_working, _ = is_working_day(day)
        for hh, mm in ((0, 0), (9, 30), (23, 59)):
            start = sh(day.year, day.month, day.day, hh, mm)
            for n in (1, 5):
                d = add_working_days(start, n)
                local = d.at.astimezone(SH)
                assert d.at > start
                assert d.at.tzinfo is UTC
                assert is_working_day(local.date())[0], (start, n, local)
                # Exactly n working days in (start day, deadline day], or n+1 counting the
                # first working day when the start itself is off.
                counted = sum(
                    is_working_day(day + timedelta(days=i))[0]
                    for i in range(1, (local.date() - day).days + 1)
                )
                assert counted == (n if start_working else n + 1), (start, n, local)
                if start_working:
                    assert local.time() == start.time()
                else:
                    assert (local.hour, local.minute) == (0, 0)


def test_never_crashes_2000_to_2100():
    day = date(2000, 1, 1)
    while day.year <= 2100:
        start = sh(day.year, day.month, day.day, 12, 0)
        d = add_working_days(start, 5)
        assert d.at > start
        assert d.estimated == (not (2004 <= day.year and d.at.year <= 2026))
        day += timedelta(days=3)


def test_invalid_arguments():
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 1, 5, 9, 0), 1)  # naive
    with pytest.raises(ValueError):
        add_working_days(sh(2026, 1, 5, 9, 0), -1)
    with pytest.raises(ValueError):
        add_clock_hours(datetime(2026, 1, 5, 9, 0), 1)
    with pytest.raises(ValueError):
        Deadline(datetime(2026, 1, 5, 9, 0))


# --- clock hours and calendar days ------------------------------------------------------------


def test_hours_across_midnight():
    # 23:30 Shanghai + 2 h = 01:30 next day Shanghai = 17:30 UTC the same day.
    end = add_clock_hours(sh(2026, 3, 1, 23, 30), 2)
    assert end == utc(2026, 3, 1, 17, 30)
    assert end.tzinfo is UTC
    assert end.astimezone(SH) == sh(2026, 3, 2, 1, 30)
    assert add_clock_hours(utc(2026, 3, 1, 15, 30), 0.5) == sh(2026, 3, 2, 0, 0)
    # Clock hours ignore holidays: the center works 24/7.
    assert add_clock_hours(sh(2026, 9, 30, 23, 0), 48) == sh(2026, 10, 2, 23, 0)


def test_hours_are_elapsed_even_if_start_zone_has_dst():
    # US DST starts 2026-03-08 02:00 in New York. 01:00 EST is 06:00 UTC; 2 elapsed hours is
    # 08:00 UTC, whereas naive wall-clock arithmetic (03:00 EDT) would give 07:00 UTC.
    start = datetime(2026, 3, 8, 1, 0, tzinfo=NY)
    assert add_clock_hours(start, 2) == utc(2026, 3, 8, 8, 0)
    assert add_clock_hours(start, 2) - start == timedelta(hours=2)


def test_calendar_days_feedback_window():
    start = sh(2026, 9, 30, 18, 0)
    assert add_calendar_days(start, 7) == sh(2026, 10, 7, 18, 0)  # holidays are not skipped
    assert add_calendar_days(start, 7).tzinfo is UTC
    # Shanghai has no DST, so 7 calendar days are 168 h even across a New York DST change.
    ny = datetime(2026, 11, 1, 0, 30, tzinfo=NY)
    assert add_calendar_days(ny, 7) - ny == timedelta(days=7)


# --- Deadline ---------------------------------------------------------------------------------


def test_deadline_overdue_and_remaining():
    d = Deadline(sh(2026, 10, 12, 10, 0))
    assert d.at == utc(2026, 10, 12, 2, 0) and d.at.tzinfo is UTC
    assert not d.is_overdue(utc(2026, 10, 12, 2, 0))  # exactly at the deadline is in time
    assert d.is_overdue(utc(2026, 10, 12, 2, 0, 0, 1))
    assert not d.is_overdue(sh(2026, 10, 12, 9, 59))
    assert d.remaining(sh(2026, 10, 12, 9, 0)) == timedelta(hours=1)
    assert d.remaining(sh(2026, 10, 12, 11, 0)) == timedelta(hours=-1)
    with pytest.raises(ValueError):
        d.is_overdue(datetime(2026, 10, 12, 11, 0))
    with pytest.raises(Exception):
        d.at = utc(2030, 1, 1)  # frozen


def test_the_district_day_turns_at_16_utc() -> None:
    """Services, contests and dual reports are dated by Yantai's calendar, not the server's UTC."""
    from datetime import datetime, timezone

    from resolvers.calendar import local_today

    assert local_today(datetime(2026, 11, 26, 15, 59, tzinfo=timezone.utc)) == date(2026, 11, 26)
    assert local_today(datetime(2026, 11, 26, 16, 0, tzinfo=timezone.utc)) == date(2026, 11, 27)
