"""The configurable part of the department KPIs (SPEC §7: "these are ours … configurable").

The indicators' definitions (what counts in a numerator and a denominator) are the formulas of
`resolvers.kpi.formulas`; what a district tunes is how much each failure costs and who is
measured: the base score, the points per late response, per refused resolution and per
unsatisfied rating (0 turns a deduction off), and whether co-handlers (协办) are measured on
their response rate.

Rules are *versions*, each in effect from a local date on: a period is computed with the version
in effect on its first day, so a figure published last year is reproduced exactly after the rules
change. A new version may not take effect before today (district calendar) — the past is never
re-scored — and only ADMIN defines one. Before the first version the defaults below apply
(version 0), which are the seed's: 100 points, 1 point per failure, co-handlers measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

__all__ = ["DEFAULT_RULES", "KpiRules", "MAX_BASE_SCORE", "MAX_POINTS", "check_rules", "rules_on"]

MAX_BASE_SCORE = 1000
MAX_POINTS = 100


@dataclass(frozen=True)
class KpiRules:
    version: int
    effective_from: date
    base_score: int = 100
    late_response_points: int = 1
    refused_resolution_points: int = 1
    unsatisfied_rating_points: int = 1
    co_handlers_measured: bool = True
    note: str = ""

    def points(self, reason: str) -> int:
        return {
            "LATE_RESPONSE": self.late_response_points,
            "REFUSED_RESOLUTION": self.refused_resolution_points,
            "UNSATISFIED_RATING": self.unsatisfied_rating_points,
        }[reason]


DEFAULT_RULES = KpiRules(version=0, effective_from=date(2000, 1, 1), note="默认规则(种子文件):满分100,每项扣1分")


def rules_on(versions: Iterable[KpiRules], day: date) -> KpiRules:
    """The version in effect on local `day`: the latest whose `effective_from` is on or before it;
    the defaults when none is."""
    best = DEFAULT_RULES
    for v in versions:
        if v.effective_from <= day and (v.effective_from, v.version) > (best.effective_from, best.version):
            best = v
    return best


def check_rules(*, effective_from: date, today: date, base_score: int, late_response_points: int,
                refused_resolution_points: int, unsatisfied_rating_points: int) -> dict[str, str]:
    """What is wrong with a proposed version, by input field (empty when nothing)."""
    problems: dict[str, str] = {}
    if effective_from < today:
        problems["effectiveFrom"] = "新规则不能追溯既往:生效日期不得早于今天"
    if not 1 <= base_score <= MAX_BASE_SCORE:
        problems["baseScore"] = f"基础分须在 1–{MAX_BASE_SCORE} 之间"
    for name, value in (("lateResponsePoints", late_response_points), ("refusedResolutionPoints", refused_resolution_points),
                        ("unsatisfiedRatingPoints", unsatisfied_rating_points)):
        if not 0 <= value <= MAX_POINTS:
            problems[name] = f"每项扣分须在 0–{MAX_POINTS} 之间"
    return problems
