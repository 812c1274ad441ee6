"""Exact numbers and how they are shown. Every score is an exact `Fraction`; ranks compare the
exact values. A score is *shown* rounded to 2 decimals, half up (e.g. 87.125 → 87.13)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

CENT = Decimal("0.01")


def to_decimal(value: Fraction, places: int = 2) -> Decimal:
    """`value` rounded half up to `places` decimals."""
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def shown(value: Fraction | None, places: int = 2) -> float | None:
    """The displayed figure: half-up rounded to `places` decimals (None stays None)."""
    return None if value is None else float(to_decimal(value, places))


def exact_text(value: Fraction | None) -> str | None:
    """The exact value as text: an integer, a finite decimal, or `p/q` when the decimal repeats."""
    if value is None:
        return None
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:
        with localcontext() as ctx:
            ctx.prec = 60
            return format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")
    return f"{value.numerator}/{value.denominator}"
