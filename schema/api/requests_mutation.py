from __future__ import annotations

from datetime import datetime

import asyncio

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.file_uploads import Upload

from resolvers import photos
from resolvers.errors import BadUserInput
from resolvers.requests import dispatch as dispatch_rules
from resolvers.requests import feedback, handling, intake, triage
from resolvers.requests.dispatch import UnitRef
from resolvers.requests.vocab import Channel, PrivateKind, Rating, Scope, Tier, UnitKind
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.types.requests import Channel as ChannelEnum
from schema.types.requests import PrivateKind as PrivateKindEnum
from schema.types.requests import Rating as RatingEnum
from schema.types.requests import Request, RequestScope
from schema.types.requests import Tier as TierEnum
from schema.types.requests import UnitKind as UnitKindEnum

_UNIT_TYPES = {"Department": UnitKind.DEPARTMENT, "Street": UnitKind.STREET, "StreetSection": UnitKind.SECTION}


@strawberry.input(description="A new request. Anonymous residents give `qrToken`; staff give `channel` and usually `buildingId`.")
class SubmitRequestInput:
    text: str = strawberry.field(description="What happened, in the resident's words (≤ 2000 characters).")
    title: str | None = strawberry.field(default=None, description="Short title; defaults to the text's first line.")
    channel: ChannelEnum | None = strawberry.field(default=None, description="How it came in; QR_CODE is implied by qrToken.")
    building_id: strawberry.ID | None = None
    qr_token: str | None = strawberry.field(default=None, description="The building's QR token (anonymous intake). A token replaced by rotateBuildingQrToken: QR_RETIRED; unknown: NOT_FOUND.")
    location_note: str | None = strawberry.field(default=None, description="Where, when no building is given (hotline items).")
    occurred_at: datetime | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description="Retrying with the same key returns the first result, never a duplicate.")
    photos: list[Upload] | None = strawberry.field(default=None, description=(
        "Up to 9 JPEG/PNG/WebP photos (≤ 10 MB each) as GraphQL multipart uploads; send a `GraphQL-Preflight: 1` header. "
        "GPS and other EXIF data are stripped."))


@strawberry.type(description="The submitted request.")
class SubmitRequestPayload:
    request: Request
    replayed: bool = strawberry.field(description="True when this is the earlier result of the same idempotencyKey.")


@strawberry.type(description="The request after a change.")
class RequestPayload:
    request: Request


@strawberry.input(description="A unit to dispatch to: a Department, Street or StreetSection global ID.")
class UnitInput:
    id: strawberry.ID


@strawberry.input(description="中心分类: set the scope and subcategory.")
class TriageRequestInput:
    id: strawberry.ID
    scope: RequestScope
    subcategory_id: strawberry.ID
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")
    note: str = ""


@strawberry.input(description="社区分档: set the MINOR tier with the data it requires (B: assignee and deadline; C: work plan).")
class ClassifyMinorInput:
    id: strawberry.ID
    tier: TierEnum
    version: int | None = None
    assignee_name: str | None = None
    assignee_title: str | None = None
    assignee_phone: str | None = None
    deadline: datetime | None = None
    work_plan: str | None = None
    progress_interval_days: int | None = None
    note: str = ""


@strawberry.input(description="私事指派: MEDIATION to a grid worker, building leader or peacemaker; RESOURCE to a volunteer team or social organisation.")
class AssignPrivateInput:
    id: strawberry.ID
    kind: PrivateKindEnum
    unit_kind: UnitKindEnum
    unit_id: strawberry.ID | None = strawberry.field(default=None, description=(
        "For RESOURCE: a VolunteerTeam of the request's community or a SocialOrganisation, linked by its ID "
        "(then `assigneeLabel` defaults to its name)."))
    assignee_label: str = ""
    version: int | None = None
    note: str = ""


@strawberry.input(description="派单 / 二次分流 / 裁定: a lead unit and optional co-handlers (联动).")
class DispatchRequestInput:
    id: strawberry.ID
    lead: UnitInput
    co_handlers: list[UnitInput] = strawberry.field(default_factory=list)
    version: int | None = None
    note: str = ""


@strawberry.input(description="A step that needs only the request and an optional note.")
class RequestStepInput:
    id: strawberry.ID
    version: int | None = None
    note: str = ""


@strawberry.input(description="A step that needs a reason (dispute, reopen, reject).")
class RequestReasonInput:
    id: strawberry.ID
    reason: str
    version: int | None = None


@strawberry.input(description="Escalate to the district with the street's and the unit's joint explanation.")
class EscalateRequestInput:
    id: strawberry.ID
    joint_explanation: str
    version: int | None = None


@strawberry.input(description="Resolve with what was done.")
class ResolveRequestInput:
    id: strawberry.ID
    resolution: str
    version: int | None = None


@strawberry.input(description="Merge a duplicate into the surviving request.")
class MergeRequestInput:
    id: strawberry.ID
    into_id: strawberry.ID
    version: int | None = None
    note: str = ""


