"""To whom: every reporter of a request — its own and those of the duplicates merged into it —
each reached at their own mobile number (the contact phone they gave, else their resident
record's) and at the WeChat accounts that follow the request they reported."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from db.models import RequestReporter, Resident, User, WeChatFollower
from resolvers.notifications.config import SMS, WECHAT

MOBILE = re.compile(r"^1[3-9]\d{9}$")  # SMS reach mobiles only, not the landlines intake accepts

RR = RequestReporter.__table__


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str
    reporter_request_id: int  # the request this person reported: its code is theirs


async def reporters_of(conn: Any, request_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Reporter rows by request, the request's own reporter first, then in order of reporting."""
    rows = (await conn.execute(select(RR).where(RR.c.request_id.in_(list(request_ids))).order_by(RR.c.source_request_id))).all()
    out: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        out[r.request_id].append(r)
    for rid, reps in out.items():
        reps.sort(key=lambda r: r.source_request_id != rid)
    return out


async def addresses(conn: Any, reporters: Iterable[Any], channels: frozenset[str]) -> dict[int, list[tuple[str, str]]]:
    """(channel, address) pairs by the reporter's own request (source_request_id)."""
    reporters = list(reporters)
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not reporters:
        return out
    if SMS in channels:
        for source, phone in (await _phones(conn, reporters)).items():
            out[source].append((SMS, phone))
    if WECHAT in channels:
        f = WeChatFollower.__table__
        sources = {r.source_request_id for r in reporters}
        rows = (await conn.execute(select(f.c.request_id, f.c.openid).where(f.c.request_id.in_(sources)).order_by(f.c.id))).all()
        for source, openid in rows:
            out[source].append((WECHAT, openid))
    return out


async def _phones(conn: Any, reporters: list[Any]) -> dict[int, str]:
    """Each reporter's mobile: the contact phone given with the report, else the phone of the
    resident who reported (directly, or as the resident behind a login such as a building leader)."""
    user_ids = {r.reporter_user_id for r in reporters if r.reporter_user_id and not _mobile(r.contact_phone)}
    user_resident: dict[int, int] = {}
    if user_ids:
        u = User.__table__
        user_resident = dict((await conn.execute(select(u.c.id, u.c.resident_id).where(u.c.id.in_(user_ids), u.c.resident_id.is_not(None)))).all())
    resident_ids = {r.reporter_resident_id for r in reporters if r.reporter_resident_id} | set(user_resident.values())
    resident_phone: dict[int, str | None] = {}
    if resident_ids:
        p = Resident.__table__
        resident_phone = dict((await conn.execute(select(p.c.id, p.c.phone).where(p.c.id.in_(resident_ids)))).all())
    out: dict[int, str] = {}
    for r in reporters:
        for phone in (r.contact_phone, resident_phone.get(r.reporter_resident_id),
                      resident_phone.get(user_resident.get(r.reporter_user_id))):
            if _mobile(phone):
                out[r.source_request_id] = phone.strip()
                break
    return out


def _mobile(phone: str | None) -> bool:
    return bool(phone) and MOBILE.match(phone.strip()) is not None


async def recipients(conn: Any, request_ids: Iterable[int], channels: frozenset[str]) -> dict[int, list[Recipient]]:
    """Everyone to tell about each request, once per channel and address: a person who reported
    the same issue twice (two duplicates merged) gets one message, with the survivor's code if
    they reported that one too."""
    by_request = await reporters_of(conn, request_ids)
    reach = await addresses(conn, [r for reps in by_request.values() for r in reps], channels)
    out: dict[int, list[Recipient]] = {}
    for rid, reps in by_request.items():
        seen: set[tuple[str, str]] = set()
        out[rid] = []
        for rep in reps:
            for channel, address in reach.get(rep.source_request_id, ()):
                if (channel, address) not in seen:
                    seen.add((channel, address))
                    out[rid].append(Recipient(channel, address, rep.source_request_id))
    return out
