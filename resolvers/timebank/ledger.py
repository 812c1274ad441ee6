"""The double-entry books of the time bank.

Every movement of points is one journal entry (`timebank_entry`) with two or more lines whose
amounts sum to zero. This module is the only writer of entries and lines, and it only ever
INSERTs them: a correction is a reversing entry (`reverse_entry`). Account balances are a cache
of the sum of their lines, changed by the same transaction that writes the lines.

Locking (PostgreSQL; SQLite write sessions are exclusive from their first statement): every
writer locks the rows it changes in one global order — volunteer accounts (by id), then
catalogue items, then the community's system accounts — so two writers never wait on each other
in a cycle. A volunteer account locked FOR UPDATE is read again after the lock is granted, so the
balance a redemption checks is the committed one and two redemptions cannot both spend it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import (
    CatalogueItem,
    Redemption,
    ServiceRecord,
    TimeBankAccount,
    TimeBankEntry,
    TimeBankLine,
    TimeBankRate,
)
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, DomainError, InvalidTransition, NotFound
from resolvers.requests.common import require_text
from resolvers.timebank.access import require_worker

A = TimeBankAccount.__table__
E = TimeBankEntry.__table__
L = TimeBankLine.__table__
I = CatalogueItem.__table__  # noqa: E741
R = Redemption.__table__
S = ServiceRecord.__table__

UNITS_PER_POINT = 10  # amounts are integers in tenths of a point
DEFAULT_UNITS_PER_HOUR = 10  # 1 hour of confirmed service = 1 point
SYSTEM_KINDS = ("ISSUED", "REDEEMED")
ENTRY_KINDS = ("CREDIT", "REDEMPTION", "REVERSAL")


class InsufficientPoints(DomainError):
    code = "INSUFFICIENT_POINTS"
    default_zh = "积分余额不足"
    default_en = "Not enough points in the account"


class OutOfStock(DomainError):
    code = "OUT_OF_STOCK"
    default_zh = "库存不足"
    default_en = "Not enough left in stock"


def points_text(units: int) -> str:
    """10 → "1", 15 → "1.5", -3 → "-0.3" (exact; never a float)."""
    sign = "-" if units < 0 else ""
    whole, tenth = divmod(abs(units), UNITS_PER_POINT)
    return f"{sign}{whole}" if tenth == 0 else f"{sign}{whole}.{tenth}"


async def units_per_hour(session: AsyncSession, community_id: int) -> int:
    rate = (await session.execute(select(TimeBankRate.units_per_hour).where(TimeBankRate.community_id == community_id))).scalar()
    return rate if rate is not None else DEFAULT_UNITS_PER_HOUR


async def set_rate(session: AsyncSession, actor: Actor | None, community_id: int, units: int) -> int:
    from resolvers.volunteers import community_or_404

    await community_or_404(session, community_id)
    require_worker(actor, community_id)
    if not 1 <= units <= 1000:
        raise BadUserInput("积分比率须在每小时 1 到 1000 个单位(0.1 分)之间", "unitsPerHour must be between 1 and 1000")
    row = (await session.execute(select(TimeBankRate).where(TimeBankRate.community_id == community_id))).scalar_one_or_none()
    if row is None:
        session.add(TimeBankRate(community_id=community_id, units_per_hour=units))
    else:
        row.units_per_hour, row.updated_at = units, utcnow()
    await session.flush()
    return units


def credit_for(minutes: int, rate: int) -> int:
    """Units credited for `minutes` of service at `rate` units an hour, rounded down."""
    return minutes * rate // 60


async def system_account(session: AsyncSession, community_id: int, kind: str) -> int:
    """The community's ISSUED or REDEEMED account, created on first use (race-free: insert
    ignoring a conflict on the unique code, then read)."""
    assert kind in SYSTEM_KINDS
    code = f"C{community_id}-{kind}"
    found = (await session.execute(select(A.c.id).where(A.c.code == code))).scalar()
    if found is not None:
        return found
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    await session.execute(upsert(A).values(code=code, community_id=community_id, kind=kind, balance=0, created_at=utcnow())
                          .on_conflict_do_nothing(index_elements=["code"]))
    return (await session.execute(select(A.c.id).where(A.c.code == code))).scalar_one()


async def lock_accounts(session: AsyncSession, ids: Sequence[int]) -> dict[int, Any]:
    """Lock accounts (FOR UPDATE) in id order and return their fresh rows."""
    rows: dict[int, Any] = {}
    for account_id in sorted(set(ids)):
        row = (await session.execute(select(A).where(A.c.id == account_id).with_for_update())).first()
        if row is None:
            raise NotFound("积分账户不存在", "No such time-bank account")
        rows[account_id] = row
    return rows


@dataclass
class Posted:
    entry_id: int
    created: bool  # False when the idempotency key found an earlier entry


async def find_by_key(session: AsyncSession, key: str) -> int | None:
    return (await session.execute(select(E.c.id).where(E.c.idempotency_key == key))).scalar()


async def post(session: AsyncSession, *, community_id: int, kind: str, memo: str, lines: Sequence[tuple[int, int]],
               actor: Actor | None, idempotency_key: str | None = None, reverses_entry_id: int | None = None) -> int:
    """Write one balanced entry and move the cached balances. Raises InsufficientPoints when a
    volunteer account would go below zero (nothing is written then: the caller's unit rolls back).

    The caller must already hold the volunteer accounts' locks (`lock_accounts`) if it checked
    anything against their balances; this locks whatever it touches anyway, volunteers first.
    """
    assert kind in ENTRY_KINDS
    merged: dict[int, int] = {}
    for account_id, amount in lines:
        merged[account_id] = merged.get(account_id, 0) + amount
    merged = {a: v for a, v in merged.items() if v != 0}
    if len(merged) < 2 or sum(merged.values()) != 0:
        raise BadUserInput("记账分录不平衡", "A journal entry needs two or more lines summing to zero")
    kinds = dict((await session.execute(select(A.c.id, A.c.kind).where(A.c.id.in_(merged)))).all())
    volunteers = [a for a in merged if kinds.get(a) == "VOLUNTEER"]
    systems = [a for a in merged if kinds.get(a) in SYSTEM_KINDS]
    if len(volunteers) + len(systems) != len(merged):
        raise NotFound("积分账户不存在", "No such time-bank account")
    locked = await lock_accounts(session, volunteers)
    locked.update(await lock_accounts(session, systems))
    for account_id, row in locked.items():
        if row.community_id != community_id:
            raise BadUserInput("只能在同一社区的账户间记账", "All accounts of an entry must belong to one community")
        if row.kind == "VOLUNTEER" and row.balance + merged[account_id] < 0:
            raise InsufficientPoints(
                f"积分余额不足:余额 {points_text(row.balance)} 分,需要 {points_text(-merged[account_id])} 分",
                f"Not enough points: balance {points_text(row.balance)}, needs {points_text(-merged[account_id])}",
                balance=row.balance, needed=-merged[account_id])
    now = utcnow()
    entry_id = (await session.execute(insert(E).values(
        community_id=community_id, kind=kind, memo=memo[:400], idempotency_key=idempotency_key,
        reverses_entry_id=reverses_entry_id, created_by_user_id=actor.user_id if actor else None, created_at=now,
    ).returning(E.c.id))).scalar_one()
    await session.execute(insert(L), [{"entry_id": entry_id, "account_id": a, "amount": v, "created_at": now}
                                      for a, v in sorted(merged.items())])
    for account_id, amount in sorted(merged.items()):
        await session.execute(update(A).where(A.c.id == account_id).values(balance=A.c.balance + amount))
    return entry_id


async def books(conn: Any, community_id: int) -> dict[str, int]:
    """Totals of a community's books from the lines (not the cached balances)."""
    rows = (await conn.execute(
        select(A.c.kind, func.coalesce(func.sum(L.c.amount), 0)).select_from(A.outerjoin(L, L.c.account_id == A.c.id))
        .where(A.c.community_id == community_id).group_by(A.c.kind))).all()
    by_kind = {k: int(v) for k, v in rows}
    entries = (await conn.execute(select(func.count()).select_from(E).where(E.c.community_id == community_id))).scalar_one()
    accounts = (await conn.execute(select(func.count()).select_from(A).where(A.c.community_id == community_id, A.c.kind == "VOLUNTEER"))).scalar_one()
    return {"issued": -by_kind.get("ISSUED", 0), "outstanding": by_kind.get("VOLUNTEER", 0), "redeemed": by_kind.get("REDEEMED", 0),
            "total": sum(by_kind.values()), "entries": int(entries), "accounts": int(accounts)}


async def reverse_entry(session: AsyncSession, actor: Actor | None, entry_id: int, reason: str) -> int:
    """A correction: a new entry with every line negated. A redemption's stock comes back; a
    service's credit reversed marks the service REVERSED (it cannot be confirmed again). An entry
    is reversed at most once, a reversal never; a volunteer who already spent the points cannot
    have the credit reversed (INSUFFICIENT_POINTS)."""
    entry = (await session.execute(select(E).where(E.c.id == entry_id))).first()
    if entry is None:
        raise NotFound("记账分录不存在", "No such journal entry")
    actor = require_worker(actor, entry.community_id)
    reason = require_text(reason, "冲正原因", "reason", 400)
    if entry.kind == "REVERSAL":
        raise InvalidTransition("冲正分录不能再冲正", "A reversing entry cannot itself be reversed")
    lines = (await session.execute(select(L.c.account_id, L.c.amount).where(L.c.entry_id == entry_id))).all()
    kinds = dict((await session.execute(select(A.c.id, A.c.kind).where(A.c.id.in_([a for a, _ in lines])))).all())
    # Volunteers' accounts first (the global lock order), then re-check under the lock.
    await lock_accounts(session, [a for a, _ in lines if kinds[a] == "VOLUNTEER"])
    if (await session.execute(select(E.c.id).where(E.c.reverses_entry_id == entry_id))).first() is not None:
        raise InvalidTransition("该分录已冲正", "This entry has already been reversed")
    redemption = (await session.execute(select(R).where(R.c.entry_id == entry_id))).first()
    if redemption is not None:
        item = (await session.execute(select(I).where(I.c.id == redemption.item_id).with_for_update())).first()
        if item.stock is not None:
            await session.execute(update(I).where(I.c.id == item.id).values(stock=I.c.stock + redemption.quantity))
    new_id = await post(session, community_id=entry.community_id, kind="REVERSAL", memo=f"冲正 #{entry_id}:{reason}",
                        lines=[(a, -v) for a, v in lines], actor=actor, reverses_entry_id=entry_id)
    await session.execute(update(S).where(S.c.entry_id == entry_id).values(state="REVERSED", version=S.c.version + 1))
    return new_id
