"""Follow-up cadence reports (SPEC §5.5): 一天一跟进、一周一调度、一月一督考、一季一总结.

Plain async functions over an `AsyncConnection`: SQLAlchemy Core selects on the model tables, no
ORM objects, no GraphQL. Each returns a `Report` that `resolvers.reports.export` writes as CSV or
Excel. The league tables of SPEC §7 are meant to build on the same helpers.

Conventions (SPEC §9):

* Times are stored in UTC. Reporting periods are local (Asia/Shanghai) days, weeks (Mon–Sun),
  months and quarters, converted to aware UTC instants and always half-open: ``[start, end)``.
* Datetimes inside ``Report.rows`` are aware and already converted to Asia/Shanghai; the CSV
  export writes them as local ``YYYY-MM-DD HH:MM`` strings, the Excel export as Excel datetimes.
* Rows carry machine codes (``state``, ``scope``, ``channel``…); a `Column` may carry a
  ``labels`` map that the exports use to show the Chinese word instead.
* Rates are fractions 0–1 rounded to 4 decimals (``None`` when the denominator is 0 — "no rate",
  not 0% or 100%); hours are rounded to 1 decimal.
* Every figure is traceable: the rows keep the ids behind them (``request_id``, ``unit_id``…)
  as extra keys that the exports do not print.

A `ReportScope` restricts a report to what a street, community, department or street section
may see (the same rule as `resolvers.requests.visibility`); ``scope=None`` is district-wide, and
an empty `ReportScope()` sees nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from db.base import utcnow
from db.models import (
    Assignment,
    Category,
    Community,
    Department,
    Grid,
    Request,
    RequestEvent,
    Street,
    StreetSection,
)
from resolvers.calendar import LOCAL_TZ
from resolvers.requests.common import STATE_ZH
from resolvers.requests.vocab import OPEN, Channel, EventKind, Scope, State, UnitKind
from resolvers.roles import Role, ScopeKind

__all__ = [
    "CHANNEL_ZH",
    "Column",
    "DUE_KIND_ZH",
    "Report",
    "ReportScope",
    "SCOPE_ZH",
    "UNIT_KIND_ZH",
    "daily_followup",
    "day_period",
    "month_period",
    "monthly_supervision",
    "quarter_period",
    "quarterly_summary",
    "week_period",
    "weekly_dispatch",
]

R = Request.__table__
A = Assignment.__table__
E = RequestEvent.__table__

OPEN_STATES = frozenset(s.value for s in OPEN)
RESOLVED_STATES = frozenset({State.RESOLVED.value, State.CLOSED.value})
NOT_COUNTED_STATES = frozenset({State.MERGED.value, State.REJECTED.value})

# ---------------------------------------------------------------------------------------------
# Words shown to people.

SCOPE_ZH: dict[str, str] = {Scope.MAJOR.value: "大事", Scope.MINOR.value: "小事", Scope.PRIVATE.value: "私事"}
CHANNEL_ZH: dict[str, str] = {
    Channel.BUILDING_LEADER.value: "楼长收集",
    Channel.GRID_WORKER.value: "网格员走访",
    Channel.SNAPSHOT.value: "随手拍",
    Channel.HOTLINE.value: "社区热线",
    Channel.SERVICE_STATION.value: "民需服务站",
    Channel.MAILBOX.value: "民情速递箱",
    Channel.QR_CODE.value: "民情二维码",
    Channel.MEETING.value: "议事会",
    Channel.CITY_HOTLINE.value: "市民热线",
}
DUE_KIND_ZH: dict[str, str] = {
    "TRIAGE": "分类", "RESPONSE": "响应", "REDISPATCH": "二次分流", "DECISION": "裁定",
    "RESOLVE": "办结", "PROGRESS": "进展反馈",
}
# Pseudo units for supervision items nobody but the center or the district can be blamed for.
CENTER = "CENTER"
DISTRICT = "DISTRICT"
CENTER_NAME = "区基层治理智慧呼应中心"
DISTRICT_NAME = "区委区政府"
UNIT_KIND_ZH: dict[str, str] = {
    UnitKind.DEPARTMENT.value: "区直部门", UnitKind.STREET.value: "街道", UnitKind.SECTION.value: "街道科室",
    UnitKind.COMMUNITY.value: "社区", UnitKind.GRID.value: "网格", UnitKind.BUILDING_LEADER.value: "楼长",
    UnitKind.PEACEMAKER.value: "和事佬", UnitKind.VOLUNTEER_TEAM.value: "志愿服务队",
    UnitKind.SOCIAL_ORG.value: "社会组织", CENTER: "呼应中心", DISTRICT: "区委区政府",
}
DIMENSION_ZH: dict[str, str] = {"TOTAL": "合计", "CHANNEL": "渠道", "SCOPE": "分流类型", "CATEGORY": "类别", "STREET": "街道"}

# Units that are rows of an organisation table; the other kinds are people or teams named only
# by the assignment's label (unit_id 0 or a place id), so the label is part of their identity.
_ORG_TABLES = {
    UnitKind.DEPARTMENT.value: Department.__table__,
    UnitKind.STREET.value: Street.__table__,
    UnitKind.SECTION.value: StreetSection.__table__,
    UnitKind.COMMUNITY.value: Community.__table__,
    UnitKind.GRID.value: Grid.__table__,
}

# ---------------------------------------------------------------------------------------------
# Report shape.


@dataclass(frozen=True)
class Column:
    """One column of a report.

    ``kind`` tells the exports how to write the value: ``text``, ``int``, ``float`` (with
    ``decimals``), ``percent`` (a 0–1 fraction) or ``datetime`` (aware; written in local time).
    ``labels`` maps machine codes in the rows to the Chinese words the exports show.
    """

    key: str
    label_zh: str
    kind: str = "text"
    label_en: str = ""
    labels: Mapping[str, str] | None = field(default=None, hash=False, compare=False)
    decimals: int = 1

    def display(self, value: Any) -> Any:
        if self.labels is not None and isinstance(value, str):
            return self.labels.get(value, value)
        return value


@dataclass
class Table:
    """A further table of a report: its own title, columns and rows (and no totals)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    sheet_title: str = ""

    @property
    def sheet_name(self) -> str:
        name = self.sheet_title or self.title
        for ch in "[]:*?/\\":
            name = name.replace(ch, "-")
        return name.strip("'")[:31] or "table"


