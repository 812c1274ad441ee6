"""Requests (诉求) as the API shows them: the case, its place, its handlers, its history."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select

from db.base import utcnow
from db.models import RequestEvent as EventModel
from resolvers.access import PersonalView
from resolvers.masking import mask_name, mask_phone
from resolvers.requests import vocab
from resolvers.requests.common import STATE_ZH
from resolvers.requests.visibility import personal_view
from schema.context import Info
from schema.ids import to_global_id
from schema.pagination import Connection
from schema.relations import to_many, to_one
from schema.types.node import Node
from schema.types.places import Building, Community, Grid, Street
from schema.types.taxonomy import Category, Subcategory
from schema.types.units import Department
from schema.types.notifications import ResidentNotification, tracking_notifications

Channel = strawberry.enum(vocab.Channel, name="Channel", description="发现渠道 — how the request reached the platform (SPEC §5.1).")
RequestScope = strawberry.enum(vocab.Scope, name="RequestScope", description="大事 MAJOR / 小事 MINOR / 私事 PRIVATE (SPEC §5.3).")
Tier = strawberry.enum(vocab.Tier, name="Tier", description="MINOR tiers: A on site now, B named assignee and deadline, C periodic work with progress reports.")
PrivateKind = strawberry.enum(vocab.PrivateKind, name="PrivateKind", description="PRIVATE kinds: MEDIATION (disputes) or RESOURCE (services).")
RequestState = strawberry.enum(vocab.State, name="RequestState", description="The single current state of a request (SPEC §5.4).")
UnitKind = strawberry.enum(vocab.UnitKind, name="UnitKind", description="Kind of unit or person handling a request.")
DueKind = strawberry.enum(vocab.DueKind, name="DueKind", description="Which step the current deadline is for.")
Rating = strawberry.enum(vocab.Rating, name="Rating", description="SATISFIED = 1, BASIC = 0.5, UNSATISFIED = 0 (SPEC §5.6).")
EventKind = strawberry.enum(vocab.EventKind, name="EventKind", description="What an event in a request's history records.")

class _Attributes:
    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __getitem__(self, name: str) -> Any:
        return getattr(self.obj, name)


_CHANNEL = {e.value: e for e in vocab.Channel}
_STATE = {e.value: e for e in vocab.State}
_SCOPE = {e.value: e for e in vocab.Scope}
_TIER = {e.value: e for e in vocab.Tier}
_PRIVATE_KIND = {e.value: e for e in vocab.PrivateKind}
_DUE_KIND = {e.value: e for e in vocab.DueKind}

TERMINAL_OR_RESOLVED = {s.value for s in vocab.TERMINAL} | {vocab.State.RESOLVED.value}
SCORE_RATING = {1.0: vocab.Rating.SATISFIED, 0.5: vocab.Rating.BASIC, 0.0: vocab.Rating.UNSATISFIED}


def is_overdue(row: Any, now: datetime | None = None) -> bool:
    """Always correct when read: the sweep's flag, or a deadline already past right now."""
    if row.state in TERMINAL_OR_RESOLVED:
        return False
    return bool(row.overdue or (row.due_at is not None and row.due_at < (now or utcnow())))


@strawberry.type(description="The person who reported, as much as the caller may see (SPEC §3).")
class Reporter:
    name: str | None
    phone: str | None
    view: str = strawberry.field(description="WHOLE or MASKED.")
    anonymous: bool = strawberry.field(description="Reported through a QR code without leaving a name.")


@strawberry.type(description="A unit (or person) handling a request in one dispatch round.")
class Assignment:
    unit_kind: UnitKind
    unit_name: str = strawberry.field(description="The unit's or assignee's name, e.g. 区城市管理局.")
    unit_id: strawberry.ID | None = strawberry.field(description="Global ID of the unit, when it is an organisational unit, a registered volunteer team or a social organisation.")
    role: str = strawberry.field(description="LEAD (牵头) or CO (协办).")
    round: int = strawberry.field(description="1 first dispatch, 2 the street's second dispatch (二次分流), 3 the district's decision.")
    status: str = strawberry.field(description="PENDING, ACCEPTED, DISPUTED or DONE.")
    active: bool
    assigned_at: datetime
    response_due_at: datetime | None
    responded_at: datetime | None
    resolve_due_at: datetime | None
    dispute_reason: str | None

    @classmethod
    def from_row(cls, row: Any) -> Assignment:
        type_name = {"DEPARTMENT": "Department", "STREET": "Street", "SECTION": "StreetSection", "COMMUNITY": "Community", "GRID": "Grid",
                     "VOLUNTEER_TEAM": "VolunteerTeam", "SOCIAL_ORG": "SocialOrganisation"}.get(row.unit_kind)
        return cls(
            unit_kind=vocab.UnitKind(row.unit_kind), unit_name=row.assignee_label,
            unit_id=strawberry.ID(to_global_id(type_name, row.unit_id)) if type_name and row.unit_id else None,
            role=row.role, round=row.round, status=row.status, active=row.active, assigned_at=row.assigned_at,
            response_due_at=row.response_due_at, responded_at=row.responded_at, resolve_due_at=row.resolve_due_at,
            dispute_reason=row.dispute_reason,
        )


