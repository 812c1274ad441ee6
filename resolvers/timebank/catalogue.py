"""The catalogue of services and items a community's volunteers may redeem points for."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import CatalogueItem
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, NotFound
from resolvers.requests.common import require_text
from resolvers.timebank.access import require_worker
from resolvers.volunteers import community_or_404

ITEM_KINDS = ("SERVICE", "ITEM")
MAX_PRICE = 100_000  # 10,000 points
MAX_STOCK = 1_000_000


def _price(price: int) -> int:
    if not 1 <= price <= MAX_PRICE:
        raise BadUserInput("兑换价格须在 0.1 到 10000 积分之间", "price must be between 1 and 100000 tenths of a point")
    return price


def _stock(stock: int | None) -> int | None:
    if stock is not None and not 0 <= stock <= MAX_STOCK:
        raise BadUserInput("库存须在 0 到 1000000 之间", "stock must be between 0 and 1000000")
    return stock


async def _name_free(session: AsyncSession, community_id: int, name: str, except_id: int | None = None) -> None:
    stmt = select(CatalogueItem.id).where(CatalogueItem.community_id == community_id, CatalogueItem.name == name)
    if except_id is not None:
        stmt = stmt.where(CatalogueItem.id != except_id)
    if (await session.execute(stmt)).first() is not None:
        raise BadUserInput("本社区目录中已有同名项目", "The catalogue already has an item of that name")


async def add_item(session: AsyncSession, actor: Actor | None, *, community_id: int, name: str, kind: str, price: int,
                   description: str = "", stock: int | None = None) -> CatalogueItem:
    await community_or_404(session, community_id)
    require_worker(actor, community_id)
    name = require_text(name, "项目名称", "name", 64)
    if kind not in ITEM_KINDS:
        raise BadUserInput("项目类别无效(服务或物品)", "kind must be SERVICE or ITEM")
    await _name_free(session, community_id, name)
    position = (await session.execute(select(func.coalesce(func.max(CatalogueItem.position), 0)).where(
        CatalogueItem.community_id == community_id))).scalar_one() + 1
    item = CatalogueItem(community_id=community_id, name=name, kind=kind, description=(description or "").strip()[:2000],
                         price=_price(price), stock=_stock(stock), active=True, position=position, created_at=utcnow(), version=1)
    session.add(item)
    await session.flush()
    return item


async def update_item(session: AsyncSession, actor: Actor | None, item_id: int, *, version: int | None = None, name: str | None = None,
                      description: str | None = None, price: int | None = None, stock: int | None = None, unlimited_stock: bool = False,
                      active: bool | None = None) -> CatalogueItem:
    item = (await session.execute(select(CatalogueItem).where(CatalogueItem.id == item_id).with_for_update())).scalar_one_or_none()
    if item is None:
        raise NotFound("兑换项目不存在", "No such catalogue item")
    require_worker(actor, item.community_id)
    if version is not None and version != item.version:
        raise Conflict()
    if unlimited_stock and stock is not None:
        raise BadUserInput("不能同时设置库存和不限库存", "Give either stock or unlimitedStock, not both")
    if name is not None:
        name = require_text(name, "项目名称", "name", 64)
        await _name_free(session, item.community_id, name, except_id=item.id)
        item.name = name
    if description is not None:
        item.description = description.strip()[:2000]
    if price is not None:
        item.price = _price(price)
    if stock is not None:
        item.stock = _stock(stock)
    if unlimited_stock:
        item.stock = None
    if active is not None:
        item.active = active
    item.version += 1
    await session.flush()
    return item
