from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Integer, Select, and_, exists, literal_column, or_, select, true

from db.base import utcnow
from db.models import Assignment as AssignmentModel
from db.models import Request as RequestModel
from resolvers.access import require_actor
from resolvers.errors import BadUserInput, NotFound
from resolvers.requests import totals
from resolvers.requests.classify import bigrams
from resolvers.requests.open_set import in_hand, is_open, probe
from resolvers.requests.visibility import SEES_ALL, handler_condition, implied, visible
from resolvers.requests.vocab import OPEN, Channel, Scope, State, Tier
from resolvers.roles import Role, ScopeKind
from schema.context import Info
from schema.ids import from_global_id
from schema.pagination import Connection, paginate
from schema.permissions import SignedIn
from schema.relations import by_id
from schema.request_access import load_visible
from schema.types.requests import (
    Channel as ChannelEnum,
)
from schema.types.requests import (
    PublicRequest,
    Request,
    RequestScope,
    RequestState,
    public_view,
)
from schema.types.requests import (
    Tier as TierEnum,
)

R = RequestModel.__table__
A = AssignmentModel.__table__


@strawberry.input(description="Filter requests; every given condition must hold.")
class RequestFilter:
    states: list[RequestState] | None = None
    scopes: list[RequestScope] | None = None
    tiers: list[TierEnum] | None = None
    channels: list[ChannelEnum] | None = None
    category_id: strawberry.ID | None = None
    subcategory_id: strawberry.ID | None = None
    street_id: strawberry.ID | None = None
    community_id: strawberry.ID | None = None
    grid_id: strawberry.ID | None = None
    department_id: strawberry.ID | None = strawberry.field(default=None, description="Requests ever assigned to this department.")
    overdue: bool | None = strawberry.field(default=None, description="Past the current deadline (挂牌督办) or not.")
    open: bool | None = strawberry.field(default=None, description="Not yet resolved, closed, merged or rejected.")
    created_after: datetime | None = None
    created_before: datetime | None = None
    text: str | None = strawberry.field(default=None, description="Words in the title or text; Chinese works (两字词 such as 噪音 too).")


_FILTER_FIELDS = tuple(f.name for f in dataclasses.fields(RequestFilter))


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    return None if gid is None else from_global_id(gid, type_name)[1]


def overdue_clause(now: datetime):  # noqa: ANN201
    return and_(is_open(), or_(R.c.overdue.is_(True), R.c.due_at < now))


def bounded(f: RequestFilter | None) -> bool:
    """The filter keeps to the open requests: assignment conditions become per-row probes."""
    return f is not None and f.open is True


def filter_implies_visibility(actor: Any, f: RequestFilter | None) -> bool:
    """The filter names one of the actor's own units: every row it keeps is visible to them."""
    return f is not None and implied(
        actor, department_id=_pk(f.department_id, "Department"), street_id=_pk(f.street_id, "Street"),
        community_id=_pk(f.community_id, "Community"), grid_id=_pk(f.grid_id, "Grid"))


def visibility(actor: Any, f: RequestFilter | None, *, open_only: bool = False) -> Any:
    """The WHERE clause of what the actor may see, left out where the filter implies it."""
    if filter_implies_visibility(actor, f):
        return true()
    return visible(actor, bounded=open_only or bounded(f))


def _unfiltered(f: RequestFilter | None) -> bool:
    return f is None or all(getattr(f, name) in (None, []) for name in _FILTER_FIELDS)