@strawberry.input(description="Rate a resolved request: residents by tracking code, reporters by id.")
class RateRequestInput:
    rating: RatingEnum
    tracking_code: str | None = None
    id: strawberry.ID | None = None
    comment: str | None = None


async def _store_photos(info: Info, uploads: list) -> list[intake.StoredPhoto]:
    if len(uploads) > photos.MAX_PHOTOS:
        raise BadUserInput(f"最多上传 {photos.MAX_PHOTOS} 张照片", f"At most {photos.MAX_PHOTOS} photos")
    stored = []
    for upload in uploads:
        if not hasattr(upload, "read"):
            raise BadUserInput("照片须以文件上传", "Photos must be multipart file uploads", field="photos")
        data = await upload.read(photos.MAX_PHOTO_BYTES + 1)
        clean = await asyncio.to_thread(photos.clean, data)
        await asyncio.to_thread(photos.store, info.context.settings.photo_dir, clean)
        stored.append(intake.StoredPhoto(sha256=clean.sha256, content_type=clean.content_type, size=len(clean.data)))
    return stored


def _rid(gid: strawberry.ID) -> int:
    return from_global_id(gid, "Request")[1]


def _private_unit(gid: strawberry.ID | None, kind: UnitKind) -> int | None:
    if gid is None:
        return None
    expected = {UnitKind.VOLUNTEER_TEAM: "VolunteerTeam", UnitKind.SOCIAL_ORG: "SocialOrganisation"}.get(kind)
    if expected is None:
        raise BadUserInput("该类承办单位不需指定 unitId", "unitId is only for VOLUNTEER_TEAM and SOCIAL_ORG", field="unitId")
    return from_global_id(gid, expected)[1]


def _unit(u: UnitInput) -> UnitRef:
    type_name, pk = from_global_id(u.id)
    if type_name not in _UNIT_TYPES:
        from resolvers.errors import BadUserInput

        raise BadUserInput("承办单位须为区直部门、街道或街道科室", "A unit is a Department, Street or StreetSection ID")
    return UnitRef(_UNIT_TYPES[type_name], pk)


async def _step(info: Info, fn, *args, **kwargs) -> RequestPayload:  # noqa: ANN001
    async with write_unit(info.context) as session:
        request = await fn(session, info.context.actor, *args, **kwargs)
    return RequestPayload(request=Request.from_row(request))