@strawberry.type(description="A photo of a request.")
class Photo:
    content_type: str
    size: int
    created_at: datetime
    url: str = strawberry.field(description="A signed URL valid for 10 minutes; fetch it again for a fresh one.")


@strawberry.type(description="One entry of a request's append-only history.")
class RequestEvent:
    cursor: str = strawberry.field(description="Position in the event log; pass as `after` to resume a subscription.")
    seq: int
    kind: EventKind
    at: datetime
    actor_label: str = strawberry.field(description="Who acted, e.g. 区城市管理局 or 居民.")
    from_state: RequestState | None
    to_state: RequestState | None
    version: int = strawberry.field(description="The request's version after this event.")
    note: str
    data: str = strawberry.field(description="Details as a JSON object string.")
    request_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> RequestEvent:
        return cls(
            cursor=str(row.seq), seq=row.seq, kind=vocab.EventKind(row.kind), at=row.at, actor_label=row.actor_label,
            from_state=vocab.State(row.from_state) if row.from_state else None,
            to_state=vocab.State(row.to_state) if row.to_state else None,
            version=row.version, note=row.note, data=row.data, request_pk=row.request_id,
        )

    @strawberry.field(description="The request as it is now.")
    async def request(self, info: Info) -> Request | None:
        from schema.request_access import load_visible

        return await load_visible(info, self.request_pk)


