from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from sqlalchemy import select

from db.models import Request as RequestModel
from db.models import RequestEvent as EventModel
from resolvers.access import require_actor
from resolvers.errors import BadUserInput
from resolvers.requests.visibility import visible
from schema.api.requests_query import RequestFilter, apply_filter
from schema.context import Info
from schema.ids import from_global_id
from schema.live import wait_for_bell
from schema.loaders import Loaders
from schema.types.requests import RequestEvent

E = EventModel.__table__
R = RequestModel.__table__
BATCH = 200


def _cursor(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        value = int(after)
    except ValueError:
        raise BadUserInput("无效的事件游标", "Malformed event cursor") from None
    if value < 0:
        raise BadUserInput("无效的事件游标", "Malformed event cursor")
    return value


async def _stream(info: Info, *, kinds: set[str] | None, filter: RequestFilter | None, request_id: int | None,
                  after: str | None) -> AsyncGenerator[RequestEvent, None]:
    ctx = info.context
    actor = require_actor(ctx.actor)
    last = _cursor(after)
    bus = ctx.extra["bus"]
    async with bus.doorbell() as bell:
        if last is None:
            async with ctx.db.read() as conn:
                last = (await conn.execute(select(E.c.seq).order_by(E.c.seq.desc()).limit(1))).scalar() or 0
        while True:
            await wait_for_bell(bell)
            while True:
                async with ctx.db.read() as conn:
                    # Read the log's top first: every seq up to it is committed (seqs follow
                    # commit order), so after this page nothing at or below it can still appear.
                    top = (await conn.execute(select(E.c.seq).order_by(E.c.seq.desc()).limit(1))).scalar() or 0
                    stmt = select(E).join(R, R.c.id == E.c.request_id).where(E.c.seq > last, E.c.seq <= top, visible(actor))
                    if kinds:
                        stmt = stmt.where(E.c.kind.in_(kinds))
                    if request_id is not None:
                        stmt = stmt.where(E.c.request_id == request_id)
                    rows = (await conn.execute(apply_filter(stmt, filter).order_by(E.c.seq).limit(BATCH))).all()
                # Fresh loaders per batch: a WebSocket shares one context for hours (KNOWN-DEFECTS §5).
                ctx.loaders = Loaders(ctx.db)
                for row in rows:
                    last = row.seq
                    yield RequestEvent.from_row(row)
                if len(rows) < BATCH:
                    last = max(last, top)
                    break


@strawberry.type(description="Live events over WebSocket (graphql-transport-ws). Each yields an event envelope with its log `cursor`; pass the last cursor you saw as `after` to resume with no gap and no duplicate.")
class Subscription:
    @strawberry.subscription(description="Each new request you may see (the center's wall), filterable by street, community, category, scope.")
    async def request_created(self, info: Info, filter: RequestFilter | None = None, after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        async for event in _stream(info, kinds={"SUBMITTED"}, filter=filter, request_id=None, after=after):
            yield event

    @strawberry.subscription(description="Every change of the requests you may see (filterable), or of one request (`id`).")
    async def request_updated(self, info: Info, filter: RequestFilter | None = None, id: strawberry.ID | None = None,
                              after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        rid = from_global_id(id, "Request")[1] if id else None
        async for event in _stream(info, kinds=None, filter=filter, request_id=rid, after=after):
            yield event
