"""The holiday table of SPEC §5.5 as ADMIN keeps it: the State Council's yearly notice entered day
by day (holidays, and the make-up working days 调休 that count), corrections to what the
`chinese-calendar` package says, and which years are *entered* — so that deadlines there are no
longer marked estimated (resolvers/calendar.py decides working days from all of this).

Edits apply to deadlines computed afterwards; a deadline already set on a request stays as it
was. Validation keeps the table sane: dates within 2000–2100, a name for each day off, a make-up
working day only where the day would otherwise be off, and no run of more than
`MAX_DAYS_OFF` days off in a row (the longest real one, Spring Festival, is about nine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import Holiday, HolidayYear
from resolvers.actor import Actor
from resolvers.admin import common
from resolvers.calendar import HolidayTable, is_working_day
from resolvers.errors import BadUserInput, NotFound

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_DAYS_OFF = 14
MAX_DAYS_A_YEAR = 120
MAKE_UP_DAY = "调休上班"

# chinese-calendar names its holidays in English.
PACKAGE_NAMES_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class Day:
    day: date
    is_workday: bool
    name: str
    source: str  # TABLE (ADMIN's entry) or PACKAGE (chinese-calendar)


@dataclass(frozen=True)
class YearView:
    year: int
    entered: bool
    package_knows: bool
    days: list[Day]  # holidays and make-up working days, by date; table entries win

    @property
    def estimated(self) -> bool:
        """Whether working days of this year are a weekends-only guess."""
        return not (self.entered or self.package_knows)


def _check_year(year: int, field: str = "year") -> int:
    return common.number(year, "年份", field, FIRST_YEAR, LAST_YEAR)


def _package_days(year: int) -> list[Day]:
    out = [Day(d, False, PACKAGE_NAMES_ZH.get(n, n), "PACKAGE") for d, n in chinese_calendar.holidays.items() if d.year == year]
    out += [Day(d, True, MAKE_UP_DAY, "PACKAGE") for d in chinese_calendar.workdays if d.year == year]
    return out


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


async def _table(conn: AsyncConnection | AsyncSession) -> HolidayTable:
    rows = (await conn.execute(select(Holiday.day, Holiday.is_workday, Holiday.name))).all()
    years = (await conn.execute(select(HolidayYear.year))).scalars().all()
    return HolidayTable.from_rows([(r.day, r.is_workday, r.name) for r in rows], entered_years=years)


async def year_view(conn: AsyncConnection | AsyncSession, actor: Actor | None, year: int) -> YearView:
    common.require_admin(actor)
    _check_year(year)
    rows = (await conn.execute(select(Holiday.day, Holiday.is_workday, Holiday.name)
                               .where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31)))).all()
    entered = (await conn.execute(select(HolidayYear.year).where(HolidayYear.year == year))).first() is not None
    days = {d.day: d for d in (_package_days(year) if package_knows(year) else [])}
    days.update({r.day: Day(r.day, r.is_workday, r.name, "TABLE") for r in rows})
    return YearView(year=year, entered=entered, package_knows=package_knows(year), days=[days[d] for d in sorted(days)])


def _check_day(day: date, is_workday: bool, name: str, table: HolidayTable, field: str = "date") -> str:
    _check_year(day.year, field)
    name = common.text(name, "名称", "name", 32, required=not is_workday) or (MAKE_UP_DAY if is_workday else "")
    if is_workday and day.weekday() < 5:
        # A make-up working day replaces a weekend day, or corrects a weekday wrongly marked off.
        without = HolidayTable(entries={d: e for d, e in table.entries.items() if d != day}, entered_years=set(table.entered_years))
        if is_working_day(day, without)[0]:
            raise BadUserInput(f"{day.isoformat()} 本就是工作日,无需设为调休上班",
                               f"{day.isoformat()} is a working day anyway; a make-up working day replaces a day off", field=field)
    return name


def _longest_run_off(table: HolidayTable, around: date) -> int:
    """Consecutive days off through `around` (0 when it is a working day)."""
    if is_working_day(around, table)[0]:
        return 0
    run, d = 1, around
    while run <= MAX_DAYS_OFF and not is_working_day(d - timedelta(days=1), table)[0]:
        run, d = run + 1, d - timedelta(days=1)
    d = around
    while run <= MAX_DAYS_OFF and not is_working_day(d + timedelta(days=1), table)[0]:
        run, d = run + 1, d + timedelta(days=1)
    return run


def _check_runs(table: HolidayTable, days: list[date], field: str) -> None:
    for day in days:
        if _longest_run_off(table, day) > MAX_DAYS_OFF:
            raise BadUserInput(f"连续休息将超过 {MAX_DAYS_OFF} 天({day.isoformat()} 前后),请核对通知",
                               f"That makes more than {MAX_DAYS_OFF} days off in a row around {day.isoformat()}; check the notice",
                               field=field)


async def set_day(session: AsyncSession, actor: Actor | None, *, day: date, is_workday: bool, name: str) -> Day:
    """Enter one day: a holiday (is_workday False, with its name) or a make-up working day."""
    actor = common.require_admin(actor)
    table = await _table(session)
    name = _check_day(day, is_workday, name, table)
    table.set(day, is_workday, name)
    _check_runs(table, [day], "date")
    row = await session.get(Holiday, day, with_for_update=True)
    before = None if row is None else f"{'workday' if row.is_workday else 'off'} {row.name}"
    if row is None:
        session.add(Holiday(day=day, is_workday=is_workday, name=name))
        await common.flush_unique(session, "该日期刚被他人录入,请刷新后重试", "Someone entered that day just now; reload", "date")
    else:
        row.is_workday, row.name = is_workday, name
    common.audit(session, actor, common.HOLIDAY_CHANGED, f"Holiday:{day.isoformat()}",
                 f"{before or 'none'} → {'workday' if is_workday else 'off'} {name}")
    return Day(day, is_workday, name, "TABLE")


async def remove_day(session: AsyncSession, actor: Actor | None, *, day: date) -> None:
    """Drop ADMIN's entry for a day: the package (or weekends) decide it again."""
    actor = common.require_admin(actor)
    row = await session.get(Holiday, day, with_for_update=True)
    if row is None:
        raise NotFound(f"节假日表中没有 {day.isoformat()}", f"The holiday table has no entry for {day.isoformat()}", field="date")
    table = await _table(session)
    table.remove(day)
    _check_runs(table, [day], "date")
    await session.delete(row)
    common.audit(session, actor, common.HOLIDAY_CHANGED, f"Holiday:{day.isoformat()}",
                 f"removed {'workday' if row.is_workday else 'off'} {row.name}")