@strawberry.type(description="诉求 — a resident's request, from intake to rating.")
class Request(Node):
    tracking_code: str = strawberry.field(description="Short code the resident follows the request with, e.g. ZF7K3M9Q2P.")
    channel: Channel
    title: str
    text: str
    state: RequestState
    state_label: str = strawberry.field(description="Chinese label of the state.")
    scope: RequestScope | None
    tier: Tier | None
    private_kind: PrivateKind | None
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    created_at: datetime
    occurred_at: datetime
    updated_at: datetime
    location_note: str
    due_at: datetime | None = strawberry.field(description="The deadline of the current step.")
    due_kind: DueKind | None
    due_estimated: bool = strawberry.field(description="True when a working-day deadline fell in a year whose holidays nobody entered.")
    resolve_due_at: datetime | None
    overdue_since: datetime | None
    assignee_name: str | None = strawberry.field(description="Tier B: public name of the assignee, shown to the resident.")
    assignee_title: str | None
    assignee_phone: str | None = strawberry.field(description="Tier B: public work phone of the assignee.")
    work_plan: str | None = strawberry.field(description="Tier C: the work plan.")
    progress_interval_days: int | None
    escalation_note: str | None = strawberry.field(description="The joint explanation of the street and the unit when escalated.")
    resolution: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    rating_comment: str | None
    rated_at: datetime | None
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Request:
        # Read through the row's mapping and look enums up in dicts: attribute access on a
        # SQLAlchemy Row costs ~0.4 µs, and a page of 50 requests reads 1,700 of them.
        m = row._mapping if hasattr(row, "_mapping") else _Attributes(row)  # a Row, or an ORM object from a mutation
        scope, tier, private_kind, due_kind = m["scope"], m["tier"], m["private_kind"], m["due_kind"]
        return cls(
            id=strawberry.ID(to_global_id("Request", m["id"])), row=row, tracking_code=m["tracking_code"],
            channel=_CHANNEL[m["channel"]], title=m["title"], text=m["text"], state=_STATE[m["state"]],
            state_label=STATE_ZH[m["state"]], scope=_SCOPE[scope] if scope else None,
            tier=_TIER[tier] if tier else None,
            private_kind=_PRIVATE_KIND[private_kind] if private_kind else None, version=m["version"],
            created_at=m["created_at"], occurred_at=m["occurred_at"], updated_at=m["updated_at"], location_note=m["location_note"],
            due_at=m["due_at"], due_kind=_DUE_KIND[due_kind] if due_kind else None, due_estimated=m["due_estimated"],
            resolve_due_at=m["resolve_due_at"], overdue_since=m["overdue_since"], assignee_name=m["assignee_name"],
            assignee_title=m["assignee_title"], assignee_phone=m["assignee_phone"], work_plan=m["work_plan"],
            progress_interval_days=m["progress_interval_days"], escalation_note=m["escalation_note"], resolution=m["resolution"],
            first_response_at=m["first_response_at"], resolved_at=m["resolved_at"], closed_at=m["closed_at"],
            rating_comment=m["rating_comment"], rated_at=m["rated_at"],
        )

    @strawberry.field(description="Past its current deadline (挂牌督办). Always correct when read.")
    def overdue(self) -> bool:
        return is_overdue(self.row)

    @strawberry.field(description="Seconds from submission to resolution (or to now, while open).")
    def elapsed_seconds(self) -> int:
        end = self.row.resolved_at or (self.row.closed_at if self.row.state in TERMINAL_OR_RESOLVED else None) or utcnow()
        return max(0, int((end - self.row.created_at).total_seconds()))

    @strawberry.field(description="The resident's rating, once rated.")
    def rating(self) -> Rating | None:
        return None if self.row.rating is None else SCORE_RATING.get(self.row.rating)

    @strawberry.field
    @to_one("building", lambda self: self.row.building_id, lambda row: Building.from_row(row))
    async def building(self, info: Info) -> Building | None: ...

    @strawberry.field
    @to_one("grid", lambda self: self.row.grid_id, lambda row: Grid.from_row(row))
    async def grid(self, info: Info) -> Grid | None: ...

    @strawberry.field
    @to_one("community", lambda self: self.row.community_id, lambda row: Community.from_row(row))
    async def community(self, info: Info) -> Community | None: ...

    @strawberry.field
    @to_one("street", lambda self: self.row.street_id, lambda row: Street.from_row(row))
    async def street(self, info: Info) -> Street | None: ...

    @strawberry.field
    @to_one("category", lambda self: self.row.category_id, lambda row: Category.from_row(row))
    async def category(self, info: Info) -> Category | None: ...

    @strawberry.field
    @to_one("subcategory", lambda self: self.row.subcategory_id, lambda row: Subcategory.from_row(row))
    async def subcategory(self, info: Info) -> Subcategory | None: ...

    @strawberry.field(description="Suggested from the text by keyword rules; shown to the center, never forced.")
    async def suggested_subcategory(self, info: Info) -> Subcategory | None:
        sid = self.row.suggested_subcategory_id
        return None if sid is None else Subcategory.from_row(await info.context.loaders.subcategory.load(sid))

    @strawberry.field(description="The routing table's department for the suggested (or set) subcategory.")
    async def suggested_department(self, info: Info) -> Department | None:
        sid = self.row.subcategory_id or self.row.suggested_subcategory_id
        if sid is None:
            return None
        sub = await info.context.loaders.subcategory.load(sid)
        if sub is None or sub.default_department_id is None:
            return None
        return Department.from_row(await info.context.loaders.department.load(sub.default_department_id))

    @strawberry.field(description="Handling units, current and past, in order.")
    async def assignments(self, info: Info, active_only: bool = False) -> list[Assignment]:
        rows = await info.context.loaders.assignments_of_request.load(self.row.id)
        return [Assignment.from_row(r) for r in rows if r.active or not active_only]

    @strawberry.field(description="The reporter: whole for the center and the current handlers, masked for others, null for partners.")
    async def reporter(self, info: Info) -> Reporter | None:
        from schema.request_access import is_current_handler

        actor = info.context.actor
        view = personal_view(actor, self.row, await is_current_handler(info, self.row))
        if view is None:
            return None
        name, phone = self.row.contact_name, self.row.contact_phone
        if name is None and self.row.reporter_resident_id is not None:
            resident = await info.context.loaders.resident.load(self.row.reporter_resident_id)
            name, phone = (resident.name, resident.phone) if resident else (None, None)
        if view is PersonalView.WHOLE and (name or phone):
            from resolvers.audit import record_personal_read

            await record_personal_read(info.context.db, actor, "RequestReporter", [self.row.id], info.context.client)
            return Reporter(name=name, phone=phone, view="WHOLE", anonymous=self.row.channel == "QR_CODE" and not name)
        return Reporter(name=mask_name(name), phone=mask_phone(phone), view="MASKED", anonymous=self.row.channel == "QR_CODE" and not name)

    @strawberry.field(description="Photos sent with the request (signed, short-lived URLs).")
    async def photos(self, info: Info) -> list[Photo]:
        from resolvers.photos import signed_url

        rows = await info.context.loaders.photos_of_request.load(self.row.id)
        secret = info.context.settings.secret_key
        return [
            Photo(content_type=r.content_type, size=r.size, created_at=r.created_at,
                  url=signed_url(secret, r.sha256, r.content_type.split("/")[1].replace("jpeg", "jpg")))
            for r in rows
        ]

    @strawberry.field(description="How many reports this request stands for (itself plus merged duplicates).")
    async def reporter_count(self, info: Info) -> int:
        return max(1, len(await info.context.loaders.reporters_of_request.load(self.row.id)))

    @strawberry.field(description="The request this one was merged into.")
    async def merged_into(self, info: Info) -> Request | None:
        from schema.request_access import load_visible

        return None if self.row.merged_into_id is None else await load_visible(info, self.row.merged_into_id)

    @strawberry.field(description="The append-only history, oldest first. Keyset-paginated.")
    @to_many(EventModel.__table__, "request_id", lambda self: self.row.id, lambda: RequestEvent, order=("seq",))
    async def history(self, info: Info, first: int | None = 100, after: str | None = None) -> Connection[RequestEvent]: ...


