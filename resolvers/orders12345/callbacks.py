"""Outcome reports owed to the 12345 platform, written by an event hook inside the transaction
that ends the request — so a report exists exactly when the ending committed.

Which endings: CLOSED (resolution, rating), REJECTED (the reason) and MERGED (into which request).
The reporters of a request include those of every request merged into it (RequestReporter keeps
their source), so when the surviving request closes, the orders behind the merged ones hear it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import AuditEntry, CityOrder, CityOrderCallback, Request, RequestReporter
from resolvers import events
from resolvers.actor import Actor
from resolvers.errors import InvalidTransition, NotFound
from resolvers.orders12345.inbound import CITY_12345
from resolvers.requests.common import require_actor_role
from resolvers.requests.vocab import RATING_SCORE
from resolvers.roles import Role

ENDINGS = frozenset({"CLOSED", "REJECTED", "MERGED"})
RATING_NAME = {score: rating.value for rating, score in RATING_SCORE.items()}

# The delivery workers of this process, each woken after a commit that owes a report. A set, not
# one global: a second app in the same process (the tests start several) must not take the bell
# from the first, whose worker would then only look every IDLE_SECONDS.
_wakeups: set[asyncio.Event] = set()


@contextlib.contextmanager
def wakeup() -> Iterator[asyncio.Event]:
    """The event a delivery worker sleeps on, registered while the worker runs."""
    bell = asyncio.Event()
    _wakeups.add(bell)
    try:
        yield bell
    finally:
        _wakeups.discard(bell)


def _ring_after_commit(session: AsyncSession) -> None:
    def ring(_session: Any) -> None:
        for bell in list(_wakeups):
            bell.set()

    event.listen(session.sync_session, "after_commit", ring, once=True)


def callback_key(order_no: str, state: str) -> str:
    return f"{order_no}:{state}"


async def _payload(session: AsyncSession, order: CityOrder, ended: Request, e: events.StagedEvent) -> dict[str, Any]:
    own = ended if order.request_id == ended.id else await session.get(Request, order.request_id)
    body: dict[str, Any] = {"orderNo": order.order_no, "trackingCode": own.tracking_code, "state": e.kind}
    if e.kind == "CLOSED":
        body["resolution"] = ended.resolution or ""
        body["closedAt"] = (ended.closed_at or e.at).isoformat()
        if ended.rating is not None:
            body["rating"] = RATING_NAME.get(ended.rating)
    elif e.kind == "REJECTED":
        body["resolution"] = ended.reject_reason or ""
        body["closedAt"] = e.at.isoformat()
    else:
        into = await session.get(Request, ended.merged_into_id) if ended.merged_into_id else None
        body["resolution"] = f"已与诉求 {into.tracking_code} 合并办理" if into else "已合并办理"
        body["closedAt"] = e.at.isoformat()
        if into is not None:
            body["mergedInto"] = into.tracking_code
    if own.id != ended.id and e.kind != "MERGED":
        body["mergedInto"] = ended.tracking_code
    return body


async def write_callbacks(session: AsyncSession, staged: Sequence[events.StagedEvent]) -> None:
    ends = [e for e in staged if e.kind in ENDINGS]
    if not ends:
        return
    await session.flush()  # the session does not autoflush: let the queries below see this unit's rows
    wrote = False
    for e in ends:
        sources = select(RequestReporter.source_request_id).where(RequestReporter.request_id == e.request_id)
        orders = (await session.execute(
            select(CityOrder).where(CityOrder.source == CITY_12345, CityOrder.request_id.in_(sources))
        )).scalars().all()
        if not orders:
            continue
        keys = {callback_key(o.order_no, e.kind): o for o in orders}
        taken = set((await session.execute(
            select(CityOrderCallback.key).where(CityOrderCallback.key.in_(list(keys)))
        )).scalars())
        ended = await session.get(Request, e.request_id)
        for key, order in keys.items():
            if key in taken:
                continue
            payload = await _payload(session, order, ended, e)
            session.add(CityOrderCallback(order_id=order.id, key=key, state=e.kind, next_attempt_at=e.at,
                                          payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":"))))
            wrote = True
    if wrote:
        _ring_after_commit(session)


events.add_event_hook(write_callbacks)


async def retry_callbacks(session: AsyncSession, actor: Actor | None, order_no: str) -> CityOrder:
    """Send an order's undelivered reports again now, with a fresh series of attempts. A report
    already delivered is never sent twice."""
    actor = require_actor_role(actor, Role.CENTER_DISPATCHER, Role.ADMIN)
    order = (await session.execute(
        select(CityOrder).where(CityOrder.source == CITY_12345, CityOrder.order_no == order_no.strip())
    )).scalar_one_or_none()
    if order is None:
        raise NotFound("工单不存在", "No 12345 order with this number", field="orderNo")
    c = CityOrderCallback.__table__
    result = await session.execute(
        update(c).where(c.c.order_id == order.id, c.c.status.in_(("PENDING", "FAILED")))
        .values(status="PENDING", attempts=0, next_attempt_at=utcnow(), last_error="")
    )
    if result.rowcount == 0:
        raise InvalidTransition("该工单没有待发送或发送失败的回告", "This order has no undelivered outcome report")
    session.add(AuditEntry(actor_user_id=actor.user_id, action="RETRY_ORDER_CALLBACK", target=f"CityOrder:{order.id}",
                           detail=order.order_no))
    _ring_after_commit(session)
    return order
