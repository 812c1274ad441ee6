"""To whom: every reporter of a request — its own and those of the duplicates merged into it —
each reached at their own mobile number (the contact phone they gave, else their resident
record's) and at the WeChat accounts that follow the request they reported."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.direct import in_session
from db.keys import in_keys
from db.models import Request, RequestReporter, Resident, User, WeChatFollower
from resolvers.notifications.config import SMS, WECHAT

MOBILE = re.compile(r"^1[3-9]\d{9}$")  # SMS reach mobiles only, not the landlines intake accepts

RR = RequestReporter.__table__


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str
    reporter_request_id: int  # the request this person reported: its code is theirs
    code: str  # that request's tracking code


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


@functools.cache
def _reach_statement(dialect: str, one: bool) -> Any:
    """Every reporter of the given requests with what reaches them, in one statement: the code
    of the request they reported, their contact phone, the phone of the resident who reported
    and of the resident behind the login that did, and each WeChat account following their
    request (one row per account; a row without one when none follows). Built once per dialect:
    the submission that writes the request's first notification runs it (issue #10 — three
    statements and the SQL expressions they were built from were a third of submitRequest).

    `one`: for a single request (nearly every unit of work) the id is a plain parameter, not a
    list. PostgreSQL plans `= ANY($1)` again at every execution (its generic plan, guessing ten
    ids, never looks cheaper), and planning this six-table join was ~1.8 ms of the server's time
    per submission under load against ~0.15 ms executing it; `= $1` is planned once."""
    src, res, user, user_res = Request.__table__.alias("src"), Resident.__table__.alias("res"), User.__table__.alias("u"), \
        Resident.__table__.alias("ures")
    f = WeChatFollower.__table__
    stmt = (
        select(RR.c.request_id, RR.c.source_request_id, src.c.tracking_code, RR.c.contact_phone, res.c.phone, user_res.c.phone,
               f.c.openid)
        .select_from(
            RR.join(src, src.c.id == RR.c.source_request_id)
            .outerjoin(res, res.c.id == RR.c.reporter_resident_id)
            .outerjoin(user, user.c.id == RR.c.reporter_user_id)
            .outerjoin(user_res, user_res.c.id == user.c.resident_id)
            .outerjoin(f, f.c.request_id == RR.c.source_request_id)
        )
        .where(RR.c.request_id == bindparam("key") if one else in_keys(RR.c.request_id, "keys", dialect))
        .order_by(RR.c.request_id, RR.c.source_request_id, f.c.id)
    )
    return stmt


async def recipients(session: AsyncSession, request_ids: Iterable[int], channels: frozenset[str]) -> dict[int, list[Recipient]]:
    """Everyone to tell about each request, once per channel and address: a person who reported
    the same issue twice (two duplicates merged) gets one message, with the survivor's code if
    they reported that one too. The request's own reporter first, then in order of reporting;
    for each, the SMS to their mobile before the WeChat accounts, oldest follower first."""
    dialect, keys = session.bind.dialect.name, list(set(request_ids))
    if len(keys) == 1:
        rows = await in_session(session, _reach_statement(dialect, True), {"key": keys[0]})
    else:
        rows = await in_session(session, _reach_statement(dialect, False), {"keys": keys})
    reach: dict[int, dict[int, list[tuple[str, str]]]] = defaultdict(dict)  # request → source → addresses
    codes: dict[int, str] = {}
    for request_id, source, code, contact, resident_phone, user_phone, openid in rows:
        sources = reach[request_id]
        if source not in sources:
            codes[source] = code
            phone = next((p.strip() for p in (contact, resident_phone, user_phone) if _mobile(p)), None)
            sources[source] = [(SMS, phone)] if phone is not None and SMS in channels else []
        if openid is not None and WECHAT in channels:
            sources[source].append((WECHAT, openid))
    out: dict[int, list[Recipient]] = {}
    for rid, sources in reach.items():
        seen: set[tuple[str, str]] = set()
        out[rid] = []
        for source in sorted(sources, key=lambda s: (s != rid, s)):
            for channel, address in sources[source]:
                if (channel, address) not in seen:
                    seen.add((channel, address))
                    out[rid].append(Recipient(channel, address, source, codes[source]))
    return out
