"""The taxonomy: 8 categories, 33 subcategories, with routing and default deadlines."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.context import Info
from schema.ids import to_global_id
from schema.types.node import Node
from schema.types.units import Department
from schema.relations import to_one


@strawberry.type(description="Default deadlines of a subcategory (SPEC §5.5), editable by ADMIN.")
class DeadlinePolicy:
    triage_minutes: int = strawberry.field(description="Center triage within this many minutes.")
    major_response_hours: int = strawberry.field(description="MAJOR: accept or dispute within these clock hours.")
    major_resolve_working_days: int = strawberry.field(description="MAJOR: resolve within these working days.")
    minor_a_hours: int = strawberry.field(description="MINOR tier A: done on site within these clock hours.")
    minor_c_progress_days: int = strawberry.field(description="MINOR tier C: a progress report at least every N days.")
    private_response_hours: int = strawberry.field(description="PRIVATE: respond within these clock hours.")


@strawberry.type(description="大类 — one of the 8 request categories.")
class Category(Node):
    code: str
    name: str
    name_en: str
    position: int
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Category:
        return cls(id=strawberry.ID(to_global_id("Category", row.id)), pk=row.id, code=row.code, name=row.name, name_en=row.name_en, position=row.position)

    @strawberry.field(description="The subcategories of this category, in order.")
    async def subcategories(self, info: Info) -> list[Subcategory]:
        return [Subcategory.from_row(r) for r in await info.context.loaders.subcategories_of_category.load(self.pk)]


@strawberry.type(description="小类 — one of the 33 subcategories, with its routing and default deadlines.")
class Subcategory(Node):
    code: str
    name: str
    name_en: str
    position: int
    keywords: list[str] = strawberry.field(description="Words in a request's text that suggest this subcategory.")
    deadlines: DeadlinePolicy
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Subcategory:
        return cls(
            id=strawberry.ID(to_global_id("Subcategory", row.id)), row=row,
            code=row.code, name=row.name, name_en=row.name_en, position=row.position,
            keywords=[k for k in row.keywords.split() if k],
            deadlines=DeadlinePolicy(
                triage_minutes=row.triage_minutes,
                major_response_hours=row.major_response_hours,
                major_resolve_working_days=row.major_resolve_working_days,
                minor_a_hours=row.minor_a_hours,
                minor_c_progress_days=row.minor_c_progress_days,
                private_response_hours=row.private_response_hours,
            ),
        )

    @strawberry.field(description="The category this subcategory belongs to.")
    @to_one("category", lambda self: self.row.category_id, lambda row: Category.from_row(row))
    async def category(self, info: Info) -> Category: ...

    @strawberry.field(description="Routing table: the department a MAJOR request of this kind goes to by default.")
    async def default_department(self, info: Info) -> Department | None:
        if self.row.default_department_id is None:
            return None
        return Department.from_row(await info.context.loaders.department.load(self.row.default_department_id))
