"""Writing closed requests with hand-made assignment and event histories, for the KPI tests: their
worlds live in months no other test uses and carry no current deadline, so no list or report of
today sees them."""

from __future__ import annotations

import secrets
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from db.models import Assignment, Request
from resolvers import events


def code_prefix(tag: str) -> str:
    return tag + "".join(secrets.choice("ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(5))


class History:
    """Requests, assignments and events written into one session (flush the events at the end)."""

    def __init__(self, session: Any, community: Any, prefix: str, title: str) -> None:
        self.session, self.community, self.prefix, self.title = session, community, prefix, title
        self.codes: dict[str, str] = {}

    async def request(self, name: str, created: datetime) -> Request:
        c = self.community
        req = Request(tracking_code=f"{self.prefix}{name}", channel="HOTLINE", title=f"{self.title}{name}", text=self.title,
                      occurred_at=created, created_at=created, updated_at=created, community_id=c.id,
                      street_id=c.street_id, state="CLOSED", scope="MAJOR", version=1)
        self.session.add(req)
        await self.session.flush()
        self.codes[name] = req.tracking_code
        return req

    def assign(self, req: Request, unit: int, at: datetime, status: str, *, role: str = "LEAD", round_: int = 1,
               kind: str = "DEPARTMENT", response_due: datetime | None = None, responded: datetime | None = None,
               resolve_due: datetime | None = None) -> None:
        self.session.add(Assignment(request_id=req.id, unit_kind=kind, unit_id=unit, role=role, round=round_, status=status,
                                    active=False, assigned_at=at, response_due_at=response_due, responded_at=responded,
                                    resolve_due_at=resolve_due))

    def log(self, req: Request, *steps: tuple[str, datetime, dict]) -> None:
        for kind, at, data in steps:
            events.stage(self.session, SimpleNamespace(id=req.id, state="CLOSED", version=1, street_id=req.street_id,
                                                       community_id=req.community_id), kind, None, at=at, data=data, actor_label="测试")

    async def done(self) -> None:
        await events.flush_events(self.session)
