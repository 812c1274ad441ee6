"""What a resident sees on the tracking page: the notifications sent to them about the request
they reported (and, once it was merged, about the request it lives on in) — nothing sent to
anyone else. And following a request from WeChat by its tracking code."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Notification, Request, WeChatFollower
from resolvers import ratelimit
from resolvers.errors import BadUserInput, NotFound
from resolvers.notifications.config import CHANNELS
from resolvers.notifications.recipients import RR, addresses

N = Notification.__table__
R = Request.__table__
MAX_MERGE_HOPS = 10
MAX_FOLLOWERS = 5
FOLLOW_LIMIT = (20, 3600)  # follow attempts per request per hour
OPENID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


async def _merge_chain(conn: Any, request_id: int) -> list[int]:
    """The request and those it was merged into, in order (a duplicate lives on in its survivor)."""
    chain = [request_id]
    while len(chain) <= MAX_MERGE_HOPS:
        nxt = (await conn.execute(select(R.c.merged_into_id).where(R.c.id == chain[-1]))).scalar()
        if nxt is None or nxt in chain:
            break
        chain.append(nxt)
    return chain


async def notifications_for(conn: Any, request_id: int) -> list[Any]:
    """Rows sent to the reporter of `request_id`: addressed to them as its reporter, or — when
    the same person reported the issue twice and got one message for both — to their own phone
    or WeChat account. Oldest first."""
    own = (await conn.execute(select(RR).where(RR.c.request_id == request_id, RR.c.source_request_id == request_id))).all()
    mine = [and_(N.c.channel == c, N.c.address == a) for c, a in (await addresses(conn, own, frozenset(CHANNELS))).get(request_id, [])]
    chain = await _merge_chain(conn, request_id)
    stmt = (
        select(N.c.id, N.c.channel, N.c.text, N.c.state, N.c.created_at, N.c.sent_at)
        .where(N.c.request_id.in_(chain), or_(N.c.reporter_request_id == request_id, *mine))
        .order_by(N.c.created_at, N.c.id)
    )
    return list((await conn.execute(stmt)).all())


async def follow_on_wechat(session: AsyncSession, tracking_code: str, openid: str) -> Request:
    """Template messages about this request go to this WeChat account from now on."""
    openid = (openid or "").strip()
    if not OPENID.match(openid):
        raise BadUserInput("微信 openid 格式不正确", "Malformed WeChat openid", field="openid")
    request = (await session.execute(select(Request).where(Request.tracking_code == (tracking_code or "").strip().upper()))).scalar_one_or_none()
    if request is None:
        raise NotFound("查询码不存在,请核对后重试", "No request with this tracking code", field="trackingCode")
    await ratelimit.hit(session, f"wechat-follow:{request.id}", *FOLLOW_LIMIT)
    f = WeChatFollower.__table__
    followers = list((await session.execute(select(f.c.openid).where(f.c.request_id == request.id))).scalars())
    if openid in followers:
        return request
    if len(followers) >= MAX_FOLLOWERS:
        raise BadUserInput(f"同一诉求最多 {MAX_FOLLOWERS} 个微信号关注", f"At most {MAX_FOLLOWERS} WeChat accounts follow one request")
    session.add(WeChatFollower(request_id=request.id, openid=openid))
    return request

