"""Notifications as a resident sees them on the tracking page: what was sent, how, when."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import select

from db.models import Request as RequestModel
from resolvers.notifications.tracking import notifications_for
from schema.context import Info


@strawberry.enum(name="NotificationChannel", description="How a notification reaches a resident.")
class NotificationChannel(Enum):
    SMS = strawberry.enum_value("SMS", description="短信 to the reporter's mobile.")
    WECHAT = strawberry.enum_value("WECHAT", description="微信模板消息 to a WeChat account following the request.")


@strawberry.enum(name="NotificationStatus", description="Where a notification is in its delivery.")
class NotificationStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Waiting to be sent, or to be retried after a failed attempt.")
    SENDING = strawberry.enum_value("SENDING", description="Handed to the provider just now.")
    SENT = strawberry.enum_value("SENT", description="Accepted by the provider.")
    FAILED = strawberry.enum_value("FAILED", description="Given up after the last attempt, or refused for good by the provider.")


@strawberry.type(description="A notification sent to this request's reporter (never anything sent to anyone else).")
class ResidentNotification:
    channel: NotificationChannel = strawberry.field(description="SMS or WeChat.")
    text: str = strawberry.field(description="The message as sent.")
    status: NotificationStatus = strawberry.field(description="Delivery status.")
    created_at: datetime = strawberry.field(description="When the change it reports happened.")
    sent_at: datetime | None = strawberry.field(description="When the provider accepted it.")

    @classmethod
    def from_row(cls, row: Any) -> ResidentNotification:
        return cls(channel=NotificationChannel(row.channel), text=row.text, status=NotificationStatus(row.state),
                   created_at=row.created_at, sent_at=row.sent_at)


async def tracking_notifications(root: Any, info: Info) -> list[ResidentNotification]:
    """The resolver of PublicRequest.notifications: by the tracking code the resident looked up."""
    r = RequestModel.__table__
    async with info.context.db.read() as conn:
        request_id = (await conn.execute(select(r.c.id).where(r.c.tracking_code == root.tracking_code))).scalar()
        rows = await notifications_for(conn, request_id) if request_id is not None else []
    return [ResidentNotification.from_row(row) for row in rows]
