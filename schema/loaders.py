"""DataLoaders, one set per operation. Each batch opens its own short connection, so sibling
resolvers that graphql-core runs concurrently never share a connection or session."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, Table, select
from strawberry.dataloader import DataLoader

from db import direct
from db.engine import Database
from db.keys import in_keys
from db.models import (
    Assignment,
    Building,
    Category,
    Community,
    CoTask,
    CoTaskEvent,
    CoTaskPartner,
    CoTaskRequest,
    Department,
    DualReportService,
    Grid,
    PartnerUnit,
    Photo,
    Request,
    RequestReporter,
    Resident,
    ResponsibilityField,
    Street,
    StreetSection,
    Subcategory,
    User,
    UserScope,
)


# Each loader's statement is built once per process, its keys a parameter: building a SELECT and
# its cache key again for every batch cost ~0.1–0.2 ms, a third of a small batch's CPU.
@functools.cache
def _by_id_statement(table: Table, dialect: str) -> Select[Any]:
    return select(table).where(in_keys(table.c.id, "keys", dialect))


@functools.cache
def _children_statement(table: Table, parent_column: str, order_by: tuple[str, ...], dialect: str) -> Select[Any]:
    order = [table.c[o] for o in order_by or ("id",)]
    return select(table).where(in_keys(table.c[parent_column], "keys", dialect)).order_by(*order)


def _by_id(db: Database, table: Table) -> DataLoader[int, Any]:
    stmt = _by_id_statement(table, db.dialect)

    async def load(keys: Sequence[int]) -> list[Any]:
        async with db.read() as conn:
            rows = await direct.rows(conn, stmt, {"keys": list(set(keys))}, named=True)
        found = {row.id: row for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _children(db: Database, table: Table, parent_column: str, *order_by: str) -> DataLoader[int, list[Any]]:
    """Rows of `table` per parent id, ordered by `order_by` (default: id)."""
    stmt = _children_statement(table, parent_column, order_by, db.dialect)

    async def load(keys: Sequence[int]) -> list[list[Any]]:
        async with db.read() as conn:
            rows = await direct.rows(conn, stmt, {"keys": list(set(keys))}, named=True)
        grouped: dict[int, list[Any]] = {k: [] for k in keys}
        for row in rows:
            grouped[getattr(row, parent_column)].append(row)
        return [grouped[k] for k in keys]

    return DataLoader(load_fn=load)


class _Lazy:
    """A DataLoader made on first use: an operation touches a few of the thirty, and every
    operation used to build them all (measured for issue #10: 2 % of a wall query's CPU)."""

    def __init__(self, make: Any) -> None:
        self.make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, loaders: Any, owner: type) -> Any:
        if loaders is None:
            return self
        made = loaders.__dict__[self.name] = self.make(loaders.db)  # cached: later reads skip the descriptor
        return made


def _t(model: Any) -> Table:
    return model.__table__


class Loaders:
    street = _Lazy(lambda db: _by_id(db, _t(Street)))
    street_section = _Lazy(lambda db: _by_id(db, _t(StreetSection)))
    community = _Lazy(lambda db: _by_id(db, _t(Community)))
    grid = _Lazy(lambda db: _by_id(db, _t(Grid)))
    field = _Lazy(lambda db: _by_id(db, _t(ResponsibilityField)))
    building = _Lazy(lambda db: _by_id(db, _t(Building)))
    resident = _Lazy(lambda db: _by_id(db, _t(Resident)))
    department = _Lazy(lambda db: _by_id(db, _t(Department)))
    partner_unit = _Lazy(lambda db: _by_id(db, _t(PartnerUnit)))
    category = _Lazy(lambda db: _by_id(db, _t(Category)))
    subcategory = _Lazy(lambda db: _by_id(db, _t(Subcategory)))
    user = _Lazy(lambda db: _by_id(db, _t(User)))
    sections_of_street = _Lazy(lambda db: _children(db, _t(StreetSection), "street_id"))
    subcategories_of_category = _Lazy(lambda db: _children(db, _t(Subcategory), "category_id", "position"))
    fields_of_grid = _Lazy(lambda db: _children(db, _t(ResponsibilityField), "grid_id"))
    leader_of_building = _Lazy(lambda db: _children(db, _t(Resident), "leads_building_id"))
    head_of_field = _Lazy(lambda db: _children(db, _t(Resident), "heads_field_id"))
    scopes_of_user = _Lazy(lambda db: _children(db, _t(UserScope), "user_id"))
    request = _Lazy(lambda db: _by_id(db, _t(Request)))
    assignments_of_request = _Lazy(lambda db: _children(db, _t(Assignment), "request_id"))
    reporters_of_request = _Lazy(lambda db: _children(db, _t(RequestReporter), "request_id"))
    photos_of_request = _Lazy(lambda db: _children(db, _t(Photo), "request_id"))
    co_task = _Lazy(lambda db: _by_id(db, _t(CoTask)))
    parts_of_task = _Lazy(lambda db: _children(db, _t(CoTaskPartner), "task_id"))
    requests_of_task = _Lazy(lambda db: _children(db, _t(CoTaskRequest), "task_id"))
    events_of_task = _Lazy(lambda db: _children(db, _t(CoTaskEvent), "task_id", "seq"))
    services_of_dual_report = _Lazy(lambda db: _children(db, _t(DualReportService), "dual_report_id", "served_on"))

    def __init__(self, db: Database) -> None:
        self.db = db
