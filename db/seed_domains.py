"""Demo data of the deep-resolution domains (partners, meetings, four-society, time bank), run by
db/seed.py inside the demo district's seeding transaction, after the district itself.

Each seeder is `async def seed_x(conn: AsyncConnection, plan: dict) -> int` (rows written);
`plan` is db.seed.plan_district()'s output (ids of streets, communities, partner units, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

Seeder = Callable[[AsyncConnection, dict[str, Any]], Awaitable[int]]

SEEDERS: list[Seeder] = []

from db.seed_partners import seed_partners  # noqa: E402

SEEDERS.append(seed_partners)

from db.seed_meetings import seed_meetings  # noqa: E402

SEEDERS.append(seed_meetings)

from db.seed_timebank import seed_timebank  # noqa: E402

SEEDERS.append(seed_timebank)

from db.seed_society import seed_society  # noqa: E402

SEEDERS.append(seed_society)

from db.seed_evaluation import seed_evaluation  # noqa: E402

SEEDERS.append(seed_evaluation)
