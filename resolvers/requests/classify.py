"""Suggest a subcategory (and so a responsible department) from a request's text.

Keyword rules over the taxonomy: each subcategory's keywords found in the text score their
length (a longer keyword is a more specific hit). Shown to the center, never forced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    subcategory_id: int
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    subcategory_id: int
    score: int
    matched: tuple[str, ...]


def suggest(text: str, candidates: Iterable[Candidate]) -> Suggestion | None:
    best: Suggestion | None = None
    for c in candidates:
        matched = tuple(k for k in c.keywords if k and k in text)
        if not matched:
            continue
        score = sum(len(k) for k in matched)
        if best is None or score > best.score:
            best = Suggestion(c.subcategory_id, score, matched)
    return best


def bigrams(text: str) -> str:
    """Character bigrams of the text's CJK and alphanumeric runs, for Chinese text search."""
    runs, current = [], []
    for ch in text:
        if ch.isalnum():
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    grams: list[str] = []
    seen: set[str] = set()
    for run in runs:
        pieces = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        for p in pieces:
            if p not in seen:
                seen.add(p)
                grams.append(p)
    return " ".join(grams)
