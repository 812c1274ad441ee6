"""Department KPIs (SPEC §7, 部门考核): the formulas, as plain functions over plain facts.

No SQL and no GraphQL in here: `resolvers.kpi.gather` collects the facts, these functions turn
them into numbers. Every function returns, next to its figure, the items behind it, so every
number is traceable to the requests (and assignments) it was computed from.

Vocabulary
----------

* An *assignment* is one unit handling one request in one dispatch round (db `assignment` row):
  the LEAD (牵头) or a CO-handler (协办). A unit is measured on its own assignments.
* The *period* is half-open ``[start, end)`` (aware UTC instants of local Asia/Shanghai dates).
* The *cutoff* ``T = min(end, now)``: a deadline at or after ``T`` has not passed yet, so the
  assignment is *still inside its deadline* and is left out of that rate (not a failure).
* A *dispute outcome* (for a disputed LEAD assignment of round r): ``UPHELD`` when the latest
  LEAD assignment of a later round (the street's second dispatch, or the district's decision)
  went to another unit; ``AGAINST`` when it came back to this unit; ``PENDING`` while no later
  round exists. An assignment whose dispute was UPHELD is left out of every figure — it never
  was the unit's business.

The indicators (all rates are exact fractions; shown as 0–1 rounded half-even to 4 decimals;
``None`` — "no rate" — when the denominator is 0, never 0% or 100%):

* **Response rate 响应率** (LEAD and CO assignments) — denominator: assignments whose response
  deadline lies in ``[start, T)``; numerator: those answered (accepted or disputed) at or before
  that deadline (``responded_at ≤ response_due_at``). Assignments accepted on the spot (no
  response deadline) are not in it.
* **Acceptance rate 承办率** (LEAD only) — denominator: assignments dispatched in ``[start, T)``,
  leaving out upheld disputes, disputes still awaiting the street's or district's ruling, and
  assignments not yet answered at ``T`` whose response deadline is ``≥ T``; numerator: those
  accepted, plus those disputed but finally decided against the unit.
* **Completion rate 办结率** (LEAD only) — denominator: assignments whose resolution deadline lies
  in ``[start, T)``, leaving out disputed ones (a dispute ends the assignment; a ruling against
  the unit gives it a new one); numerator: those resolved at or before the deadline
  (``resolved_at ≤ resolve_due_at``) and never reopened (by the center or by an unsatisfied
  resident) while the unit led. A reopen restarts the resolution deadline of the assignment.
* **Satisfaction rate 满意率** (LEAD only) — over the ratings given in ``[start, end)`` to
  requests while the unit was their lead: sum of scores (满意 1, 基本满意 0.5, 不满意 0) divided by
  the number of ratings.
* **Deductions 扣分**, 1 point each: every *late response* (an assignment, LEAD or CO, in the
  response-rate denominator and not in its numerator; dated at its deadline); every *refused
  resolution* (the center reopens a resolution as unreasonable in ``[start, end)`` while the
  unit leads); every *unsatisfied rating* (in ``[start, end)``, while the unit leads). A resident's
  unsatisfied rating that reopens the request is one deduction (the rating), not two: a reopen
  by the resident is never a deduction.
* **KPI score** = 100 − deductions, with no lower bound (it can go below zero).

A co-handler is measured on its response rate only (and its late responses deduct); the other
indicators and deductions are of the lead.

The base score, the points of each kind of deduction and whether co-handlers are measured are the
district's to configure (`resolvers.kpi.rules`): the figures above are the defaults. A period is
computed with the rules in effect on its first day; a deduction worth 0 points is not listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from resolvers.kpi.rules import DEFAULT_RULES, KpiRules

__all__ = [
    "AssignmentFact",
    "BASE_SCORE",
    "DEDUCTION_POINTS",
    "Deduction",
    "EventFact",
    "Item",
    "LeagueEntry",
    "Rate",
    "UnitKpi",
    "acceptance_rate",
    "completion_rate",
    "cutoff",
    "deductions",
    "league_ranks",
    "response_rate",
    "satisfaction_rate",
    "score",
    "shown",
    "unit_kpi",
]

BASE_SCORE = 100
DEDUCTION_POINTS = 1

# Dispute outcomes.
UPHELD = "UPHELD"
AGAINST = "AGAINST"
PENDING = "PENDING"


@dataclass(frozen=True)
class AssignmentFact:
    """One assignment as the formulas need it (all datetimes aware UTC).

    ``status`` is the current one: PENDING, ACCEPTED, DISPUTED or DONE (resolved).
    ``dispute_outcome`` is None unless disputed (then UPHELD / AGAINST / PENDING).
    ``resolved_at`` is the last resolution made while this assignment led, ``reopened`` whether
    the request was reopened (by anyone) while it led.
    """

    assignment_id: int
    request_id: int
    tracking_code: str
    unit_kind: str
    unit_id: int
    role: str
    round: int
    assigned_at: datetime
    status: str
    response_due_at: datetime | None = None
    responded_at: datetime | None = None
    resolve_due_at: datetime | None = None
    dispute_outcome: str | None = None
    resolved_at: datetime | None = None
    reopened: bool = False

    @property
    def upheld(self) -> bool:
        return self.dispute_outcome == UPHELD

    @property
    def disputed(self) -> bool:
        return self.status == "DISPUTED"


@dataclass(frozen=True)
class EventFact:
    """A RATED or REOPENED event charged to the LEAD assignment in charge at its time.

    ``score`` is the rating (1 / 0.5 / 0) of a RATED event; ``by`` is CENTER or RESIDENT for a
    REOPENED event."""

    kind: str
    request_id: int
    tracking_code: str
    assignment_id: int
    at: datetime
    score: Fraction | None = None
    by: str | None = None


@dataclass(frozen=True)
class Item:
    """One request behind a figure. ``value`` is what it adds to the numerator (0 when it is in
    the denominator only; for satisfaction the rating); ``counted`` False means left out of the
    rate altogether (``reason`` says why). ``at`` is the instant that places it in the period."""

    indicator: str
    request_id: int
    tracking_code: str
    assignment_id: int
    role: str
    at: datetime
    value: Fraction
    counted: bool
    reason: str
    round: int = 1


@dataclass(frozen=True)
class Rate:
    """An exact rate: ``numerator / denominator`` or None without a denominator."""

    indicator: str
    numerator: Fraction
    denominator: int
    items: tuple[Item, ...] = ()

    @property
    def value(self) -> Fraction | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def counted_items(self) -> list[Item]:
        return [i for i in self.items if i.counted]

    @property
    def left_out(self) -> list[Item]:
        return [i for i in self.items if not i.counted]


@dataclass(frozen=True)
class Deduction:
    """One deducted point: LATE_RESPONSE, REFUSED_RESOLUTION or UNSATISFIED_RATING."""

    reason: str
    request_id: int
    tracking_code: str
    assignment_id: int
    role: str
    at: datetime
    points: int = DEDUCTION_POINTS


@dataclass(frozen=True)
class UnitKpi:
    """The four rates, the deductions and the score of one unit for one period."""

    unit_kind: str
    unit_id: int
    start: datetime
    end: datetime
    cutoff: datetime
    response: Rate
    acceptance: Rate
    completion: Rate
    satisfaction: Rate
    deductions: tuple[Deduction, ...] = field(default=())
    rules: KpiRules = DEFAULT_RULES

    @property
    def deducted(self) -> int:
        return sum(d.points for d in self.deductions)

    @property
    def score(self) -> int:
        return score(self.deductions, self.rules.base_score)

    def count(self, reason: str) -> int:
        return sum(1 for d in self.deductions if d.reason == reason)


def cutoff(end: datetime, now: datetime) -> datetime:
    """T = min(end, now): deadlines at or after T have not passed at the period's end."""
    return min(end, now)


