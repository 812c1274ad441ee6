"""Redeeming points for a catalogue item: by the volunteer (its own account) or by the community
worker on the volunteer's behalf. The balance never goes below zero, nor does the stock; an
idempotency key makes a retried redemption count once; concurrent redemptions of one account
are serialised on its row lock (see resolvers/timebank/ledger.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import CatalogueItem, Redemption, TimeBankAccount, Volunteer
from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Forbidden, InvalidTransition, NotFound
from resolvers.roles import Role
from resolvers.timebank import ledger
from resolvers.timebank.access import is_worker_of, own_volunteer

A = TimeBankAccount.__table__
I = CatalogueItem.__table__  # noqa: E741
R = Redemption.__table__
MAX_QUANTITY = 99


def _key(account_id: int, key: str) -> str:
    key = (key or "").strip()
    if not 8 <= len(key) <= 80:
        raise BadUserInput("幂等键须为 8 到 80 个字符", "idempotencyKey must be 8 to 80 characters")
    return f"redeem:{account_id}:{key}"


async def redeem(session: AsyncSession, actor: Actor | None, *, item_id: int, quantity: int, idempotency_key: str,
                 account_id: int | None = None) -> Any:
    """Returns the `redemption` row (the earlier one when the key was used before)."""
    actor = require_actor(actor)
    if actor.role is Role.VOLUNTEER:
        me = await own_volunteer(session, actor)
        if me is None:
            raise Forbidden("该账号未关联志愿者", "This login is not linked to a volunteer")
        mine = (await session.execute(select(A.c.id).where(A.c.volunteer_id == me.id))).scalar_one()
        if account_id is not None and account_id != mine:
            raise Forbidden("只能兑换本人的积分", "A volunteer redeems only from its own account")
        account_id = mine
    elif account_id is None:
        raise BadUserInput("请指定积分账户", "accountId is required")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise BadUserInput(f"兑换数量须在 1 到 {MAX_QUANTITY} 之间", f"quantity must be between 1 and {MAX_QUANTITY}")
    key = _key(account_id, idempotency_key)
    account = (await session.execute(select(A).where(A.c.id == account_id))).first()
    if account is None or account.kind != "VOLUNTEER":
        raise NotFound("积分账户不存在", "No such volunteer account")
    if actor.role is not Role.VOLUNTEER and not is_worker_of(actor, account.community_id):
        raise Forbidden("只有本社区工作人员可以代为兑换", "Only the community's own workers may redeem for a volunteer")

    # Lock order: the volunteer's account, then the item, then (in ledger.post) the system account.
    await ledger.lock_accounts(session, [account_id])
    earlier = await ledger.find_by_key(session, key)
    if earlier is not None:
        done = (await session.execute(select(R).where(R.c.entry_id == earlier))).first()
        if done.item_id != item_id or done.quantity != quantity:
            raise BadUserInput("该幂等键已用于另一笔兑换", "This idempotency key was used for a different redemption")
        return done
    item = (await session.execute(select(I).where(I.c.id == item_id).with_for_update())).first()
    if item is None or item.community_id != account.community_id:
        raise NotFound("兑换项目不存在", "No such item in this community's catalogue")
    if not item.active:
        raise InvalidTransition("该项目已下架", "This item is no longer offered")
    volunteer = await session.get(Volunteer, account.volunteer_id)
    if not volunteer.active:
        raise InvalidTransition("志愿者已停用", "The volunteer is inactive")
    if item.stock is not None and item.stock < quantity:
        raise ledger.OutOfStock(f"库存不足:剩余 {item.stock}", f"Only {item.stock} left in stock", stock=item.stock)
    amount = item.price * quantity
    sink = await ledger.system_account(session, account.community_id, "REDEEMED")
    entry_id = await ledger.post(session, community_id=account.community_id, kind="REDEMPTION", actor=actor, idempotency_key=key,
                                 memo=f"兑换 {item.name} × {quantity}", lines=[(account_id, -amount), (sink, amount)])
    if item.stock is not None:
        await session.execute(update(I).where(I.c.id == item_id).values(stock=I.c.stock - quantity))
    redemption_id = (await session.execute(insert(R).values(
        community_id=account.community_id, account_id=account_id, item_id=item_id, quantity=quantity, amount=amount, entry_id=entry_id,
        created_by_user_id=actor.user_id, created_at=utcnow()).returning(R.c.id))).scalar_one()
    return (await session.execute(select(R).where(R.c.id == redemption_id))).first()
