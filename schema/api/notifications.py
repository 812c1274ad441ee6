"""Notifications to residents: following a request from WeChat. (What was sent shows on the
tracking page: PublicRequest.notifications.) Importing this module registers the outbox writer."""

from __future__ import annotations

import strawberry

import resolvers.notifications  # noqa: F401 — registers the outbox writer as a request-event hook
from resolvers.notifications.tracking import follow_on_wechat
from schema.context import Info
from schema.edge import write_unit


@strawberry.input(description="Follow a request from WeChat: its tracking code and the WeChat account's openid.")
class FollowRequestOnWeChatInput:
    tracking_code: str = strawberry.field(description="The tracking code the resident holds.")
    openid: str = strawberry.field(description="The resident's openid for the district's official account (16–64 letters, digits, - or _).")


@strawberry.type(description="The request now followed.")
class FollowRequestOnWeChatPayload:
    tracking_code: str = strawberry.field(description="The followed request's tracking code.")


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description=(
        "Anonymous: from now on, template messages about this request (status, assignee, progress, resolution, the "
        "rating request) also go to this WeChat account. At most 5 accounts per request; NOT_FOUND for an unknown code."))
    async def follow_request_on_we_chat(self, info: Info, input: FollowRequestOnWeChatInput) -> FollowRequestOnWeChatPayload:
        async with write_unit(info.context) as session:
            request = await follow_on_wechat(session, input.tracking_code, input.openid)
        return FollowRequestOnWeChatPayload(tracking_code=request.tracking_code)
