"""Intake from every channel (SPEC §5.1): signed-in reporters and anonymous QR codes."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import whole_rows
from db.base import utcnow
from db.direct import in_session
from db.models import Building, IdempotencyKey, Photo, Request, RequestReporter
from resolvers import events, ratelimit
from resolvers.access import building_in_scope
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.qr.tokens import raise_if_retired
from resolvers.requests import deadlines
from resolvers.requests.classify import bigrams, suggest
from resolvers.requests.keywords import keyword_candidates
from resolvers.requests.vocab import Channel, EventKind, State
from resolvers.roles import Role, ScopeKind

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# Crockford-style alphabet without I, L, O, U: read aloud over the phone without confusion.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

QR_LIMIT_PER_TOKEN = (10, 3600)  # default: submissions per building QR code per hour
QR_LIMIT_PER_CLIENT = (60, 3600)  # default: per client address per hour (offices share NAT)

# Which channels each reporting role may use.
ROLE_CHANNELS: dict[Role, frozenset[Channel]] = {
    Role.BUILDING_LEADER: frozenset({Channel.BUILDING_LEADER}),
    Role.GRID_WORKER: frozenset({Channel.GRID_WORKER, Channel.SNAPSHOT, Channel.BUILDING_LEADER}),
    Role.FIELD_HEAD: frozenset({Channel.SNAPSHOT}),
    Role.COMMUNITY_WORKER: frozenset({Channel.HOTLINE, Channel.SERVICE_STATION, Channel.MAILBOX, Channel.MEETING,
                                      Channel.SNAPSHOT, Channel.BUILDING_LEADER, Channel.GRID_WORKER}),
    Role.STREET_OFFICER: frozenset({Channel.HOTLINE, Channel.SERVICE_STATION, Channel.MAILBOX}),
    Role.CENTER_DISPATCHER: frozenset(set(Channel) - {Channel.QR_CODE}),
}


# Built once: every submission runs them (the building as a plain row: intake reads its places).
# A submission writes without the ORM (db/direct.py's in_session): its flushes were a third of
# submitRequest's CPU (issue #10). It returns the new request as a plain row.
_B, _K, _R, _RR, _P = Building.__table__, IdempotencyKey.__table__, Request.__table__, RequestReporter.__table__, Photo.__table__
_BUILDING_BY_ID = select(_B).where(_B.c.id == bindparam("id"))
_BUILDING_BY_QR = select(_B).where(_B.c.qr_token == bindparam("token"))
_IDEMPOTENT = select(_K.c.request_id).where(_K.c.key == bindparam("key"))


@dataclass
class StoredPhoto:
    sha256: str
    content_type: str
    size: int


@dataclass
class SubmitInput:
    text: str
    channel: Channel | None = None
    title: str | None = None
    building_id: int | None = None
    qr_token: str | None = None
    location_note: str | None = None
    occurred_at: datetime | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    reporter_resident_id: int | None = None
    idempotency_key: str | None = None
    photos: list[StoredPhoto] = field(default_factory=list)


@dataclass
class SubmitResult:
    request: Any  # the request's row (by attribute); an ORM object when a retry is replayed
    replayed: bool


def tracking_code() -> str:
    return "ZF" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def _validate(data: SubmitInput) -> tuple[str, str]:
    text = (data.text or "").strip()
    if not text:
        raise BadUserInput("请填写诉求内容", "Describe the request: text is required")
    if len(text) > 2000:
        raise BadUserInput("诉求内容过长(最多 2000 字)", "Text is too long (at most 2000 characters)")
    title = (data.title or "").strip() or text.splitlines()[0][:30]
    if len(title) > 60:
        raise BadUserInput("标题过长(最多 60 字)", "Title is too long (at most 60 characters)")
    if data.contact_phone and not PHONE.match(data.contact_phone.strip()):
        raise BadUserInput("联系电话格式不正确", "Malformed contact phone", field="contactPhone")
    if data.contact_name and len(data.contact_name) > 32:
        raise BadUserInput("联系人姓名过长", "Contact name too long", field="contactName")
    if data.idempotency_key is not None and not (1 <= len(data.idempotency_key) <= 100):
        raise BadUserInput("幂等键长度须为 1–100", "idempotencyKey must be 1–100 characters")
    if data.occurred_at is not None:
        if data.occurred_at.tzinfo is None:
            raise BadUserInput("发生时间须带时区", "occurredAt must carry a time zone")
        if data.occurred_at > utcnow() + timedelta(minutes=5):
            raise BadUserInput("发生时间不能晚于现在", "occurredAt cannot be in the future")
    return text, title


async def _suggestion(session: AsyncSession, text: str) -> int | None:
    found = suggest(text, await keyword_candidates(session))
    return found.subcategory_id if found else None


async def submit_request(
    session: AsyncSession, actor: Actor | None, data: SubmitInput, *, client: str = "",
    limit_per_token: tuple[int, int] = QR_LIMIT_PER_TOKEN, limit_per_client: tuple[int, int] = QR_LIMIT_PER_CLIENT,
) -> SubmitResult:
    text, title = _validate(data)

    # Who is reporting, through which channel, about which building.
    building = None
    if actor is None:
        if not data.qr_token:
            raise Forbidden("匿名提交须扫描楼栋二维码", "Anonymous submissions come through a building's QR code")
        building = next(iter(await in_session(session, _BUILDING_BY_QR, {"token": data.qr_token}, named=True)), None)
        if building is None:
            await raise_if_retired(session, data.qr_token)  # QR_RETIRED for a replaced sticker
            raise NotFound("二维码无效或已更换,请扫描楼栋最新的二维码", "Unknown or replaced QR code")
        channel = Channel.QR_CODE
        scope_key = f"qr:{building.id}"
    else:
        allowed = ROLE_CHANNELS.get(actor.role)
        if not allowed:
            raise Forbidden("该角色不能提交诉求", "This role cannot submit requests")
        channel = data.channel or next(iter(sorted(allowed, key=lambda c: c.value)))
        if channel not in allowed:
            raise Forbidden(f"该角色不能通过“{channel.value}”渠道提交", f"This role cannot submit through {channel.value}")
        if data.building_id is not None:
            building = next(iter(await in_session(session, _BUILDING_BY_ID, {"id": data.building_id}, named=True)), None)
            if building is None:
                raise NotFound("楼栋不存在", "No such building", field="buildingId")
            if not building_in_scope(actor, building):
                raise Forbidden("该楼栋不在您的辖区内", "This building is outside your places")
        elif not actor.district_wide and actor.role is not Role.COMMUNITY_WORKER and actor.role is not Role.STREET_OFFICER:
            raise BadUserInput("请选择楼栋", "buildingId is required for this role", field="buildingId")
        elif not (data.location_note or "").strip():
            raise BadUserInput("未选择楼栋时请填写位置说明", "Give buildingId or a locationNote", field="locationNote")
        scope_key = f"user:{actor.user_id}"

    # A retried submission returns the first result, never a duplicate.
    idem_key = f"{scope_key}:{data.idempotency_key}" if data.idempotency_key else None
    if idem_key:
        existing = next(iter(await in_session(session, _IDEMPOTENT, {"key": idem_key})), None)
        if existing is not None:
            return SubmitResult(request=await session.get(Request, existing[0]), replayed=True)

    if actor is None:
        await ratelimit.hit(session, f"qr-token:{building.id}", *limit_per_token)
        if client:
            await ratelimit.hit(session, f"qr-client:{client}", *limit_per_client)

    now = utcnow()
    community_id = building.community_id if building else None
    street_id = building.street_id if building else None
    if building is None and actor is not None:
        # A hotline item without a building is placed at the reporter's own community or street.
        community_id = next(iter(actor.ids(ScopeKind.COMMUNITY)), None)
        street_id = next(iter(actor.ids(ScopeKind.STREET)), None)
        if community_id is not None and street_id is None:
            from db.models import Community

            street_id = (await session.get(Community, community_id)).street_id
    policy = await deadlines.policy_for(session, None)
    due = deadlines.triage_due(now, policy)
    request = whole_rows.values(_R, {
        "tracking_code": tracking_code(),
        "channel": channel.value,
        "title": title,
        "text": text,
        "search_terms": bigrams(title + " " + text),
        "occurred_at": data.occurred_at or now,
        "created_at": now,
        "updated_at": now,
        "building_id": building.id if building else None,
        "grid_id": building.grid_id if building else None,
        "community_id": community_id,
        "street_id": street_id,
        "location_note": (data.location_note or "").strip()[:200],
        "reporter_user_id": actor.user_id if actor else None,
        "reporter_resident_id": data.reporter_resident_id,
        "contact_name": (data.contact_name or "").strip() or None,
        "contact_phone": (data.contact_phone or "").strip() or None,
        "state": State.SUBMITTED.value,
        "suggested_subcategory_id": await _suggestion(session, text),
        "version": 1,
    })
    deadlines.set_due(_Fields(request), "TRIAGE", due)
    if session.bind.dialect.name == "postgresql":
        # The request, its reporter row and its idempotency key in one statement (two round trips
        # fewer: each costs the server more CPU than the rows themselves).
        params = request
        if idem_key:
            key = whole_rows.values(_K, {"key": idem_key, "request_id": 0})
            params = {**request, "key_": key["key"], "key_created_at_": key["created_at"]}
        row = (await in_session(session, _insert_with_reporter(bool(idem_key)), params, named=True,
                                writes=(_R.name, _RR.name, _K.name) if idem_key else (_R.name, _RR.name)))[0]
    else:
        row = (await in_session(session, whole_rows.statement(_R, returning=True), request, named=True))[0]
        await in_session(session, whole_rows.statement(_RR), whole_rows.values(_RR, _own_reporter(row)))
        if idem_key:
            await in_session(session, whole_rows.statement(_K), whole_rows.values(_K, {"key": idem_key, "request_id": row.id}))
    for p in data.photos:
        await in_session(session, whole_rows.statement(_P), whole_rows.values(_P, {
            "request_id": row.id, "sha256": p.sha256, "content_type": p.content_type, "size": p.size}))
    events.stage(session, row, EventKind.SUBMITTED.value, actor, data={"channel": channel.value, "photos": len(data.photos)})
    return SubmitResult(request=row, replayed=False)


def _own_reporter(row: Any) -> dict[str, Any]:
    """The request's reporter row: the request reported by itself, with its reporter's contact."""
    return {"request_id": row.id, "source_request_id": row.id, "reporter_user_id": row.reporter_user_id,
            "reporter_resident_id": row.reporter_resident_id, "contact_name": row.contact_name, "contact_phone": row.contact_phone}


@functools.cache
def _insert_with_reporter(with_key: bool) -> Any:
    """PostgreSQL: WITH r AS (INSERT INTO request … RETURNING *), the reporter row (and the
    idempotency key) inserted from r, SELECT r — the rows `_own_reporter` and the key would be."""
    r = whole_rows.statement(_R, returning=True).cte("new_request")
    own = _own_reporter(r.c)
    stmt = select(r).add_cte(insert(_RR).from_select(list(own), select(*own.values())).cte("new_reporter"))
    if with_key:
        stmt = stmt.add_cte(insert(_K).from_select(["key", "request_id", "created_at"], select(
            bindparam("key_", type_=_K.c.key.type), r.c.id, bindparam("key_created_at_", type_=_K.c.created_at.type))).cte("new_key"))
    return stmt


class _Fields:
    """A row's values by attribute, for the domain functions that set a request's fields."""

    __slots__ = ("values",)

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "values", values)

    def __getattr__(self, name: str) -> Any:
        return self.values[name]

    def __setattr__(self, name: str, value: Any) -> None:
        self.values[name] = value
