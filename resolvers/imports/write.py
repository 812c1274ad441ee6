"""Writing a plan inside the caller's transaction: ids reserved per table, placeholders replaced,
then Core executemany inserts and updates in chunks — the bulk path db/seed.py and db/generate.py
use, ~20,000 rows in a second or two on SQLite and PostgreSQL, where one ORM object per row would
take tens of seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Building, Community, Grid, Resident, ResponsibilityField, Street, User, UserScope
from resolvers.imports.plan import Plan

CHUNK = 2000

# Table → (model table, columns an import may change on an existing row).
TABLES: dict[str, tuple[Table, tuple[str, ...]]] = {
    "street": (Street.__table__, ("code", "name_en")),
    "community": (Community.__table__, ("code", "name_en")),
    "grid": (Grid.__table__, ("name",)),
    "responsibility_field": (ResponsibilityField.__table__, ("name",)),
    "building": (Building.__table__, ("name", "address", "households", "grid_id", "field_id")),
    "resident": (Resident.__table__, ("room", "is_party_member", "leads_building_id")),
    "app_user": (User.__table__, ("display_name", "role")),
}
_INSERT_COLUMNS: dict[str, tuple[str, ...]] = {
    "street": ("id", "code", "name", "name_en"),
    "community": ("id", "code", "name", "name_en", "street_id"),
    "grid": ("id", "code", "name", "community_id"),
    "responsibility_field": ("id", "code", "name", "grid_id"),
    "building": ("id", "code", "name", "address", "households", "grid_id", "field_id", "community_id", "street_id", "qr_token"),
    "resident": ("id", "name", "phone", "building_id", "room", "is_party_member", "leads_building_id"),
    "app_user": ("id", "username", "display_name", "role"),
}
_FOREIGN = {"street_id", "community_id", "grid_id", "field_id", "building_id", "leads_building_id"}


async def reserve_ids(conn: AsyncConnection, table: Table, n: int) -> list[int]:
    """`n` fresh ids for `table`. PostgreSQL: from its sequence (safe beside other writers);
    SQLite: above the largest id, which the caller's write transaction (BEGIN IMMEDIATE) keeps ours."""
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = await conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"), {"t": table.name, "n": n}
        )
        return sorted(r[0] for r in rows)
    top = (await conn.execute(select(func.coalesce(func.max(table.c.id), 0)))).scalar_one()
    return list(range(top + 1, top + 1 + n))


class Writer:
    def __init__(self, conn: AsyncConnection, plan: Plan, password_hash: Callable[[str], Awaitable[str]],
                 progress: Callable[[int], None] | None = None) -> None:
        self.conn, self.plan, self.password_hash, self.progress = conn, plan, password_hash, progress
        self.ids: dict[int, int] = {}  # placeholder → real id
        self.done = 0

    def real(self, value: int | None) -> int | None:
        return self.ids[value] if value is not None and value < 0 else value

    async def _execute(self, stmt: Any, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            await self.conn.execute(stmt, part)
            self.done += len(part)
            if self.progress is not None:
                self.progress(self.done)

    async def run(self) -> None:
        plan = self.plan
        for name, (table, updatable) in TABLES.items():
            new = plan.new.get(name, [])
            for ref, real in zip(new, await reserve_ids(self.conn, table, len(new)), strict=True):
                self.ids[ref.id] = real
            changed = list(plan.changed.get(name, {}).values())
            if name == "resident":
                # Hand-overs of the building-leader role: clear before set (the column is unique).
                changed.sort(key=lambda r: r.leads_building_id is not None)
            if changed:
                stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in updatable})
                await self._execute(stmt, [{"_id": r.id, **{c: self._value(r, c) for c in updatable}} for r in changed])
            if new:
                rows = [{c: self._value(r, c) for c in _INSERT_COLUMNS[name]} for r in new]
                if name == "app_user":
                    for row, ref in zip(rows, new, strict=True):
                        row["password_hash"] = await self.password_hash(ref.username)
                        row["must_change_password"] = True  # the initial password went round in a CSV
                await self._execute(insert(table), rows)
        scopes = UserScope.__table__
        if plan.scope_deletes:
            await self._execute(delete(scopes).where(scopes.c.id == bindparam("_id")), [{"_id": i} for i in plan.scope_deletes])
        if plan.scope_inserts:
            await self._execute(insert(scopes), [
                {"user_id": self.real(user.id), "kind": kind, "ref_id": self.real(ref_id)} for user, kind, ref_id in plan.scope_inserts
            ])

    def _value(self, ref: Any, column: str) -> Any:
        if column == "id":
            return self.real(ref.id)
        value = getattr(ref, column)
        return self.real(value) if column in _FOREIGN else value


async def write(conn: AsyncConnection, plan: Plan, password_hash: Callable[[str], Awaitable[str]],
                progress: Callable[[int], None] | None = None) -> None:
    await Writer(conn, plan, password_hash, progress).run()