@strawberry.type(description="What an anonymous resident sees by tracking code: status, public assignee details, progress — nothing personal.")
class PublicRequest:
    tracking_code: str
    title: str
    state: RequestState
    state_label: str
    created_at: datetime
    community_name: str | None
    tier: Tier | None
    assignee_name: str | None
    assignee_title: str | None
    assignee_phone: str | None
    deadline: datetime | None = strawberry.field(description="The promised resolution time, where one was set.")
    resolution: str | None
    resolved_at: datetime | None
    elapsed_seconds: int
    can_rate: bool = strawberry.field(description="True while the request is resolved and awaits the resident's rating.")
    rating: Rating | None
    progress: list[PublicProgress]
    notifications: list[ResidentNotification] = strawberry.field(
        resolver=tracking_notifications,
        description="The SMS and WeChat messages sent to this tracking code's reporter about the request, oldest first.")


@strawberry.type(description="A public step of a request's progress.")
class PublicProgress:
    at: datetime
    kind: EventKind
    label: str
    note: str


PUBLIC_NOTES = {"CLASSIFIED", "PROGRESS", "RESOLVED", "REOPENED", "ACCEPTED", "DISPATCHED"}


async def public_view(info: Info, row: Any) -> PublicRequest:
    t = EventModel.__table__
    async with info.context.db.read() as conn:
        evs = (await conn.execute(select(t).where(t.c.request_id == row.id).order_by(t.c.seq))).all()
    community = await info.context.loaders.community.load(row.community_id) if row.community_id else None
    progress = [
        PublicProgress(at=e.at, kind=vocab.EventKind(e.kind), label=STATE_ZH.get(e.to_state or "", e.kind),
                       note=e.note if e.kind in PUBLIC_NOTES and e.kind != "DISPATCHED" else "")
        for e in evs if e.kind not in ("MERGED_IN", "REPORTER_ADDED", "RATED", "PLACED")
    ]
    public_b = row.tier == "B"
    return PublicRequest(
        tracking_code=row.tracking_code, title=row.title, state=vocab.State(row.state), state_label=STATE_ZH[row.state],
        created_at=row.created_at, community_name=community.name if community else None,
        tier=vocab.Tier(row.tier) if row.tier else None,
        assignee_name=row.assignee_name if public_b else None, assignee_title=row.assignee_title if public_b else None,
        assignee_phone=row.assignee_phone if public_b else None,
        deadline=row.resolve_due_at, resolution=row.resolution, resolved_at=row.resolved_at,
        elapsed_seconds=max(0, int(((row.resolved_at or utcnow()) - row.created_at).total_seconds())),
        can_rate=row.state == "RESOLVED", rating=None if row.rating is None else SCORE_RATING.get(row.rating), progress=progress,
    )


def event_data(row: Any) -> dict[str, Any]:
    return json.loads(row.data or "{}")
