"""Street assessment (街道考核): the resident-satisfaction item (群众满意度).

Formulas (pure, exact):
* mean phone score of a street = the plain mean of the phone scores of its communities that have
  one (each community counts once, whatever its sample size; a community without a phone score is
  left out and listed); no community with a score → null;
* satisfaction points = satisfactionWeight (48) × mean phone score / 100 (0–48);
* the item's share of the street's whole assessment = satisfactionSharePermille / 1000 (14.3%), so
  the whole assessment totals satisfactionWeight / share points (48 / 0.143 ≈ 335.66);
* shown rounded half up to 2 decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class StreetItem:
    mean_phone: Fraction | None
    points: Fraction | None
    scored: int
    unscored: int
    weight: int
    share: Fraction
    street_total: Fraction


def share(share_permille: int) -> Fraction:
    """The item's share of the street's total, e.g. 143 ‰ → 143/1000."""
    return Fraction(share_permille, 1000)


def street_total(weight: int, share_permille: int) -> Fraction:
    """The street's whole assessment in points: weight / share (48 / 0.143 = 48000/143)."""
    return Fraction(weight) / share(share_permille)


def street_satisfaction(community_phone_scores: Iterable[Fraction | None], weight: int = 48, share_permille: int = 143) -> StreetItem:
    """The street's satisfaction item from its communities' phone scores (None = no score):
    mean = Σ present scores / #present (None when none); points = weight × mean / 100;
    street_total = weight / (share_permille / 1000)."""
    scores = list(community_phone_scores)
    present = [s for s in scores if s is not None]
    mean = None if not present else sum(present, Fraction(0)) / len(present)
    points = None if mean is None else weight * mean / 100
    return StreetItem(mean_phone=mean, points=points, scored=len(present), unscored=len(scores) - len(present), weight=weight,
                      share=share(share_permille), street_total=street_total(weight, share_permille))
