"""Who sees which requests, and how much of the people in them (SPEC §3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from db.models import Assignment, Request, StreetSection
from resolvers.access import PersonalView
from resolvers.actor import Actor
from resolvers.requests.open_set import probe
from resolvers.roles import Role, ScopeKind

# Not the third-party EVALUATOR: it records survey answers and field scores (SPEC §3) and reads
# the evaluation, not residents' requests.
SEES_ALL = frozenset({Role.CENTER_DISPATCHER, Role.DISTRICT_LEADER, Role.ADMIN})

R = Request.__table__
A = Assignment.__table__


def _assigned_to(kind: str, ids: Any, bounded: bool) -> ColumnElement[bool]:
    # Over the whole history: an uncorrelated IN over the unit's assignments (index
    # ix_assignment_unit_request), not a correlated EXISTS per request row — on a year of data the
    # latter made SQLite scan for seconds. Over a bounded set of rows (the open requests): one
    # probe a row, which does not grow with the unit's history (open_set.py).
    if bounded:
        return probe(select(A.c.id).where(A.c.request_id == R.c.id, A.c.unit_kind == kind, A.c.unit_id.in_(ids)))
    return R.c.id.in_(select(A.c.request_id).where(A.c.unit_kind == kind, A.c.unit_id.in_(ids)))


def visible(actor: Actor | None, *, bounded: bool = False) -> ColumnElement[bool]:
    """A WHERE clause over `request` for what the actor may see; false for nobody-sees.

    `bounded`: the statement also keeps to the open requests (`open_set.is_open`), so the
    assignment conditions are per-row probes instead of hashes of a unit's whole history."""
    if actor is None:
        return false()
    if actor.role in SEES_ALL:
        return true()
    conditions: list[ColumnElement[bool]] = [R.c.reporter_user_id == actor.user_id]
    if actor.role is Role.STREET_OFFICER:
        streets = actor.ids(ScopeKind.STREET)
        sections = set(actor.ids(ScopeKind.SECTION))
        if streets:
            conditions.append(R.c.street_id.in_(streets))
            conditions.append(_assigned_to("STREET", streets, bounded))
            conditions.append(_assigned_to(
                "SECTION", select(StreetSection.__table__.c.id).where(StreetSection.__table__.c.street_id.in_(streets)), bounded))
        if sections:
            conditions.append(_assigned_to("SECTION", sections, bounded))
    elif actor.role is Role.COMMUNITY_WORKER:
        conditions.append(R.c.community_id.in_(actor.ids(ScopeKind.COMMUNITY)))
    elif actor.role is Role.GRID_WORKER:
        conditions.append(R.c.grid_id.in_(actor.ids(ScopeKind.GRID)))
        conditions.append(_assigned_to("GRID", actor.ids(ScopeKind.GRID), bounded))
    elif actor.role is Role.DEPARTMENT_HANDLER:
        conditions.append(_assigned_to("DEPARTMENT", actor.ids(ScopeKind.DEPARTMENT), bounded))
    elif actor.role is Role.PARTNER:
        return false()  # partners reach requests only through their co-building tasks
    return or_(*conditions)


def implied(actor: Actor | None, *, department_id: int | None = None, street_id: int | None = None,
            community_id: int | None = None, grid_id: int | None = None) -> bool:
    """Whether a filter on one of the actor's own units already keeps to what `visible(actor)`
    allows, so the visibility condition can be left out of the statement: a department's
    history, for its handler, is then one probe of the department's assignments per row instead
    of that AND a hash of all of them (107,346 at ten years of data)."""
    if actor is None or actor.role is Role.PARTNER:
        return False
    if actor.role in SEES_ALL:
        return True
    if actor.role is Role.DEPARTMENT_HANDLER:
        return department_id is not None and department_id in actor.ids(ScopeKind.DEPARTMENT)
    if actor.role is Role.STREET_OFFICER:
        return street_id is not None and street_id in actor.ids(ScopeKind.STREET)
    if actor.role is Role.COMMUNITY_WORKER:
        return community_id is not None and community_id in actor.ids(ScopeKind.COMMUNITY)
    if actor.role is Role.GRID_WORKER:
        return grid_id is not None and grid_id in actor.ids(ScopeKind.GRID)
    return False


def visible_in_memory(actor: Actor | None, request: Any, assignments: Iterable[Any], section_street: Mapping[int, int]) -> bool:
    """`visible()` evaluated on rows already read: the live fan-out reads each event's request and
    assignments once and decides for every subscriber in memory (schema/fanout.py). Keep the two in
    step — tests/test_fanout.py checks that they agree. `section_street` maps the SECTION units
    named in `assignments` to their street."""
    if actor is None or actor.role is Role.PARTNER:
        return False  # SQL: false() for partners, even for what they reported themselves
    if actor.role in SEES_ALL:
        return True
    if request.reporter_user_id is not None and request.reporter_user_id == actor.user_id:
        return True
    assignments = list(assignments)

    def assigned(kind: str, ids: frozenset[int]) -> bool:
        return any(a.unit_kind == kind and a.unit_id in ids for a in assignments)

    if actor.role is Role.STREET_OFFICER:
        streets, sections = actor.ids(ScopeKind.STREET), actor.ids(ScopeKind.SECTION)
        if streets and (request.street_id in streets or assigned("STREET", streets) or any(
                a.unit_kind == "SECTION" and section_street.get(a.unit_id) in streets for a in assignments)):
            return True
        return bool(sections) and assigned("SECTION", sections)
    if actor.role is Role.COMMUNITY_WORKER:
        return request.community_id in actor.ids(ScopeKind.COMMUNITY)
    if actor.role is Role.GRID_WORKER:
        grids = actor.ids(ScopeKind.GRID)
        return request.grid_id in grids or assigned("GRID", grids)
    if actor.role is Role.DEPARTMENT_HANDLER:
        return assigned("DEPARTMENT", actor.ids(ScopeKind.DEPARTMENT))
    return False


def personal_view(actor: Actor | None, request: Any, handler: bool) -> PersonalView | None:
    """How the reporter's name and phone show on this request: WHOLE for the center and the
    request's current handlers, MASKED for everyone else who sees it, None for partners and
    anonymous residents (the person a complaint is about never learns who reported it)."""
    if actor is None or actor.role is Role.PARTNER:
        return None
    if actor.role is Role.CENTER_DISPATCHER or handler:
        return PersonalView.WHOLE
    return PersonalView.MASKED


def handler_condition(actor: Actor) -> ColumnElement[bool]:
    """Requests whose active assignment is held by the actor's unit."""
    if actor.role is Role.DEPARTMENT_HANDLER:
        return and_(A.c.unit_kind == "DEPARTMENT", A.c.unit_id.in_(actor.ids(ScopeKind.DEPARTMENT)))
    if actor.role is Role.STREET_OFFICER:
        return or_(and_(A.c.unit_kind == "STREET", A.c.unit_id.in_(actor.ids(ScopeKind.STREET))),
                   and_(A.c.unit_kind == "SECTION", A.c.unit_id.in_(
                       select(StreetSection.__table__.c.id).where(StreetSection.__table__.c.street_id.in_(actor.ids(ScopeKind.STREET))))))
    if actor.role is Role.COMMUNITY_WORKER:
        return and_(A.c.unit_kind == "COMMUNITY", A.c.unit_id.in_(actor.ids(ScopeKind.COMMUNITY)))
    if actor.role is Role.GRID_WORKER:
        return and_(A.c.unit_kind == "GRID", A.c.unit_id.in_(actor.ids(ScopeKind.GRID)))
    return false()