def apply_filter(stmt: Select, f: RequestFilter | None, *, open_only: bool = False) -> Select:
    """`open_only`: the statement already keeps to the open requests (the supervision list)."""
    if f is None:
        return stmt
    if f.states:
        stmt = stmt.where(R.c.state.in_([s.value for s in f.states]))
    if f.scopes:
        stmt = stmt.where(R.c.scope.in_([s.value for s in f.scopes]))
    if f.tiers:
        stmt = stmt.where(R.c.tier.in_([t.value for t in f.tiers]))
    if f.channels:
        stmt = stmt.where(R.c.channel.in_([c.value for c in f.channels]))
    for column, gid, type_name in (
        (R.c.category_id, f.category_id, "Category"), (R.c.subcategory_id, f.subcategory_id, "Subcategory"),
        (R.c.street_id, f.street_id, "Street"), (R.c.community_id, f.community_id, "Community"), (R.c.grid_id, f.grid_id, "Grid"),
    ):
        if (pk := _pk(gid, type_name)) is not None:
            stmt = stmt.where(column == pk)
    dept = _pk(f.department_id, "Department")
    if dept is not None:
        # The department as a literal, not a parameter: its share of the assignments ranges from
        # none to 4 %, and a prepared statement's generic plan, guessing an average share, drove
        # the largest department's history from all 107,346 of its assignments (0.75 s a page at
        # ten years, against 2 ms planned for the department itself). Departments are few (64).
        ever = select(A.c.id).where(A.c.request_id == R.c.id, A.c.unit_kind == "DEPARTMENT",
                                    A.c.unit_id == literal_column(str(int(dept)), Integer))
        stmt = stmt.where(probe(ever) if open_only or bounded(f) else exists(ever))
    now = utcnow()
    if f.overdue is not None:
        stmt = stmt.where(overdue_clause(now) if f.overdue else ~overdue_clause(now))
    if f.open is not None:
        # Ever assigned to a department: never untriaged, so its open rows are the ones in hand.
        stmt = stmt.where((in_hand() if dept is not None else is_open()) if f.open else ~is_open())
    if f.created_after is not None:
        stmt = stmt.where(R.c.created_at >= f.created_after)
    if f.created_before is not None:
        stmt = stmt.where(R.c.created_at < f.created_before)
    if f.text:
        terms = bigrams(f.text.strip())[:400].split()
        if not terms:
            raise BadUserInput("搜索词无效", "The search text has no searchable characters")
        for term in terms[:20]:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(R.c.search_terms.like(f"%{escaped}%", escape="\\"))
    return stmt


_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def filter_predicate(f: RequestFilter | None, *, sqlite: bool) -> Callable[[Any, Sequence[Any]], bool] | None:
    """`apply_filter` as a test on a request row and its assignments, for the live fan-out
    (schema/fanout.py), which reads each event's rows once and filters every subscription in
    memory. Same rules, same errors (raised here, at subscribe time), including SQL's NULL logic
    — a NULL column matches no condition, and NOT of unknown stays unknown — and SQLite's
    ASCII-case-insensitive LIKE. tests/test_fanout.py checks that both agree."""
    if f is None:
        return None
    tests: list[Callable[[Any, Sequence[Any]], bool]] = []
    for values, column in ((f.states, "state"), (f.scopes, "scope"), (f.tiers, "tier"), (f.channels, "channel")):
        if values:
            wanted = frozenset(v.value for v in values)
            tests.append(lambda r, a, c=column, w=wanted: getattr(r, c) in w)
    for column, gid, type_name in (
        ("category_id", f.category_id, "Category"), ("subcategory_id", f.subcategory_id, "Subcategory"),
        ("street_id", f.street_id, "Street"), ("community_id", f.community_id, "Community"), ("grid_id", f.grid_id, "Grid"),
    ):
        if (pk := _pk(gid, type_name)) is not None:
            tests.append(lambda r, a, c=column, pk=pk: getattr(r, c) == pk)
    if (dept := _pk(f.department_id, "Department")) is not None:
        tests.append(lambda r, a: any(x.unit_kind == "DEPARTMENT" and x.unit_id == dept for x in a))
    if f.overdue is not None:
        tests.append(lambda r, a: _overdue_sql(r, utcnow()) is f.overdue)  # True, or (for ~clause) False; never None
    if f.open is not None:
        open_states = frozenset(s.value for s in OPEN)
        tests.append(lambda r, a: (r.state in open_states) is f.open)
    for bound, after in ((f.created_after, True), (f.created_before, False)):
        if bound is not None:
            if bound.tzinfo is None:
                raise BadUserInput("时间须带时区", "Give times with a time zone offset")
            tests.append((lambda r, a, b=bound: r.created_at >= b) if after else (lambda r, a, b=bound: r.created_at < b))
    if f.text:
        terms = bigrams(f.text.strip())[:400].split()
        if not terms:
            raise BadUserInput("搜索词无效", "The search text has no searchable characters")
        terms = terms[:20]
        if sqlite:
            terms = [t.translate(_ASCII_FOLD) for t in terms]
            tests.append(lambda r, a: r.search_terms is not None and all(t in r.search_terms.translate(_ASCII_FOLD) for t in terms))
        else:
            tests.append(lambda r, a: r.search_terms is not None and all(t in r.search_terms for t in terms))
    return lambda row, assignments: all(t(row, assignments) for t in tests)


def _overdue_sql(row: Any, now: datetime) -> bool | None:
    """`overdue_clause` with SQL's three-valued logic: None where SQL yields NULL (no deadline)."""
    if row.state not in _OPEN_VALUES:
        return False
    if row.overdue is True:
        return True
    return None if row.due_at is None else row.due_at < now


_OPEN_VALUES = frozenset(s.value for s in OPEN)


PAGE = "Newest first; keyset pagination with `first`/`after` (at most 100)."


