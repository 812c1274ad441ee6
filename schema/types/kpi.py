"""Department KPIs (部门考核, SPEC §7) as the API shows them: the four rates with the counts and
requests behind them, the deductions with their reasons, the score."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from resolvers.kpi import KpiRow
from resolvers.kpi.formulas import Deduction, Rate, shown
from resolvers.kpi.rules import KpiRules as Rules
from schema.ids import to_global_id

RATE_NOTE = "A 0–1 fraction rounded half-even to 4 decimals; null when the denominator is 0 (no rate, not 0% or 100%)."


@strawberry.enum(description="Units measured by the KPIs: DEPARTMENT 区直部门, STREET 街道, SECTION 街道科室.")
class KpiUnitKind(Enum):
    DEPARTMENT = "DEPARTMENT"
    STREET = "STREET"
    SECTION = "SECTION"


_GID_TYPE = {"DEPARTMENT": "Department", "STREET": "Street", "SECTION": "StreetSection"}


@strawberry.enum(description="The four indicators.")
class KpiIndicator(Enum):
    RESPONSE = "RESPONSE"
    ACCEPTANCE = "ACCEPTANCE"
    COMPLETION = "COMPLETION"
    SATISFACTION = "SATISFACTION"


@strawberry.enum(description=(
    "Why points were deducted (by default 1 point each; see KpiRules): LATE_RESPONSE 响应不及时 (answered after the response deadline, or not "
    "at all by it — lead or co-handler); REFUSED_RESOLUTION 解决不合理 (the center reopened the resolution); "
    "UNSATISFIED_RATING 群众不满意 (a 不满意 rating; the reopen it causes is not deducted again)."))
class KpiDeductionReason(Enum):
    LATE_RESPONSE = "LATE_RESPONSE"
    REFUSED_RESOLUTION = "REFUSED_RESOLUTION"
    UNSATISFIED_RATING = "UNSATISFIED_RATING"


@strawberry.type(description="One request behind a rate: in the denominator (counted), what it adds to the numerator, or left out and why.")
class KpiItem:
    request_id: strawberry.ID = strawberry.field(description="The request (global ID of a Request).")
    tracking_code: str
    assignment_round: int = strawberry.field(description="Dispatch round of the assignment: 1 first dispatch, 2 the street's second dispatch, 3 the district's decision.")
    role: str = strawberry.field(description="LEAD 牵头 or CO 协办.")
    at: datetime = strawberry.field(description="The instant that places it in the period: the response or resolution deadline, the dispatch, or the rating.")
    value: float = strawberry.field(description="What it adds to the numerator: 1 or 0; for satisfaction the rating 1 / 0.5 / 0.")
    counted: bool = strawberry.field(description="In the denominator. False: left out of the rate (see reason).")
    reason: str = strawberry.field(description=(
        "ON_TIME, LATE, NO_RESPONSE (response); ACCEPTED, DISPUTE_REJECTED, NOT_ACCEPTED (acceptance); RESOLVED_ON_TIME, "
        "RESOLVED_LATE, REOPENED, UNRESOLVED (completion); SATISFIED, BASIC, UNSATISFIED (satisfaction); left out: "
        "INSIDE_DEADLINE (deadline not passed at the period's end), DISPUTE_UPHELD, DISPUTE_PENDING, DISPUTED."))


def _items(rate: Rate) -> list[KpiItem]:
    return [
        KpiItem(request_id=strawberry.ID(to_global_id("Request", i.request_id)), tracking_code=i.tracking_code,
                assignment_round=i.round, role=i.role, at=i.at, value=float(i.value),
                counted=i.counted, reason=i.reason)
        for i in rate.items
    ]


@strawberry.type(description="A rate with its numerator, denominator and the requests behind both.")
class KpiRate:
    indicator: KpiIndicator
    rate: float | None = strawberry.field(description="numerator / denominator. " + RATE_NOTE)
    numerator: float = strawberry.field(description="Sum of the counted items' values.")
    denominator: int = strawberry.field(description="Number of counted items.")
    items: list[KpiItem] = strawberry.field(description="Every request in the denominator and every one left out, with the reason.")

    @classmethod
    def of(cls, indicator: KpiIndicator, rate: Rate) -> KpiRate:
        return cls(indicator=indicator, rate=shown(rate.value), numerator=float(rate.numerator), denominator=rate.denominator,
                   items=_items(rate))


@strawberry.type(description=(
    "考核规则 — one version of the KPI rules the district sets (ADMIN, `defineKpiRules`): the base score, the points "
    "each failure costs (0: not deducted) and whether co-handlers are measured. A period is computed with the version in "
    "effect on its first day; a version takes effect on its date and stays until the next one. Version 0 is the default "
    "(the seed's): base 100, 1 point per failure, co-handlers measured."))
class KpiRules:
    version: int = strawberry.field(description="0 for the defaults; otherwise the version's number (increasing).")
    effective_from: date = strawberry.field(description="First local day it applies to (Asia/Shanghai).")
    base_score: int = strawberry.field(description="The score before deductions (default 100).")
    late_response_points: int = strawberry.field(description="Points per late or missing response (default 1).")
    refused_resolution_points: int = strawberry.field(description="Points per resolution the center refused as unreasonable (default 1).")
    unsatisfied_rating_points: int = strawberry.field(description="Points per 不满意 rating (default 1).")
    co_handlers_measured: bool = strawberry.field(description=(
        "Whether co-handlers (协办) are measured on their response rate, their late responses deducting (default true). "
        "When false only lead assignments count."))
    note: str

    @classmethod
    def of(cls, r: Rules) -> KpiRules:
        return cls(version=r.version, effective_from=r.effective_from, base_score=r.base_score,
                   late_response_points=r.late_response_points, refused_resolution_points=r.refused_resolution_points,
                   unsatisfied_rating_points=r.unsatisfied_rating_points, co_handlers_measured=r.co_handlers_measured, note=r.note)


@strawberry.type(description="One deduction: the points it cost (the rules' points for its reason).")
class KpiDeduction:
    reason: KpiDeductionReason
    points: int
    request_id: strawberry.ID = strawberry.field(description="The request (global ID of a Request).")
    tracking_code: str
    role: str = strawberry.field(description="LEAD or CO: the unit's role on the request.")
    at: datetime = strawberry.field(description="The missed response deadline, the reopen or the rating.")

    @classmethod
    def of(cls, d: Deduction) -> KpiDeduction:
        return cls(reason=KpiDeductionReason(d.reason), points=d.points, request_id=strawberry.ID(to_global_id("Request", d.request_id)),
                   tracking_code=d.tracking_code, role=d.role, at=d.at)


@strawberry.type(description=(
    "部门考核 — one unit's KPIs for one period (local Asia/Shanghai dates `from`–`to` inclusive, i.e. [from 00:00, to+1 00:00)); "
    "T = min(period end, now). Lead assignments are measured on all four rates; a co-handler on its response rate "
    "(and its late responses) only. An assignment whose dispute was upheld (the street's second dispatch or the "
    "district's decision went to another unit) is left out of everything. Score = base score (100) − deductions, no "
    "floor. Points, base score and whether co-handlers are measured are those of `rules`, the version in effect on "
    "the period's first day."))
class UnitKpi:
    unit_kind: KpiUnitKind
    unit_id: strawberry.ID = strawberry.field(description="Global ID of the Department, Street or StreetSection.")
    unit_name: str
    period_from: date
    period_to: date = strawberry.field(description="Inclusive last local day.")
    period_start: datetime = strawberry.field(description="The period's first instant (UTC).")
    period_end: datetime = strawberry.field(description="The period's end, exclusive (UTC).")
    as_of: datetime = strawberry.field(description="T = min(period end, now): deadlines at or after T are still running and left out.")
    response_rate: float | None = strawberry.field(description=(
        "响应率 = answered (accepted or disputed) at or before the response deadline / assignments (lead and co) whose "
        "response deadline lies in [start, T). " + RATE_NOTE))
    acceptance_rate: float | None = strawberry.field(description=(
        "承办率 = (accepted + disputed but finally decided against the unit) / lead assignments dispatched in [start, T), "
        "leaving out upheld disputes, disputes awaiting a ruling, and assignments not answered by T whose response "
        "deadline is at or after T. " + RATE_NOTE))
    completion_rate: float | None = strawberry.field(description=(
        "办结率 = resolved at or before the resolution deadline and never reopened / lead assignments whose resolution "
        "deadline lies in [start, T), disputed ones left out. " + RATE_NOTE))
    satisfaction_rate: float | None = strawberry.field(description=(
        "满意率 = sum of ratings (满意 1, 基本满意 0.5, 不满意 0) / number of ratings given in the period while the unit "
        "led the request. " + RATE_NOTE))
    response: KpiRate
    acceptance: KpiRate
    completion: KpiRate
    satisfaction: KpiRate
    late_responses: int = strawberry.field(description="Number of late (or missing) responses deducted.")
    refused_resolutions: int = strawberry.field(description="Number of resolutions the center refused (reopened) as unreasonable, deducted.")
    unsatisfied_ratings: int = strawberry.field(description="Number of 不满意 ratings deducted (one per rating, also when it reopened the request).")
    deducted: int = strawberry.field(description=(
        "扣分: total points deducted = late responses × lateResponsePoints + refused resolutions × refusedResolutionPoints "
        "+ unsatisfied ratings × unsatisfiedRatingPoints (by default 1 point each)."))
    deductions: list[KpiDeduction] = strawberry.field(description="Every deduction with its request, reason and points, in time order.")
    score: int = strawberry.field(description="考核得分 = rules.baseScore (100) − deducted, with no lower bound (can be negative).")
    rules: KpiRules = strawberry.field(description="The rules these figures were computed with.")

    @classmethod
    def of(cls, row: KpiRow) -> UnitKpi:
        k = row.kpi
        return cls(
            unit_kind=KpiUnitKind(row.unit.kind), unit_id=strawberry.ID(to_global_id(_GID_TYPE[row.unit.kind], row.unit.id)),
            unit_name=row.unit.name, period_from=row.period_from, period_to=row.period_to, period_start=k.start,
            period_end=k.end, as_of=k.cutoff,
            response_rate=shown(k.response.value), acceptance_rate=shown(k.acceptance.value),
            completion_rate=shown(k.completion.value), satisfaction_rate=shown(k.satisfaction.value),
            response=KpiRate.of(KpiIndicator.RESPONSE, k.response),
            acceptance=KpiRate.of(KpiIndicator.ACCEPTANCE, k.acceptance),
            completion=KpiRate.of(KpiIndicator.COMPLETION, k.completion),
            satisfaction=KpiRate.of(KpiIndicator.SATISFACTION, k.satisfaction),
            late_responses=k.count("LATE_RESPONSE"), refused_resolutions=k.count("REFUSED_RESOLUTION"),
            unsatisfied_ratings=k.count("UNSATISFIED_RATING"), deducted=k.deducted,
            deductions=[KpiDeduction.of(d) for d in k.deductions], score=k.score, rules=KpiRules.of(k.rules),
        )