def shown(rate: Fraction | None, places: int = 4) -> float | None:
    """A rate as shown: rounded half-even to `places` decimals (ranking uses the exact value)."""
    if rate is None:
        return None
    q = Decimal(rate.numerator) / Decimal(rate.denominator)
    return float(q.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def _in(t: datetime | None, start: datetime, end: datetime) -> bool:
    return t is not None and start <= t < end


def response_rate(facts: Iterable[AssignmentFact], start: datetime, end: datetime, now: datetime) -> Rate:
    """响应率 = #{answered at or before the response deadline} / #{response deadline in [start, T)}.

    Over LEAD and CO assignments; T = min(end, now). Left out (listed, not counted): deadlines in
    ``[T, end)`` (INSIDE_DEADLINE) and upheld disputes (DISPUTE_UPHELD). Answered means accepted or
    disputed; ``responded_at ≤ response_due_at`` is in time.
    """
    t = cutoff(end, now)
    items: list[Item] = []
    num = 0
    for f in facts:
        due = f.response_due_at
        if not _in(due, start, end):
            continue
        assert due is not None
        if f.upheld:
            items.append(Item("RESPONSE", f.request_id, f.tracking_code, f.assignment_id, f.role, due, Fraction(0), False, "DISPUTE_UPHELD", f.round))
        elif due >= t:
            items.append(Item("RESPONSE", f.request_id, f.tracking_code, f.assignment_id, f.role, due, Fraction(0), False, "INSIDE_DEADLINE", f.round))
        elif f.responded_at is not None and f.responded_at <= due:
            num += 1
            items.append(Item("RESPONSE", f.request_id, f.tracking_code, f.assignment_id, f.role, due, Fraction(1), True, "ON_TIME", f.round))
        else:
            reason = "LATE" if f.responded_at is not None else "NO_RESPONSE"
            items.append(Item("RESPONSE", f.request_id, f.tracking_code, f.assignment_id, f.role, due, Fraction(0), True, reason, f.round))
    return Rate("RESPONSE", Fraction(num), sum(1 for i in items if i.counted), tuple(items))


def acceptance_rate(facts: Iterable[AssignmentFact], start: datetime, end: datetime, now: datetime) -> Rate:
    """承办率 = #{accepted, or disputed but finally decided against the unit} / #{dispatched in [start, T)}.

    LEAD assignments only; T = min(end, now). Left out: upheld disputes (DISPUTE_UPHELD), disputes
    with no ruling yet (DISPUTE_PENDING), and assignments not answered by T whose response deadline
    is at or after T (INSIDE_DEADLINE). Accepted means status ACCEPTED or DONE now.
    """
    t = cutoff(end, now)
    items: list[Item] = []
    num = 0
    for f in facts:
        if f.role != "LEAD" or not _in(f.assigned_at, start, t):
            continue
        at = f.assigned_at

        def add(value: int, counted: bool, reason: str) -> None:
            items.append(Item("ACCEPTANCE", f.request_id, f.tracking_code, f.assignment_id, f.role, at, Fraction(value), counted, reason, f.round))

        if f.disputed:
            if f.dispute_outcome == AGAINST:
                num += 1
                add(1, True, "DISPUTE_REJECTED")
            elif f.dispute_outcome == UPHELD:
                add(0, False, "DISPUTE_UPHELD")
            else:
                add(0, False, "DISPUTE_PENDING")
        elif f.status in ("ACCEPTED", "DONE"):
            num += 1
            add(1, True, "ACCEPTED")
        elif (f.responded_at is None or f.responded_at >= t) and f.response_due_at is not None and f.response_due_at >= t:
            add(0, False, "INSIDE_DEADLINE")
        else:
            add(0, True, "NOT_ACCEPTED")
    return Rate("ACCEPTANCE", Fraction(num), sum(1 for i in items if i.counted), tuple(items))


def completion_rate(facts: Iterable[AssignmentFact], start: datetime, end: datetime, now: datetime) -> Rate:
    """办结率 = #{resolved at or before the resolution deadline and never reopened} / #{resolution deadline in [start, T)}.

    LEAD assignments only; T = min(end, now). Left out: disputed assignments (DISPUTED — whatever the
    ruling) and deadlines in ``[T, end)`` (INSIDE_DEADLINE). Failures are RESOLVED_LATE, REOPENED
    (reopened while the unit led, even if resolved again) and UNRESOLVED.
    """
    t = cutoff(end, now)
    items: list[Item] = []
    num = 0
    for f in facts:
        due = f.resolve_due_at
        if f.role != "LEAD" or not _in(due, start, end):
            continue
        assert due is not None

        def add(value: int, counted: bool, reason: str) -> None:
            items.append(Item("COMPLETION", f.request_id, f.tracking_code, f.assignment_id, f.role, due, Fraction(value), counted, reason, f.round))

        if f.disputed:
            add(0, False, "DISPUTE_UPHELD" if f.upheld else "DISPUTED")
        elif due >= t:
            add(0, False, "INSIDE_DEADLINE")
        elif f.reopened:
            add(0, True, "REOPENED")
        elif f.resolved_at is None:
            add(0, True, "UNRESOLVED")
        elif f.resolved_at <= due:
            num += 1
            add(1, True, "RESOLVED_ON_TIME")
        else:
            add(0, True, "RESOLVED_LATE")
    return Rate("COMPLETION", Fraction(num), sum(1 for i in items if i.counted), tuple(items))


_RATING_REASON = {Fraction(1): "SATISFIED", Fraction(1, 2): "BASIC", Fraction(0): "UNSATISFIED"}


def satisfaction_rate(events: Iterable[EventFact], leads: dict[int, AssignmentFact], start: datetime, end: datetime) -> Rate:
    """满意率 = Σ rating (满意 1 / 基本满意 0.5 / 不满意 0) / #{ratings given in [start, end)}.

    Over the RATED events charged to one of the unit's LEAD assignments (`leads`, by id)."""
    items: list[Item] = []
    total = Fraction(0)
    for e in events:
        if e.kind != "RATED" or e.score is None or e.assignment_id not in leads or not _in(e.at, start, end):
            continue
        lead = leads[e.assignment_id]
        if lead.upheld:
            continue
        total += e.score
        items.append(Item("SATISFACTION", e.request_id, e.tracking_code, e.assignment_id, lead.role, e.at, e.score, True,
                          _RATING_REASON.get(e.score, "RATED"), lead.round))
    return Rate("SATISFACTION", total, len(items), tuple(items))


def deductions(response: Rate, events: Iterable[EventFact], leads: dict[int, AssignmentFact], start: datetime, end: datetime,
               rules: KpiRules = DEFAULT_RULES) -> list[Deduction]:
    """扣分, by default 1 point each (`rules` sets the points; a reason worth 0 is left out), in time order:

    * LATE_RESPONSE — every counted item of the response rate that is not on time (late or no
      answer by its deadline), LEAD or CO;
    * REFUSED_RESOLUTION — every REOPENED event by the CENTER in [start, end) charged to a LEAD
      assignment of the unit (the resolution refused as unreasonable);
    * UNSATISFIED_RATING — every RATED event with score 0 in [start, end) charged to a LEAD
      assignment of the unit. The reopen a resident's unsatisfied rating causes (REOPENED by
      RESIDENT) deducts nothing more: one unsatisfied rating, one point.
    """
    out = [
        Deduction("LATE_RESPONSE", i.request_id, i.tracking_code, i.assignment_id, i.role, i.at)
        for i in response.items if i.counted and i.value == 0
    ]
    for e in events:
        lead = leads.get(e.assignment_id)
        if lead is None or lead.upheld or not _in(e.at, start, end):
            continue
        if e.kind == "REOPENED" and e.by == "CENTER":
            out.append(Deduction("REFUSED_RESOLUTION", e.request_id, e.tracking_code, e.assignment_id, lead.role, e.at))
        elif e.kind == "RATED" and e.score == 0:
            out.append(Deduction("UNSATISFIED_RATING", e.request_id, e.tracking_code, e.assignment_id, lead.role, e.at))
    out = [Deduction(d.reason, d.request_id, d.tracking_code, d.assignment_id, d.role, d.at, rules.points(d.reason))
           for d in out if rules.points(d.reason) > 0]
    out.sort(key=lambda d: (d.at, d.request_id, d.reason))
    return out


def score(items: Sequence[Deduction], base: int = BASE_SCORE) -> int:
    """KPI score = base (100) − Σ points, no floor: 103 one-point deductions give −3."""
    return base - sum(d.points for d in items)


def unit_kpi(unit_kind: str, unit_id: int, facts: Sequence[AssignmentFact], events: Sequence[EventFact],
             start: datetime, end: datetime, now: datetime, rules: KpiRules = DEFAULT_RULES) -> UnitKpi:
    """All indicators of one unit. `facts` are the unit's assignments (LEAD and CO), `events` the
    RATED / REOPENED events charged to its LEAD assignments (others are ignored). Under rules that
    do not measure co-handlers, CO assignments are left out of the response rate (and so deduct
    nothing)."""
    mine = [f for f in facts if f.unit_kind == unit_kind and f.unit_id == unit_id]
    leads = {f.assignment_id: f for f in mine if f.role == "LEAD"}
    measured = mine if rules.co_handlers_measured else [f for f in mine if f.role == "LEAD"]
    response = response_rate(measured, start, end, now)
    return UnitKpi(
        unit_kind=unit_kind, unit_id=unit_id, start=start, end=end, cutoff=cutoff(end, now),
        response=response,
        acceptance=acceptance_rate(mine, start, end, now),
        completion=completion_rate(mine, start, end, now),
        satisfaction=satisfaction_rate(events, leads, start, end),
        deductions=tuple(deductions(response, events, leads, start, end, rules)),
        rules=rules,
    )


@dataclass(frozen=True)
class LeagueEntry:
    """A unit in a league table: ranked on (score desc, overdue asc); ``name`` only orders ties."""

    key: object
    name: str
    score: int
    overdue: int
    rank: int = 0


def league_ranks(entries: Iterable[LeagueEntry]) -> list[LeagueEntry]:
    """排名: higher KPI score first; on an equal score fewer overdue (挂牌督办) items first; units
    equal on both share a rank (competition ranking 1, 2, 2, 4) and are listed by name."""
    ordered = sorted(entries, key=lambda e: (-e.score, e.overdue, e.name, str(e.key)))
    out: list[LeagueEntry] = []
    for i, e in enumerate(ordered):
        if out and (out[-1].score, out[-1].overdue) == (e.score, e.overdue):
            rank = out[-1].rank
        else:
            rank = i + 1
        out.append(LeagueEntry(e.key, e.name, e.score, e.overdue, rank))
    return out