@strawberry.type(description="Request mutations: each takes one input object and returns a payload.")
class RequestMutation:
    @strawberry.mutation(description="Submit a request from any channel (SPEC §5.1). Anonymous: through a building's QR token, rate-limited per code and per address.")
    async def submit_request(self, info: Info, input: SubmitRequestInput) -> SubmitRequestPayload:
        data = intake.SubmitInput(
            text=input.text, title=input.title, channel=Channel(input.channel.value) if input.channel else None,
            building_id=from_global_id(input.building_id, "Building")[1] if input.building_id else None,
            qr_token=input.qr_token, location_note=input.location_note, occurred_at=input.occurred_at,
            contact_name=input.contact_name, contact_phone=input.contact_phone, idempotency_key=input.idempotency_key,
            photos=await _store_photos(info, input.photos or []),
        )
        for attempt in range(2):
            try:
                async with write_unit(info.context) as session:
                    result = await intake.submit_request(
                        session, info.context.actor, data, client=info.context.client,
                        limit_per_token=info.context.settings.qr_limit_per_token,
                        limit_per_client=info.context.settings.qr_limit_per_client,
                    )
                break
            except IntegrityError:
                # A concurrent retry with the same idempotency key won the insert: the second
                # attempt finds its result and returns it.
                if attempt == 1 or not data.idempotency_key:
                    raise
        return SubmitRequestPayload(request=Request.from_row(result.request), replayed=result.replayed)

    @strawberry.mutation(description="中心分类 (CENTER_DISPATCHER): scope MAJOR / MINOR / PRIVATE and subcategory.")
    async def triage_request(self, info: Info, input: TriageRequestInput) -> RequestPayload:
        return await _step(info, triage.triage, _rid(input.id), scope=Scope(input.scope.value),
                           subcategory_id=from_global_id(input.subcategory_id, "Subcategory")[1], version=input.version, note=input.note)

    @strawberry.mutation(description="社区分档 (COMMUNITY_WORKER, GRID_WORKER): MINOR tier A / B / C with the data each requires.")
    async def classify_minor_request(self, info: Info, input: ClassifyMinorInput) -> RequestPayload:
        plan = triage.MinorPlan(tier=Tier(input.tier.value), assignee_name=input.assignee_name, assignee_title=input.assignee_title,
                                assignee_phone=input.assignee_phone, deadline=input.deadline, work_plan=input.work_plan,
                                progress_interval_days=input.progress_interval_days, note=input.note)
        return await _step(info, triage.classify_minor, _rid(input.id), plan, version=input.version)

    @strawberry.mutation(description="私事指派 (COMMUNITY_WORKER, GRID_WORKER).")
    async def assign_private_request(self, info: Info, input: AssignPrivateInput) -> RequestPayload:
        return await _step(info, triage.assign_private, _rid(input.id), kind=PrivateKind(input.kind.value),
                           unit_kind=UnitKind(input.unit_kind.value), unit_id=_private_unit(input.unit_id, UnitKind(input.unit_kind.value)),
                           assignee_label=input.assignee_label, version=input.version, note=input.note)

    @strawberry.mutation(description="派单 (CENTER_DISPATCHER): a MAJOR request to a lead unit with optional co-handlers.")
    async def dispatch_request(self, info: Info, input: DispatchRequestInput) -> RequestPayload:
        return await _step(info, dispatch_rules.dispatch, _rid(input.id), lead=_unit(input.lead), co=[_unit(u) for u in input.co_handlers],
                           version=input.version, note=input.note)

    @strawberry.mutation(description="受理: the lead accepts (the request moves on) or a co-handler accepts its part.")
    async def accept_request(self, info: Info, input: RequestStepInput) -> RequestPayload:
        return await _step(info, dispatch_rules.accept, _rid(input.id), version=input.version, note=input.note)

    @strawberry.mutation(description="异议: the lead unit disputes with a reason; not after the district's decision.")
    async def dispute_request(self, info: Info, input: RequestReasonInput) -> RequestPayload:
        return await _step(info, dispatch_rules.dispute, _rid(input.id), reason=input.reason, version=input.version)

    @strawberry.mutation(description="二次分流 (STREET_OFFICER of the request's street) after a first dispute.")
    async def redispatch_request(self, info: Info, input: DispatchRequestInput) -> RequestPayload:
        return await _step(info, dispatch_rules.redispatch, _rid(input.id), lead=_unit(input.lead), co=[_unit(u) for u in input.co_handlers],
                           version=input.version, note=input.note)

    @strawberry.mutation(description="提级 (STREET_OFFICER): after the second dispatch is disputed, escalate with a joint explanation.")
    async def escalate_request(self, info: Info, input: EscalateRequestInput) -> RequestPayload:
        return await _step(info, dispatch_rules.escalate, _rid(input.id), joint_explanation=input.joint_explanation, version=input.version)

    @strawberry.mutation(description="裁定 (DISTRICT_LEADER): decide the responsible unit; final, cannot be disputed.")
    async def decide_request(self, info: Info, input: DispatchRequestInput) -> RequestPayload:
        return await _step(info, dispatch_rules.decide, _rid(input.id), lead=_unit(input.lead), co=[_unit(u) for u in input.co_handlers],
                           version=input.version, note=input.note)

    @strawberry.mutation(description="进展反馈: a progress report by the handling unit (tier C: restarts the reporting interval).")
    async def report_progress(self, info: Info, input: RequestStepInput) -> RequestPayload:
        return await _step(info, handling.report_progress, _rid(input.id), note=input.note, version=input.version)

    @strawberry.mutation(description="办结: the handling unit resolves with what was done.")
    async def resolve_request(self, info: Info, input: ResolveRequestInput) -> RequestPayload:
        return await _step(info, handling.resolve, _rid(input.id), resolution=input.resolution, version=input.version)

    @strawberry.mutation(description="关闭 (CENTER_DISPATCHER) a resolved request.")
    async def close_request(self, info: Info, input: RequestStepInput) -> RequestPayload:
        return await _step(info, handling.close, _rid(input.id), note=input.note, version=input.version)

    @strawberry.mutation(description="重办 (CENTER_DISPATCHER): refuse a resolution as unreasonable.")
    async def reopen_request(self, info: Info, input: RequestReasonInput) -> RequestPayload:
        return await _step(info, handling.reopen, _rid(input.id), reason=input.reason, version=input.version)

    @strawberry.mutation(description="合并 duplicates (center; community or grid worker within their place): reporters follow the survivor.")
    async def merge_request(self, info: Info, input: MergeRequestInput) -> RequestPayload:
        return await _step(info, triage.merge, _rid(input.id), _rid(input.into_id), version=input.version, note=input.note)

    @strawberry.mutation(description="驳回 (CENTER_DISPATCHER): not a request (spam, out of scope) with a reason.")
    async def reject_request(self, info: Info, input: RequestReasonInput) -> RequestPayload:
        return await _step(info, triage.reject, _rid(input.id), reason=input.reason, version=input.version)

    @strawberry.mutation(description="评价: SATISFIED / BASIC close the request; UNSATISFIED within 7 days reopens it.")
    async def rate_request(self, info: Info, input: RateRequestInput) -> RequestPayload:
        async with write_unit(info.context) as session:
            request = await feedback.rate(session, info.context.actor, rating=Rating(input.rating.value), comment=input.comment,
                                          tracking_code=input.tracking_code, request_id=_rid(input.id) if input.id else None)
        return RequestPayload(request=Request.from_row(request))