async def mark_year(session: AsyncSession, actor: Actor | None, *, year: int, entered: bool) -> None:
    """Say the year's notice is (or is not yet) completely entered. Entered years are no longer
    estimated: a date not in the table is then a plain weekday or weekend day."""
    actor = common.require_admin(actor)
    _check_year(year)
    row = await session.get(HolidayYear, year, with_for_update=True)
    if entered and row is None:
        session.add(HolidayYear(year=year))
    elif not entered and row is not None:
        await session.delete(row)
    else:
        return
    common.audit(session, actor, common.HOLIDAY_CHANGED, f"HolidayYear:{year}", "entered" if entered else "not entered")


async def enter_year(session: AsyncSession, actor: Actor | None, *, year: int, days: list[tuple[date, bool, str]]) -> None:
    """Replace the year's entries with the notice's days and mark the year entered (one unit of
    work: the table never holds half a notice)."""
    actor = common.require_admin(actor)
    _check_year(year)
    if len(days) > MAX_DAYS_A_YEAR:
        raise BadUserInput(f"一年最多 {MAX_DAYS_A_YEAR} 条", f"At most {MAX_DAYS_A_YEAR} days a year", field="days")
    seen: set[date] = set()
    for day, _, _ in days:
        if day.year != year:
            raise BadUserInput(f"{day.isoformat()} 不在 {year} 年", f"{day.isoformat()} is not in {year}", field="days")
        if day in seen:
            raise BadUserInput(f"{day.isoformat()} 重复", f"{day.isoformat()} is given twice", field="days")
        seen.add(day)
    table = await _table(session)
    table.entries = {d: e for d, e in table.entries.items() if d.year != year}
    checked = []
    for day, is_workday, name in sorted(days):
        name = _check_day(day, is_workday, name, table, field="days")
        checked.append((day, is_workday, name))
    for day, is_workday, name in checked:
        table.set(day, is_workday, name)
    _check_runs(table, [d for d, w, _ in checked if not w], "days")
    await session.execute(delete(Holiday).where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31)))
    session.add_all([Holiday(day=d, is_workday=w, name=n) for d, w, n in checked])
    if await session.get(HolidayYear, year) is None:
        session.add(HolidayYear(year=year))
    off = sum(1 for _, w, _ in checked if not w)
    common.audit(session, actor, common.HOLIDAY_CHANGED, f"HolidayYear:{year}",
                 f"entered notice: {off} days off, {len(checked) - off} make-up working days")
