"""Feedback (SPEC §5.6): the resident (by tracking code) or the reporter rates a resolved
request; unsatisfied within 7 calendar days reopens it, otherwise a rating closes it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Request
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Forbidden, InvalidTransition, NotFound
from resolvers.requests.common import move
from resolvers.requests.handling import reopen_request
from resolvers.requests.vocab import RATING_SCORE, EventKind, Rating, State

FEEDBACK_WINDOW = timedelta(days=7)


async def rate(
    session: AsyncSession, actor: Actor | None, *, rating: Rating, comment: str | None = None,
    tracking_code: str | None = None, request_id: int | None = None,
) -> Request:
    if tracking_code:
        request = (await session.execute(select(Request).where(Request.tracking_code == tracking_code.strip().upper()))).scalar_one_or_none()
    elif request_id is not None:
        request = await session.get(Request, request_id)
        if request is not None and (actor is None or request.reporter_user_id != actor.user_id):
            raise Forbidden("只有反映人可以评价", "Only the reporter rates by id; residents use the tracking code")
    else:
        raise BadUserInput("请提供查询码", "Give trackingCode or requestId")
    if request is None:
        raise NotFound("查询码不存在", "No request with this tracking code")
    if request.state != State.RESOLVED.value:
        raise InvalidTransition("诉求办结后才能评价", "Only a resolved request can be rated", state=request.state)
    if comment and len(comment) > 500:
        raise BadUserInput("评价内容过长(最多 500 字)", "Comment too long (at most 500 characters)")
    now = utcnow()
    request.rating = RATING_SCORE[rating]
    request.rating_comment = (comment or "").strip() or None
    request.rated_at = now
    within = request.resolved_at is not None and now - request.resolved_at <= FEEDBACK_WINDOW
    await move(session, request, None, EventKind.RATED.value, actor, note=request.rating_comment or "",
               data={"rating": rating.value, "score": request.rating})
    if rating is Rating.UNSATISFIED and within:
        await reopen_request(session, request, actor, request.rating_comment or "群众不满意", by="RESIDENT")
    else:
        request.closed_at = now
        await move(session, request, State.CLOSED, EventKind.CLOSED.value, actor, note="评价后自动关闭")
    return request
