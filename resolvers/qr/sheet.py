"""What goes on a sticker sheet: the community or grid, checked against who asks, and its
buildings in the order a worker walks them (grid by grid, then building code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from db.models import Building, Community, Grid, Street
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, NotFound
from resolvers.qr.access import check_print_community, check_print_grid


@dataclass(frozen=True)
class SheetTarget:
    kind: str  # "COMMUNITY" or "GRID"
    id: int

    @staticmethod
    def of(community_id: int | None, grid_id: int | None) -> "SheetTarget":
        if (community_id is None) == (grid_id is None):
            raise BadUserInput("请选择一个社区或一个网格", "Give exactly one of communityId and gridId")
        return SheetTarget("COMMUNITY", community_id) if community_id is not None else SheetTarget("GRID", grid_id)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Sticker:
    building_id: int
    name: str
    address: str
    grid_name: str
    token: str


@dataclass(frozen=True)
class SheetHead:
    target: SheetTarget
    street: str
    community: str
    grid: str | None  # None on a community's sheet
    building_count: int

    @property
    def title(self) -> str:  # 福泰社区 / 福泰社区第1网格
        return self.grid or self.community

    @property
    def place(self) -> str:  # 幸福街道 · 福泰社区 [· 福泰社区第1网格]
        return " · ".join(p for p in (self.street, self.community, self.grid) if p)


@dataclass(frozen=True)
class Sheet:
    head: SheetHead
    stickers: list[Sticker]


async def sheet_head(conn: Any, actor: Actor | None, target: SheetTarget) -> SheetHead:
    """Where the sheet is for and how many codes it holds; raises unless `actor` may print it."""
    c, s, g, b = Community.__table__, Street.__table__, Grid.__table__, Building.__table__
    if target.kind == "COMMUNITY":
        row = (await conn.execute(
            select(c.c.id, c.c.name, s.c.name.label("street")).join(s, s.c.id == c.c.street_id).where(c.c.id == target.id)
        )).first()
        if row is None:
            raise NotFound("社区不存在", "No such community", field="communityId")
        check_print_community(actor, row.id)
        names, where = (row.street, row.name, None), b.c.community_id == row.id
    else:
        row = (await conn.execute(
            select(g.c.id, g.c.name, g.c.community_id, c.c.name.label("community"), s.c.name.label("street"))
            .join(c, c.c.id == g.c.community_id).join(s, s.c.id == c.c.street_id).where(g.c.id == target.id)
        )).first()
        if row is None:
            raise NotFound("网格不存在", "No such grid", field="gridId")
        check_print_grid(actor, row.id, row.community_id)
        names, where = (row.street, row.community, row.name), b.c.grid_id == row.id
    count = (await conn.execute(select(func.count()).select_from(b).where(where))).scalar_one()
    return SheetHead(target, *names, building_count=count)


async def load_sheet(conn: Any, actor: Actor | None, target: SheetTarget) -> Sheet:
    head = await sheet_head(conn, actor, target)
    b, g = Building.__table__, Grid.__table__
    column = b.c.community_id if target.kind == "COMMUNITY" else b.c.grid_id
    rows = (await conn.execute(
        select(b.c.id, b.c.name, b.c.address, b.c.qr_token, g.c.name.label("grid"))
        .join(g, g.c.id == b.c.grid_id).where(column == target.id).order_by(g.c.code, b.c.code, b.c.id)
    )).all()
    return Sheet(head=head, stickers=[Sticker(r.id, r.name, r.address, r.grid, r.qr_token) for r in rows])