@dataclass
class Report:
    """A finished report: a title, its local period as UTC instants, a table and a totals row."""

    kind: str
    title: str
    title_en: str
    period_start: datetime
    period_end: datetime
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None
    period_label: str = ""
    sheet_title: str = ""
    # The instant the figures describe (e.g. a past week's end, or now for the running week).
    as_of: datetime | None = None
    generated_at: datetime = field(default_factory=utcnow)
    # Further tables of the same period (the league table and the overdue items per unit, added
    # by `add_league_tables`); the Excel export writes each on a sheet of its own.
    tables: list[Table] = field(default_factory=list)

    @property
    def sheet_name(self) -> str:
        """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``."""
        name = self.sheet_title or self.title
        for ch in "[]:*?/\\":
            name = name.replace(ch, "-")
        return name.strip("'")[:31] or "report"

    @property
    def heading(self) -> str:
        """The title line with the period, for the Excel title row."""
        return f"{self.title}({self.period_label},北京时间)" if self.period_label else self.title


# ---------------------------------------------------------------------------------------------
# Periods: local calendar units → aware UTC instants, half-open.


def _local_midnight(d: date) -> datetime:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return datetime.combine(d, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def day_period(day: date) -> tuple[datetime, datetime]:
    """The local day ``[00:00, next 00:00)`` in UTC."""
    return _local_midnight(day), _local_midnight(day + timedelta(days=1))


def week_period(week_start: date) -> tuple[datetime, datetime]:
    """The local week Monday 00:00 to the next Monday 00:00 containing ``week_start``, in UTC."""
    monday = week_start - timedelta(days=week_start.weekday())
    return _local_midnight(monday), _local_midnight(monday + timedelta(days=7))


def month_period(year: int, month: int) -> tuple[datetime, datetime]:
    if not 1 <= month <= 12:
        raise ValueError("month must be 1–12")
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return _local_midnight(date(year, month, 1)), _local_midnight(nxt)


def quarter_period(year: int, quarter: int) -> tuple[datetime, datetime]:
    if not 1 <= quarter <= 4:
        raise ValueError("quarter must be 1–4")
    first = date(year, 3 * quarter - 2, 1)
    nxt = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return _local_midnight(first), _local_midnight(nxt)


def _aware_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: every time must carry a timezone")
    return dt.astimezone(UTC)


def _local(dt: datetime | None) -> datetime | None:
    return dt.astimezone(LOCAL_TZ) if dt is not None else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _rate(num: float, den: int) -> float | None:
    return round(num / den, 4) if den else None


# ---------------------------------------------------------------------------------------------
# Scope.


@dataclass(frozen=True)
class ReportScope:
    """What a report may include; ``None`` in place of a scope means district-wide.

    A request is in scope if it lies in one of ``street_ids`` or ``community_ids``, or was ever
    assigned to one of the ``department_ids`` / ``section_ids`` (or to one of the streets or their
    sections) — the rule of `resolvers.requests.visibility`. Per-unit reports (weekly, monthly)
    show a unit's row for a request in the streets/communities, and otherwise only the rows of
    the scope's own units: a department sees its own figures, not those of the units it handed
    an item on to. An empty scope sees nothing.
    """

    street_ids: frozenset[int] = frozenset()
    community_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    section_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        for name in ("street_ids", "community_ids", "department_ids", "section_ids"):
            object.__setattr__(self, name, frozenset(int(i) for i in getattr(self, name) or ()))

    @classmethod
    def for_actor(cls, actor: Any) -> ReportScope | None:
        """The scope of a signed-in `Actor`: None for district-wide roles, the actor's streets and
        sections for a street officer, communities for a community worker, departments for a
        department handler; nothing for other roles."""
        if actor.district_wide:
            return None
        if actor.role is Role.STREET_OFFICER:
            return cls(street_ids=actor.ids(ScopeKind.STREET), section_ids=actor.ids(ScopeKind.SECTION))
        if actor.role is Role.COMMUNITY_WORKER:
            return cls(community_ids=actor.ids(ScopeKind.COMMUNITY))
        if actor.role is Role.DEPARTMENT_HANDLER:
            return cls(department_ids=actor.ids(ScopeKind.DEPARTMENT))
        return cls()


def _assigned_to(kind: str, ids: Iterable[int]) -> ColumnElement[bool]:
    return exists(select(A.c.id).where(A.c.request_id == R.c.id, A.c.unit_kind == kind, A.c.unit_id.in_(sorted(ids))))


def _request_condition(scope: ReportScope | None) -> ColumnElement[bool]:
    """A WHERE clause over `request` for the requests in scope."""
    if scope is None:
        return true()
    conds: list[ColumnElement[bool]] = []
    if scope.street_ids:
        streets = sorted(scope.street_ids)
        S = StreetSection.__table__
        conds += [
            R.c.street_id.in_(streets),
            _assigned_to(UnitKind.STREET.value, streets),
            exists(select(A.c.id).where(
                A.c.request_id == R.c.id, A.c.unit_kind == UnitKind.SECTION.value,
                A.c.unit_id.in_(select(S.c.id).where(S.c.street_id.in_(streets))),
            )),
        ]
    if scope.community_ids:
        conds.append(R.c.community_id.in_(sorted(scope.community_ids)))
    if scope.department_ids:
        conds.append(_assigned_to(UnitKind.DEPARTMENT.value, scope.department_ids))
    if scope.section_ids:
        conds.append(_assigned_to(UnitKind.SECTION.value, scope.section_ids))
    return or_(*conds) if conds else false()


class _UnitScope:
    """Python-side scope check for per-unit rows (see `ReportScope`)."""

    def __init__(self, scope: ReportScope | None, section_street: dict[int, int]) -> None:
        self.scope = scope
        self.section_street = section_street

    @classmethod
    async def load(cls, conn: AsyncConnection, scope: ReportScope | None) -> _UnitScope:
        section_street: dict[int, int] = {}
        if scope is not None and scope.street_ids:
            S = StreetSection.__table__
            rows = await conn.execute(select(S.c.id, S.c.street_id).where(S.c.street_id.in_(sorted(scope.street_ids))))
            section_street = {r.id: r.street_id for r in rows}
        return cls(scope, section_street)

    def allows(self, street_id: int | None, community_id: int | None, unit_kind: str, unit_id: int) -> bool:
        s = self.scope
        if s is None:
            return True
        if street_id in s.street_ids or community_id in s.community_ids:
            return True
        if unit_kind == UnitKind.DEPARTMENT.value:
            return unit_id in s.department_ids
        if unit_kind == UnitKind.STREET.value:
            return unit_id in s.street_ids
        if unit_kind == UnitKind.SECTION.value:
            return unit_id in s.section_ids or unit_id in self.section_street
        return False


# ---------------------------------------------------------------------------------------------
# Units.

UnitKey = tuple[str, int, str]  # (unit_kind, unit_id, label for units named only by a label)


def _unit_key(kind: str, unit_id: int, label: str | None) -> UnitKey:
    return (kind, unit_id, "") if kind in _ORG_TABLES or kind in (CENTER, DISTRICT) else (kind, unit_id, label or "")


async def _org_names(conn: AsyncConnection, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, uid in keys:
        if kind in _ORG_TABLES:
            wanted[kind].add(uid)
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        t = _ORG_TABLES[kind]
        for row in await conn.execute(select(t.c.id, t.c.name).where(t.c.id.in_(sorted(ids)))):
            names[(kind, row.id)] = row.name
    return names


def _unit_label(key: UnitKey, names: Mapping[tuple[str, int], str]) -> str:
    kind, uid, label = key
    if kind == CENTER:
        return CENTER_NAME
    if kind == DISTRICT:
        return DISTRICT_NAME
    if kind in _ORG_TABLES:
        return names.get((kind, uid)) or f"{UNIT_KIND_ZH.get(kind, kind)}#{uid}"
    return label or UNIT_KIND_ZH.get(kind, kind)


@dataclass
class _Lead:
    id: int
    request_id: int
    unit_kind: str
    unit_id: int
    label: str
    assigned_at: datetime


def _lead_at(leads: list[_Lead], at: datetime) -> _Lead | None:
    """The lead in charge at `at`: the latest LEAD assignment made at or before it (leads sorted)."""
    current = None
    for lead in leads:
        if lead.assigned_at <= at:
            current = lead
        else:
            break
    return current


async def _leads_by_request(conn: AsyncConnection, request_ids_query: Any) -> dict[int, list[_Lead]]:
    rows = await conn.execute(
        select(A.c.id, A.c.request_id, A.c.unit_kind, A.c.unit_id, A.c.assignee_label, A.c.assigned_at)
        .where(A.c.role == "LEAD", A.c.request_id.in_(request_ids_query))
        .order_by(A.c.request_id, A.c.assigned_at, A.c.id)
    )
    out: dict[int, list[_Lead]] = defaultdict(list)
    for r in rows:
        out[r.request_id].append(_Lead(r.id, r.request_id, r.unit_kind, r.unit_id, r.assignee_label, r.assigned_at))
    return out


# ---------------------------------------------------------------------------------------------
# 一天一跟进 — daily follow-up list.

_DAILY_COLUMNS = [
    Column("tracking_code", "查询码", label_en="Tracking code"),
    Column("title", "诉求标题", label_en="Title"),
    Column("state", "状态", label_en="State", labels=STATE_ZH),
    Column("scope", "分流类型", label_en="Scope", labels=SCOPE_ZH),
    Column("lead_unit", "牵头单位", label_en="Lead unit"),
    Column("street", "街道", label_en="Street"),
    Column("community", "社区", label_en="Community"),
    Column("due_at", "时限", "datetime", label_en="Due at"),
    Column("due_kind", "时限类型", label_en="Deadline of", labels=DUE_KIND_ZH),
    Column("overdue_hours", "超期小时数", "float", label_en="Hours overdue"),
]


async def daily_followup(conn: AsyncConnection, day: date, *, now: datetime, scope: ReportScope | None = None) -> Report:
    """一天一跟进 — the follow-up list for local day `day`, as of `now`.

    Every open request (state not CLOSED, MERGED, REJECTED or RESOLVED) whose current deadline
    ``due_at`` is already past at `now` (overdue) or falls before the end of `day` (due today),
    most overdue first. Columns:

    * ``tracking_code`` 查询码 — the request's tracking code (also ``request_id`` in the row).
    * ``title`` 诉求标题 — the request's title.
    * ``state`` 状态 — current state (code; exported in Chinese).
    * ``scope`` 分流类型 — MAJOR / MINOR / PRIVATE (大事/小事/私事), empty before triage.
    * ``lead_unit`` 牵头单位 — the unit of the active LEAD assignment (a community or grid with
      the named assignee in brackets, e.g. a tier-B handler); empty while nobody is assigned.
    * ``street`` 街道, ``community`` 社区 — where the request lies.
    * ``due_at`` 时限 — the deadline of the current step, Asia/Shanghai local time.
    * ``due_kind`` 时限类型 — which step the deadline is for (分类/响应/二次分流/裁定/办结/进展反馈).
    * ``overdue_hours`` 超期小时数 — hours from ``due_at`` to `now`, 1 decimal, 0 if not yet due.

    The period is the local day ``[00:00, next 00:00)``; ``as_of`` is `now`.
    """
    now = _aware_utc(now)
    start, end = day_period(day)
    cutoff = max(now, end)
    lead = A.alias("lead")
    S, C = Street.__table__, Community.__table__
    stmt = (
        select(
            R.c.id, R.c.tracking_code, R.c.title, R.c.state, R.c.scope, R.c.due_at, R.c.due_kind,
            R.c.street_id, R.c.community_id, S.c.name.label("street"), C.c.name.label("community"),
            lead.c.id.label("lead_id"), lead.c.unit_kind, lead.c.unit_id, lead.c.assignee_label,
        )
        .select_from(
            R.outerjoin(S, S.c.id == R.c.street_id)
            .outerjoin(C, C.c.id == R.c.community_id)
            .outerjoin(lead, (lead.c.request_id == R.c.id) & lead.c.active.is_(True) & (lead.c.role == "LEAD"))
        )
        .where(
            R.c.state.in_(sorted(OPEN_STATES)),
            R.c.due_at.is_not(None),
            R.c.due_at < cutoff,
            _request_condition(scope),
        )
        .order_by(R.c.due_at, R.c.tracking_code, lead.c.id)
    )
    fetched = (await conn.execute(stmt)).all()
    # At most one active lead per request; should the data ever hold two, keep the newest.
    by_request: dict[int, Any] = {}
    for r in fetched:
        by_request[r.id] = r
    names = await _org_names(conn, [(r.unit_kind, r.unit_id) for r in by_request.values() if r.unit_kind])
    rows = []
    for r in by_request.values():
        lead_unit = ""
        if r.unit_kind:
            key = _unit_key(r.unit_kind, r.unit_id, r.assignee_label)
            lead_unit = _unit_label(key, names)
            if r.unit_kind in (UnitKind.COMMUNITY.value, UnitKind.GRID.value) and r.assignee_label and r.assignee_label != lead_unit:
                lead_unit = f"{lead_unit}({r.assignee_label})"
        rows.append({
            "request_id": r.id,
            "tracking_code": r.tracking_code,
            "title": r.title,
            "state": r.state,
            "scope": r.scope,
            "lead_unit": lead_unit,
            "lead_unit_kind": r.unit_kind,
            "lead_unit_id": r.unit_id,
            "street": r.street or "",
            "street_id": r.street_id,
            "community": r.community or "",
            "community_id": r.community_id,
            "due_at": _local(r.due_at),
            "due_kind": r.due_kind,
            "overdue_hours": round(max(0.0, _hours(now - r.due_at)), 1),
        })
    rows.sort(key=lambda row: (row["due_at"], row["tracking_code"]))
    return Report(
        kind="daily_followup",
        title="一天一跟进·每日跟进清单",
        title_en="Daily follow-up list",
        period_start=start,
        period_end=end,
        columns=list(_DAILY_COLUMNS),
        rows=rows,
        totals=None,
        period_label=day.isoformat(),
        sheet_title=f"每日跟进 {day.isoformat()}",
        as_of=now,
    )


# ---------------------------------------------------------------------------------------------
# 一周一调度 — weekly dispatch summary.

_COUNT_KEYS = ("dispatched", "accepted", "disputed", "resolved", "open", "overdue")
_WEEKLY_COLUMNS = [
    Column("unit_kind", "单位类型", label_en="Unit kind", labels=UNIT_KIND_ZH),
    Column("unit", "牵头单位", label_en="Lead unit"),
    Column("dispatched", "派单数", "int", label_en="Dispatched"),
    Column("accepted", "已受理", "int", label_en="Accepted"),
    Column("disputed", "提出异议", "int", label_en="Disputed"),
    Column("resolved", "本周办结", "int", label_en="Resolved this week"),
    Column("open", "仍在办理", "int", label_en="Still open"),
    Column("overdue", "超期", "int", label_en="Overdue"),
]


async def weekly_dispatch(
    conn: AsyncConnection, week_start: date, *, scope: ReportScope | None = None, now: datetime | None = None
) -> Report:
    """一周一调度 — what each lead unit was given in the local week (Mon 00:00 – next Mon 00:00)
    containing `week_start`, and where it stands.

    The figures are as of ``as_of`` = the week's end, or `now` (default: the current time) while
    the week is still running, and are reconstructed from the assignments and the event log so a
    past week's report does not change later. One row per lead unit (``unit_kind`` + ``unit_id``;
    people and teams without a unit row are told apart by their label); every count is of LEAD
    assignments made in the week (co-handlers are not counted):

    * ``unit_kind`` 单位类型, ``unit`` 牵头单位 — the unit (its name; ``unit_id`` in the row).
    * ``dispatched`` 派单数 — LEAD assignments made to the unit in the week (a request sent to the
      same unit twice counts twice).
    * ``accepted`` 已受理 — of those, accepted by ``as_of`` (tier A/B/C minor matters are accepted
      when classified).
    * ``disputed`` 提出异议 — of those, disputed by ``as_of``.
    * ``resolved`` 本周办结 — of those, resolved within the week (a RESOLVED event in the week,
      up to ``as_of``, while this assignment was the request's lead).
    * ``open`` 仍在办理 — of those, still with the unit and not resolved at ``as_of`` (neither
      disputed nor handed on, and the request in an open state).
    * ``overdue`` 超期 — of the open ones, those past a deadline at ``as_of``: the unnoticed
      response deadline, the resolution deadline, or the request's current step deadline.

    Rows are sorted by ``dispatched`` (most first), then unit name; ``totals`` sums the rows.
    """
    now = _aware_utc(now or utcnow())
    start, end = week_period(week_start)
    monday = _local(start).date()
    closed = now >= end
    as_of = end if closed else now

    def upto(at: datetime) -> bool:
        return at < as_of if closed else at <= as_of

    week_ids = select(A.c.request_id).where(A.c.role == "LEAD", A.c.assigned_at >= start, A.c.assigned_at < end)
    rows = (await conn.execute(
        select(
            A.c.id, A.c.request_id, A.c.unit_kind, A.c.unit_id, A.c.assignee_label, A.c.status, A.c.active,
            A.c.assigned_at, A.c.response_due_at, A.c.responded_at, A.c.resolve_due_at,
            R.c.state, R.c.street_id, R.c.community_id, R.c.due_at, R.c.resolve_due_at.label("request_resolve_due_at"),
        )
        .join(R, R.c.id == A.c.request_id)
        .where(A.c.role == "LEAD", A.c.request_id.in_(week_ids))
        .order_by(A.c.request_id, A.c.assigned_at, A.c.id)
    )).all()
    leads: dict[int, list[_Lead]] = defaultdict(list)
    for r in rows:
        leads[r.request_id].append(_Lead(r.id, r.request_id, r.unit_kind, r.unit_id, r.assignee_label, r.assigned_at))

    ev_stmt = select(E.c.request_id, E.c.kind, E.c.at, E.c.to_state).where(E.c.request_id.in_(week_ids))
    if closed:
        ev_stmt = ev_stmt.where(E.c.at < as_of)
    state_at: dict[int, str] = {}
    resolved_ids: set[int] = set()
    for ev in await conn.execute(ev_stmt.order_by(E.c.seq)):
        if not upto(ev.at):
            continue
        if ev.to_state:
            state_at[ev.request_id] = ev.to_state
        if ev.kind == EventKind.RESOLVED.value and ev.at >= start:
            lead = _lead_at(leads[ev.request_id], ev.at)
            if lead is not None:
                resolved_ids.add(lead.id)

    unit_scope = await _UnitScope.load(conn, scope)
    agg: dict[UnitKey, dict[str, int]] = {}
    for r in rows:
        if not (start <= r.assigned_at < end and upto(r.assigned_at)):
            continue
        if not unit_scope.allows(r.street_id, r.community_id, r.unit_kind, r.unit_id):
            continue
        responded = r.responded_at is not None and upto(r.responded_at)
        accepted = responded and r.status in ("ACCEPTED", "DONE")
        disputed = responded and r.status == "DISPUTED"
        in_charge = (lead := _lead_at(leads[r.request_id], as_of)) is not None and lead.id == r.id
        state = state_at.get(r.request_id, r.state)
        still_open = in_charge and not disputed and state in OPEN_STATES
        overdue = False
        if still_open:
            if r.response_due_at is not None and not responded and r.response_due_at < as_of:
                overdue = True
            resolve_due = (r.request_resolve_due_at if r.active else None) or r.resolve_due_at
            if resolve_due is not None and resolve_due < as_of:
                overdue = True
            # The request's current clock belongs to this assignment only while it is active;
            # a deadline set after `as_of` lies after it, so this never back-dates an overdue.
            if r.active and r.due_at is not None and r.due_at < as_of:
                overdue = True
        counts = agg.setdefault(_unit_key(r.unit_kind, r.unit_id, r.assignee_label), dict.fromkeys(_COUNT_KEYS, 0))
        counts["dispatched"] += 1
        counts["accepted"] += accepted
        counts["disputed"] += disputed
        counts["resolved"] += r.id in resolved_ids
        counts["open"] += still_open
        counts["overdue"] += overdue

    names = await _org_names(conn, [(k[0], k[1]) for k in agg])
    out = []
    for key, counts in agg.items():
        out.append({"unit_kind": key[0], "unit_id": key[1], "unit": _unit_label(key, names), **counts})
    out.sort(key=lambda row: (-row["dispatched"], row["unit"], row["unit_kind"], row["unit_id"]))
    totals = {"unit_kind": "", "unit": "合计", **{k: sum(row[k] for row in out) for k in _COUNT_KEYS}}
    sunday = monday + timedelta(days=6)
    return Report(
        kind="weekly_dispatch",
        title="一周一调度·每周派单调度汇总",
        title_en="Weekly dispatch summary",
        period_start=start,
        period_end=end,
        columns=list(_WEEKLY_COLUMNS),
        rows=out,
        totals=totals,
        period_label=f"{monday.isoformat()} 至 {sunday.isoformat()}",
        sheet_title=f"每周调度 {monday.isoformat()}",
        as_of=as_of,
    )


# ---------------------------------------------------------------------------------------------
# 一月一督考 — monthly supervision report.

MAX_CODES = 20
_MONTHLY_COUNT_KEYS = ("items", "overdue_events", "resolved", "open", "ended")
_MONTHLY_COLUMNS = [
    Column("unit_kind", "单位类型", label_en="Unit kind", labels=UNIT_KIND_ZH),
    Column("unit", "责任单位", label_en="Responsible unit"),
    Column("items", "督办件数", "int", label_en="Supervised items"),
    Column("overdue_events", "超期次数", "int", label_en="Times overdue"),
    Column("resolved", "已办结", "int", label_en="Since resolved"),
    Column("open", "仍未办结", "int", label_en="Still open"),
    Column("ended", "已合并或驳回", "int", label_en="Merged or rejected"),
    Column("tracking_codes", "督办件查询码", label_en="Tracking codes"),
]


def _responsible(to_state: str | None, request: Any, leads: list[_Lead], at: datetime) -> UnitKey:
    """Whose lapse an OVERDUE event at `at` is, from the state the request was in:
    awaiting triage or dispatch — the center; awaiting a community's tier or assignee — the
    community; awaiting second dispatch or escalation — the request's street; awaiting the
    district's decision — the district; otherwise the lead in charge at that moment."""
    st = to_state or request.state
    if st == State.SUBMITTED.value:
        return (CENTER, 0, "")
    if st == State.TRIAGED.value:
        if request.scope in (Scope.MINOR.value, Scope.PRIVATE.value) and request.community_id:
            return (UnitKind.COMMUNITY.value, request.community_id, "")
        return (CENTER, 0, "")
    if st == State.DISPUTED.value and request.street_id:
        return (UnitKind.STREET.value, request.street_id, "")
    if st == State.ESCALATED.value:
        return (DISTRICT, 0, "")
    lead = _lead_at(leads, at)
    if lead is None:
        return (CENTER, 0, "")
    return _unit_key(lead.unit_kind, lead.unit_id, lead.label)


async def monthly_supervision(conn: AsyncConnection, year: int, month: int, *, scope: ReportScope | None = None) -> Report:
    """一月一督考 — the supervision list (挂牌督办) of local month `year`-`month`, per unit.

    An item is a request with at least one OVERDUE event in the month. Each OVERDUE event is
    charged to the unit responsible at that moment (see `_responsible`: the lead unit in charge,
    or the center / the community / the street / the district while the item waits on them), so
    one item can appear under two units. Columns:

    * ``unit_kind`` 单位类型, ``unit`` 责任单位 — the unit charged (``unit_id`` in the row).
    * ``items`` 督办件数 — distinct requests charged to the unit in the month.
    * ``overdue_events`` 超期次数 — OVERDUE events charged to the unit in the month.
    * ``resolved`` 已办结 — of the items, those resolved or closed now (at generation time).
    * ``open`` 仍未办结 — of the items, those still open now.
    * ``ended`` 已合并或驳回 — of the items, those since merged or rejected
      (``items = resolved + open + ended``).
    * ``tracking_codes`` 督办件查询码 — the items' tracking codes, sorted, comma separated, at most
      20 (then "…"); ``request_ids`` in the row lists them all.

    Sorted by ``items`` (most first). ``totals`` counts distinct requests, so it can be less than
    the column sums when an item was overdue with two units.
    """
    start, end = month_period(year, month)
    in_month = (E.c.kind == EventKind.OVERDUE.value) & (E.c.at >= start) & (E.c.at < end)
    events = (await conn.execute(
        select(E.c.request_id, E.c.at, E.c.to_state, R.c.tracking_code, R.c.state, R.c.scope, R.c.street_id, R.c.community_id)
        .join(R, R.c.id == E.c.request_id)
        .where(in_month)
        .order_by(E.c.seq)
    )).all()
    leads = await _leads_by_request(conn, select(E.c.request_id).where(in_month))
    unit_scope = await _UnitScope.load(conn, scope)

    per_unit: dict[UnitKey, dict[str, Any]] = {}
    item_state: dict[int, tuple[str, str]] = {}
    for ev in events:
        key = _responsible(ev.to_state, ev, leads.get(ev.request_id, []), ev.at)
        if not unit_scope.allows(ev.street_id, ev.community_id, key[0], key[1]):
            continue
        entry = per_unit.setdefault(key, {"requests": set(), "events": 0})
        entry["requests"].add(ev.request_id)
        entry["events"] += 1
        item_state[ev.request_id] = (ev.tracking_code, ev.state)

    def bucket(state: str) -> str:
        if state in RESOLVED_STATES:
            return "resolved"
        if state in OPEN_STATES:
            return "open"
        return "ended"

    def figures(request_ids: set[int]) -> dict[str, Any]:
        counts = {"items": len(request_ids), "resolved": 0, "open": 0, "ended": 0}
        for rid in request_ids:
            counts[bucket(item_state[rid][1])] += 1
        codes = sorted(item_state[rid][0] for rid in request_ids)
        text = ", ".join(codes[:MAX_CODES]) + (", …" if len(codes) > MAX_CODES else "")
        return {**counts, "tracking_codes": text, "request_ids": sorted(request_ids)}

    names = await _org_names(conn, [(k[0], k[1]) for k in per_unit])
    rows = []
    for key, entry in per_unit.items():
        rows.append({
            "unit_kind": key[0], "unit_id": key[1], "unit": _unit_label(key, names),
            "overdue_events": entry["events"], **figures(entry["requests"]),
        })
    rows.sort(key=lambda row: (-row["items"], row["unit"], row["unit_kind"], row["unit_id"]))
    totals = {"unit_kind": "", "unit": "合计", "overdue_events": sum(r["overdue_events"] for r in rows), **figures(set(item_state))}
    return Report(
        kind="monthly_supervision",
        title="一月一督考·每月督办考核报告",
        title_en="Monthly supervision report",
        period_start=start,
        period_end=end,
        columns=list(_MONTHLY_COLUMNS),
        rows=rows,
        totals=totals,
        period_label=f"{year}年{month}月",
        sheet_title=f"每月督考 {year}-{month:02d}",
        as_of=None,
    )


# ---------------------------------------------------------------------------------------------
# 一季一总结 — quarterly summary.

_QUARTERLY_COLUMNS = [
    Column("dimension", "维度", label_en="Dimension", labels=DIMENSION_ZH),
    Column("key", "代码", label_en="Code"),
    Column("label", "名称", label_en="Name"),
    Column("count", "诉求数", "int", label_en="Requests"),
    Column("valid", "有效件数", "int", label_en="Valid (not merged/rejected)"),
    Column("resolved", "已办结", "int", label_en="Resolved or closed"),
    Column("resolution_rate", "办结率", "percent", label_en="Resolution rate"),
    Column("timed", "有办结时限的已办结件", "int", label_en="Resolved with a deadline"),
    Column("on_time", "按时办结", "int", label_en="Resolved on time"),
    Column("on_time_rate", "按时办结率", "percent", label_en="On-time rate"),
    Column("avg_resolve_hours", "平均办结用时(小时)", "float", label_en="Average hours to resolve"),
    Column("rated", "评价数", "int", label_en="Rated"),
    Column("satisfaction_rate", "满意率", "percent", label_en="Satisfaction rate"),
]


class _Tally:
    __slots__ = ("count", "valid", "resolved", "timed", "on_time", "hours", "with_time", "rated", "rating_sum")

    def __init__(self) -> None:
        self.count = self.valid = self.resolved = self.timed = self.on_time = self.with_time = self.rated = 0
        self.hours = 0.0
        self.rating_sum = 0.0

    def add(self, r: Any) -> None:
        self.count += 1
        if r.state in NOT_COUNTED_STATES:
            return
        self.valid += 1
        if r.state in RESOLVED_STATES:
            self.resolved += 1
            if r.resolved_at is not None:
                self.with_time += 1
                self.hours += _hours(r.resolved_at - r.created_at)
                if r.resolve_due_at is not None:
                    self.timed += 1
                    self.on_time += r.resolved_at <= r.resolve_due_at
        if r.rating is not None:
            self.rated += 1
            self.rating_sum += r.rating

    def figures(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "valid": self.valid,
            "resolved": self.resolved,
            "resolution_rate": _rate(self.resolved, self.valid),
            "timed": self.timed,
            "on_time": self.on_time,
            "on_time_rate": _rate(self.on_time, self.timed),
            "avg_resolve_hours": round(self.hours / self.with_time, 1) if self.with_time else None,
            "rated": self.rated,
            "satisfaction_rate": _rate(self.rating_sum, self.rated),
        }


async def quarterly_summary(conn: AsyncConnection, year: int, quarter: int, *, scope: ReportScope | None = None) -> Report:
    """一季一总结 — requests created in local quarter `quarter` of `year`, summed up by channel,
    triage scope, category and street, with the overall figures first (dimension TOTAL).

    One table; each row is a group (``dimension`` + ``key``). Figures are as of generation time
    (a request created in the quarter and resolved after it counts as resolved). Columns:

    * ``dimension`` 维度 — TOTAL / CHANNEL / SCOPE / CATEGORY / STREET (合计/渠道/分流类型/类别/街道).
    * ``key`` 代码 — the channel, scope or category code, or the street code ("" if none).
    * ``label`` 名称 — its Chinese name (未分类 / 未定位 when the request has none yet).
    * ``count`` 诉求数 — requests created in the quarter, merged and rejected included.
    * ``valid`` 有效件数 — of those, not merged and not rejected.
    * ``resolved`` 已办结 — of the valid ones, resolved or closed now.
    * ``resolution_rate`` 办结率 — resolved / valid.
    * ``timed`` 有办结时限的已办结件 — resolved ones that carry a resolution deadline.
    * ``on_time`` 按时办结 — of those, resolved at or before the deadline (``resolved_at ≤
      resolve_due_at``).
    * ``on_time_rate`` 按时办结率 — on_time / timed.
    * ``avg_resolve_hours`` 平均办结用时(小时) — mean hours from creation to resolution of the
      resolved ones, 1 decimal.
    * ``rated`` 评价数 — valid requests with a rating.
    * ``satisfaction_rate`` 满意率 — mean rating (满意 1, 基本满意 0.5, 不满意 0) of the rated ones.

    Rates are 0–1 fractions (4 decimals), None when their denominator is 0. Groups appear in
    their natural order (channel list, scope, category position, street id), empty ones left out.
    """
    start, end = quarter_period(year, quarter)
    Cat, S = Category.__table__, Street.__table__
    rows = (await conn.execute(
        select(
            R.c.channel, R.c.scope, R.c.category_id, R.c.street_id, R.c.state, R.c.created_at, R.c.resolved_at,
            R.c.resolve_due_at, R.c.rating,
            Cat.c.code.label("category_code"), Cat.c.name.label("category_name"), Cat.c.position.label("category_position"),
            S.c.code.label("street_code"), S.c.name.label("street_name"),
        )
        .select_from(R.outerjoin(Cat, Cat.c.id == R.c.category_id).outerjoin(S, S.c.id == R.c.street_id))
        .where(R.c.created_at >= start, R.c.created_at < end, _request_condition(scope))
    )).all()

    total = _Tally()
    groups: dict[tuple[str, Any], tuple[tuple[Any, ...], str, str, _Tally]] = {}
    channel_order = {c.value: i for i, c in enumerate(Channel)}
    scope_order = {s.value: i for i, s in enumerate(Scope)}

    def tally(dimension: str, ident: Any, order: tuple[Any, ...], key: str, label: str) -> _Tally:
        entry = groups.get((dimension, ident))
        if entry is None:
            entry = groups[(dimension, ident)] = (order, key, label, _Tally())
        return entry[3]

    for r in rows:
        total.add(r)
        tally("CHANNEL", r.channel, (0, channel_order.get(r.channel, 99), r.channel), r.channel, CHANNEL_ZH.get(r.channel, r.channel)).add(r)
        tally("SCOPE", r.scope, (1, scope_order.get(r.scope, 99) if r.scope else 99), r.scope or "",
              SCOPE_ZH.get(r.scope, r.scope) if r.scope else "未分类").add(r)
        tally("CATEGORY", r.category_id, (2, r.category_position if r.category_id else 10**6, r.category_id or 0),
              r.category_code or "", r.category_name or "未分类").add(r)
        tally("STREET", r.street_id, (3, r.street_id or 10**9), r.street_code or "", r.street_name or "未定位").add(r)

    out = [{"dimension": "TOTAL", "key": "", "label": "全部诉求", **total.figures()}]
    for (dimension, _ident), (order, key, label, t) in sorted(groups.items(), key=lambda kv: kv[1][0]):
        out.append({"dimension": dimension, "key": key, "label": label, **t.figures()})
    first_month = 3 * quarter - 2
    return Report(
        kind="quarterly_summary",
        title="一季一总结·季度工作总结",
        title_en="Quarterly summary",
        period_start=start,
        period_end=end,
        columns=list(_QUARTERLY_COLUMNS),
        rows=out,
        totals=None,
        period_label=f"{year}年第{quarter}季度({first_month}–{first_month + 2}月)",
        sheet_title=f"季度总结 {year}Q{quarter}",
        as_of=None,
    )


# ---------------------------------------------------------------------------------------------
# League tables (SPEC §7, 台账式管理): per-unit KPI ranking and the overdue (挂牌督办) items per unit,
# for the period of any of the four reports.

_LEAGUE_COLUMNS = [
    Column("rank", "名次", "int", label_en="Rank"),
    Column("unit_kind", "单位类型", label_en="Unit kind", labels=UNIT_KIND_ZH),
    Column("unit", "单位", label_en="Unit"),
    Column("score", "考核得分", "int", label_en="KPI score"),
    Column("deducted", "扣分", "int", label_en="Points deducted"),
    Column("late_responses", "响应不及时", "int", label_en="Late responses"),
    Column("refused_resolutions", "解决不合理", "int", label_en="Resolutions refused"),
    Column("unsatisfied_ratings", "群众不满意", "int", label_en="Unsatisfied ratings"),
    Column("response_rate", "响应率", "percent", label_en="Response rate"),
    Column("acceptance_rate", "承办率", "percent", label_en="Acceptance rate"),
    Column("completion_rate", "办结率", "percent", label_en="Completion rate"),
    Column("satisfaction_rate", "满意率", "percent", label_en="Satisfaction rate"),
    Column("overdue_items", "挂牌督办件数", "int", label_en="Overdue items"),
]
_OVERDUE_COLUMNS = [
    Column("unit_kind", "单位类型", label_en="Unit kind", labels=UNIT_KIND_ZH),
    Column("unit", "责任单位", label_en="Responsible unit"),
    Column("tracking_code", "查询码", label_en="Tracking code"),
    Column("title", "诉求标题", label_en="Title"),
    Column("state", "当前状态", label_en="State now", labels=STATE_ZH),
    Column("due_kind", "超期环节", label_en="Deadline missed", labels=DUE_KIND_ZH),
    Column("overdue_at", "挂牌时间", "datetime", label_en="Overdue since"),
    Column("times", "超期次数", "int", label_en="Times overdue"),
]


def _league_unit_ids(scope: ReportScope | None, kind: str, section_street: Mapping[int, int]) -> set[int] | None:
    """The KPI units of `kind` a scope may rank: all (None) district-wide; a department its own;
    a street its street and sections; a community none."""
    if scope is None:
        return None
    if kind == UnitKind.DEPARTMENT.value:
        return set(scope.department_ids)
    if kind == UnitKind.STREET.value:
        return set(scope.street_ids)
    return set(scope.section_ids) | set(section_street)


async def _overdue_by_unit(conn: AsyncConnection, report: Report, unit_scope: _UnitScope, now: datetime) -> dict[UnitKey, list[dict[str, Any]]]:
    """挂牌督办 items per responsible unit. For the daily list: its items overdue now, charged to
    the unit the request waits on now. For the other reports: every request with an OVERDUE event
    in the period, charged (per event) like the monthly report, with the first time and the count."""
    start, end = report.period_start, report.period_end
    cols = (R.c.id, R.c.tracking_code, R.c.title, R.c.state, R.c.scope, R.c.street_id, R.c.community_id)
    per_unit: dict[UnitKey, dict[int, dict[str, Any]]] = defaultdict(dict)
    if report.kind == "daily_followup":
        ids = sorted({row["request_id"] for row in report.rows if (row.get("overdue_hours") or 0) > 0})
        if not ids:
            return {}
        reqs = (await conn.execute(select(*cols, R.c.due_at, R.c.due_kind).where(R.c.id.in_(ids)))).all()
        leads = await _leads_by_request(conn, select(R.c.id).where(R.c.id.in_(ids)))
        for r in reqs:
            key = _responsible(r.state, r, leads.get(r.id, []), now)
            if unit_scope.allows(r.street_id, r.community_id, key[0], key[1]):
                per_unit[key][r.id] = {"request": r, "due_kind": r.due_kind, "overdue_at": r.due_at, "times": 1}
    else:
        in_period = (E.c.kind == EventKind.OVERDUE.value) & (E.c.at >= start) & (E.c.at < end)
        events = (await conn.execute(
            select(*cols, E.c.at, E.c.to_state, E.c.data).select_from(E.join(R, R.c.id == E.c.request_id))
            .where(in_period).order_by(E.c.seq)
        )).all()
        leads = await _leads_by_request(conn, select(E.c.request_id).where(in_period))
        for ev in events:
            key = _responsible(ev.to_state, ev, leads.get(ev.id, []), ev.at)
            if not unit_scope.allows(ev.street_id, ev.community_id, key[0], key[1]):
                continue
            entry = per_unit[key].get(ev.id)
            if entry is None:
                try:
                    due_kind = json.loads(ev.data or "{}").get("dueKind")
                except ValueError:
                    due_kind = None
                per_unit[key][ev.id] = {"request": ev, "due_kind": due_kind, "overdue_at": ev.at, "times": 1}
            else:
                entry["times"] += 1
    out: dict[UnitKey, list[dict[str, Any]]] = {}
    for key, items in per_unit.items():
        out[key] = sorted(items.values(), key=lambda i: (i["overdue_at"] or now, i["request"].tracking_code))
    return out


async def add_league_tables(conn: AsyncConnection, report: Report, *, scope: ReportScope | None = None,
                            now: datetime | None = None) -> Report:
    """Add to `report` (any of the four) two tables for its period, within `scope`:

    * ``league`` 单位排行榜 — every department, street and street section (those the scope may
      rank) with any KPI figure, deduction or overdue item in the period, ranked by
      `resolvers.kpi.formulas.league_ranks` (KPI score high to low; on an equal score fewer
      overdue items first; equal on both share a rank). The KPI columns are exactly those of
      `departmentKpis` for the same period (``resolvers.kpi.formulas``); ``overdue_items`` 挂牌督办件数
      counts the unit's rows in the second table.
    * ``overdue_by_unit`` 挂牌督办事项(按单位) — the overdue items of the period per responsible unit
      (any unit, the center and the district included), units with most items first.

    Rows keep ``unit_id`` and ``request_id`` for drilling down.
    """
    from resolvers.kpi.formulas import LeagueEntry, league_ranks, shown
    from resolvers.kpi.gather import KPI_UNIT_KINDS, gather, units_of
    from resolvers.kpi.rule_store import rules_for

    now = _aware_utc(now or utcnow())
    start, end = report.period_start, report.period_end
    unit_scope = await _UnitScope.load(conn, scope)
    overdue = await _overdue_by_unit(conn, report, unit_scope, now)
    rules = await rules_for(conn, report.period_start.astimezone(LOCAL_TZ).date())

    rows_by_key: dict[UnitKey, dict[str, Any]] = {}
    entries = []
    for kind in KPI_UNIT_KINDS:
        ids = _league_unit_ids(scope, kind, unit_scope.section_street)
        if ids is not None and not ids:
            continue
        units = await units_of(conn, kind, ids)
        facts = await gather(conn, units, start, end)
        for unit, k in facts.kpis(now, rules):
            key: UnitKey = (kind, unit.id, "")
            n_overdue = len(overdue.get(key, []))
            rates = (k.response, k.acceptance, k.completion, k.satisfaction)
            if not (any(r.items for r in rates) or k.deductions or n_overdue):
                continue
            rows_by_key[key] = {
                "unit_kind": kind, "unit_id": unit.id, "unit": unit.name, "score": k.score, "deducted": k.deducted,
                "late_responses": k.count("LATE_RESPONSE"), "refused_resolutions": k.count("REFUSED_RESOLUTION"),
                "unsatisfied_ratings": k.count("UNSATISFIED_RATING"),
                "response_rate": shown(k.response.value), "acceptance_rate": shown(k.acceptance.value),
                "completion_rate": shown(k.completion.value), "satisfaction_rate": shown(k.satisfaction.value),
                "overdue_items": n_overdue,
            }
            entries.append(LeagueEntry(key, unit.name, k.score, n_overdue))
    league = [{"rank": e.rank, **rows_by_key[e.key]} for e in league_ranks(entries)]  # type: ignore[index]

    names = await _org_names(conn, [(k[0], k[1]) for k in overdue])
    overdue_rows = []
    for key in sorted(overdue, key=lambda k: (-len(overdue[k]), _unit_label(k, names), k[0], k[1])):
        label = _unit_label(key, names)
        for item in overdue[key]:
            r = item["request"]
            overdue_rows.append({
                "unit_kind": key[0], "unit_id": key[1], "unit": label, "request_id": r.id, "tracking_code": r.tracking_code,
                "title": r.title, "state": r.state, "due_kind": item["due_kind"], "overdue_at": _local(item["overdue_at"]),
                "times": item["times"],
            })
    suffix = report.period_label or ""
    report.tables = [
        Table("league", "单位排行榜·考核得分与挂牌督办", list(_LEAGUE_COLUMNS), league, sheet_title=f"单位排行 {suffix}"),
        Table("overdue_by_unit", "挂牌督办事项(按责任单位)", list(_OVERDUE_COLUMNS), overdue_rows, sheet_title=f"挂牌督办 {suffix}"),
    ]
    return report
