"""DataLoaders, one set per operation. Each batch opens its own short connection, so sibling
resolvers that graphql-core runs concurrently never share a connection or session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select
from strawberry.dataloader import DataLoader

from db.engine import Database
from db.models import (
    Building,
    Category,
    Community,
    Department,
    Grid,
    PartnerUnit,
    Resident,
    ResponsibilityField,
    Street,
    StreetSection,
    Subcategory,
    User,
    UserScope,
)
from db.models import Assignment, Photo, Request, RequestReporter
from db.models import CoTask, CoTaskEvent, CoTaskPartner, CoTaskRequest, DualReportService


def _by_id(db: Database, table: Table) -> DataLoader[int, Any]:
    async def load(keys: Sequence[int]) -> list[Any]:
        async with db.read() as conn:
            rows = (await conn.execute(select(table).where(table.c.id.in_(set(keys))))).all()
        found = {row.id: row for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _children(db: Database, table: Table, parent_column: str, *order_by: str) -> DataLoader[int, list[Any]]:
    """Rows of `table` per parent id, ordered by `order_by` (default: id)."""
    column = table.c[parent_column]
    order = [table.c[o] for o in order_by or ("id",)]

    async def load(keys: Sequence[int]) -> list[list[Any]]:
        async with db.read() as conn:
            rows = (
                await conn.execute(select(table).where(column.in_(set(keys))).order_by(*order))
            ).all()
        grouped: dict[int, list[Any]] = {k: [] for k in keys}
        for row in rows:
            grouped[getattr(row, parent_column)].append(row)
        return [grouped[k] for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, db: Database) -> None:
        t = lambda model: model.__table__  # noqa: E731
        self.street = _by_id(db, t(Street))
        self.street_section = _by_id(db, t(StreetSection))
        self.community = _by_id(db, t(Community))
        self.grid = _by_id(db, t(Grid))
        self.field = _by_id(db, t(ResponsibilityField))
        self.building = _by_id(db, t(Building))
        self.resident = _by_id(db, t(Resident))
        self.department = _by_id(db, t(Department))
        self.partner_unit = _by_id(db, t(PartnerUnit))
        self.category = _by_id(db, t(Category))
        self.subcategory = _by_id(db, t(Subcategory))
        self.user = _by_id(db, t(User))
        self.sections_of_street = _children(db, t(StreetSection), "street_id")
        self.subcategories_of_category = _children(db, t(Subcategory), "category_id", "position")
        self.fields_of_grid = _children(db, t(ResponsibilityField), "grid_id")
        self.leader_of_building = _children(db, t(Resident), "leads_building_id")
        self.head_of_field = _children(db, t(Resident), "heads_field_id")
        self.scopes_of_user = _children(db, t(UserScope), "user_id")
        self.request = _by_id(db, t(Request))
        self.assignments_of_request = _children(db, t(Assignment), "request_id")
        self.reporters_of_request = _children(db, t(RequestReporter), "request_id")
        self.photos_of_request = _children(db, t(Photo), "request_id")
        self.co_task = _by_id(db, t(CoTask))
        self.parts_of_task = _children(db, t(CoTaskPartner), "task_id")
        self.requests_of_task = _children(db, t(CoTaskRequest), "task_id")
        self.events_of_task = _children(db, t(CoTaskEvent), "task_id", "seq")
        self.services_of_dual_report = _children(db, t(DualReportService), "dual_report_id", "served_on")