@strawberry.type(description="Request queries.")
class RequestQuery:
    @strawberry.field(description="One request by global ID; null when it does not exist or you may not see it.")
    @by_id(lambda args: from_global_id(args["id"], "Request"), lambda ctx, _type: ctx.actor is not None and ctx.actor.role in SEES_ALL)
    async def request(self, info: Info, id: strawberry.ID) -> Request | None:
        return await load_visible(info, from_global_id(id, "Request")[1])

    @strawberry.field(permission_classes=[SignedIn], description="Requests you may see, filtered. " + PAGE)
    async def requests(self, info: Info, filter: RequestFilter | None = None, first: int | None = None, after: str | None = None,
                       last: int | None = None, before: str | None = None) -> Connection[Request]:
        actor = require_actor(info.context.actor)
        stmt = apply_filter(select(R).where(visibility(actor, filter)), filter)
        # Everything, for someone who sees everything: the kept total, not a count of millions.
        whole = actor.role in SEES_ALL and _unfiltered(filter)
        return await paginate(info.context.db, stmt, [R.c.created_at, R.c.id], Request.from_row,
                              first=first, after=after, last=last, before=before, descending=True,
                              total=totals.all_requests if whole else None)

    @strawberry.field(permission_classes=[SignedIn], description=(
        "Your own work queue: the center's untriaged, undispatched and resolved-awaiting-close items; a unit's active "
        "assignments; a street's disputes to redispatch or escalate; a community's or grid's MINOR/PRIVATE items to "
        "classify; the district's escalations. " + PAGE))
    async def my_queue(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Request]:
        actor = require_actor(info.context.actor)
        stmt = select(R).where(queue_condition(actor))
        return await paginate(info.context.db, stmt, [R.c.created_at, R.c.id], Request.from_row, first=first, after=after, descending=True)

    @strawberry.field(permission_classes=[SignedIn], description="挂牌督办 — the supervision list: open requests past their deadline that you may see. " + PAGE)
    async def supervision_list(self, info: Info, filter: RequestFilter | None = None, first: int | None = None, after: str | None = None) -> Connection[Request]:
        actor = require_actor(info.context.actor)
        stmt = apply_filter(select(R).where(visibility(actor, filter, open_only=True), overdue_clause(utcnow())), filter, open_only=True)
        return await paginate(info.context.db, stmt, [R.c.created_at, R.c.id], Request.from_row, first=first, after=after, descending=True)

    @strawberry.field(description="Follow a request by its tracking code (anonymous): status, public assignee details, progress. NOT_FOUND for an unknown code.")
    async def request_by_tracking_code(self, info: Info, code: str) -> PublicRequest:
        async with info.context.db.read() as conn:
            row = (await conn.execute(select(R).where(R.c.tracking_code == code.strip().upper()))).first()
        if row is None:
            raise NotFound("查询码不存在,请核对后重试", "No request with this tracking code")
        return await public_view(info, row)


def queue_condition(actor):  # noqa: ANN001, ANN201
    # A unit's own items hold an active assignment, so they are in hand (open_set.in_hand).
    mine_active = exists(select(A.c.id).where(A.c.request_id == R.c.id, A.c.active.is_(True), A.c.status.in_(["PENDING", "ACCEPTED"]), handler_condition(actor)))
    if actor.role is Role.CENTER_DISPATCHER:
        return or_(R.c.state.in_(["SUBMITTED", "TRIAGED", "RESOLVED"]), and_(R.c.state == "REOPENED", R.c.scope == "MAJOR"))
    if actor.role is Role.DISTRICT_LEADER:
        return R.c.state == "ESCALATED"
    if actor.role is Role.STREET_OFFICER:
        return or_(and_(R.c.state == "DISPUTED", R.c.street_id.in_(actor.ids(ScopeKind.STREET))), and_(in_hand(), mine_active))
    if actor.role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER):
        place = R.c.community_id.in_(actor.ids(ScopeKind.COMMUNITY)) if actor.role is Role.COMMUNITY_WORKER else R.c.grid_id.in_(actor.ids(ScopeKind.GRID))
        return or_(and_(place, R.c.state.in_(["TRIAGED", "REOPENED"]), R.c.scope.in_(["MINOR", "PRIVATE"])),
                   and_(in_hand(), mine_active),
                   and_(place, R.c.state.in_(["ACCEPTED", "IN_PROGRESS", "DISPATCHED"]), R.c.scope.in_(["MINOR", "PRIVATE"])))
    if actor.role is Role.DEPARTMENT_HANDLER:
        return and_(in_hand(), mine_active)
    return R.c.reporter_user_id == actor.user_id
