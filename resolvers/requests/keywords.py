"""The subcategories' keywords, remembered for the suggestion made at every submission.

Every submission read all 33 subcategories' keywords again (a statement of its ~12). They change
only when an administrator edits the taxonomy: this process forgets them after the commit of any
write to `subcategory` (db/table_writes.py), and other processes within KEYWORDS_SECONDS — a
suggestion is advice the center confirms or corrects at triage, so a keyword edited on another
process may advise a little later.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from db import table_writes
from db.models import Subcategory
from resolvers.requests.classify import Candidate

KEYWORDS_SECONDS = 30.0


class _Keywords:
    def __init__(self) -> None:
        self.generation = 0
        # by database (a process may hold several: a test's own, a backup being restored)
        self._kept: dict[Any, tuple[list[Candidate], float]] = {}
        table_writes.listen(frozenset({"subcategory"}), self.forget)

    def forget(self) -> None:
        self.generation += 1
        self._kept.clear()

    async def candidates(self, session: Any) -> list[Candidate]:
        database = session.get_bind().url  # hashable as it is: rendering it was ~1 % of a submission
        kept = self._kept.get(database)
        if kept is not None and time.monotonic() < kept[1]:
            return kept[0]
        generation = self.generation
        rows = (await session.execute(select(Subcategory.id, Subcategory.keywords))).all()
        found = [Candidate(r.id, tuple(r.keywords.split())) for r in rows]
        if generation == self.generation:  # not if the taxonomy changed while we read
            self._kept[database] = (found, time.monotonic() + KEYWORDS_SECONDS)
        return found


KEYWORDS = _Keywords()


async def keyword_candidates(session: Any) -> list[Candidate]:
    """Every subcategory with its keywords; `session` reads them when they are not remembered."""
    return await KEYWORDS.candidates(session)
