"""SQLite has one writer at a time: units of work queue for their turn in the event loop
(db/engine.py `write_turn`) instead of polling the file lock in driver threads, where a writer
that waited longer than busy_timeout (10 s) failed with "database is locked" — seen under load
with 1,000 live subscribers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, update

from db.models import Street
from schema.context import Context
from schema.edge import write_unit
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the single-writer file lock is SQLite's")

HOLD_SECONDS = 11  # longer than the driver's busy_timeout


async def test_a_writer_waits_its_turn_however_long_the_holder_takes(app: Any, db: Any, settings: Any) -> None:
    ctx = Context(db=db, settings=settings, actor=None, loaders=None)  # type: ignore[arg-type]
    async with db.read() as conn:
        street_id, name = (await conn.execute(select(Street.id, Street.name).order_by(Street.id).limit(1))).one()
    holding = asyncio.Event()

    async def slow_holder() -> None:
        async with write_unit(ctx) as session:
            await session.execute(update(Street).where(Street.id == street_id).values(name=name))  # takes the write lock
            holding.set()
            await asyncio.sleep(HOLD_SECONDS)

    async def second_writer() -> str:
        await holding.wait()
        async with write_unit(ctx) as session:
            await session.execute(update(Street).where(Street.id == street_id).values(name=name))
        return "committed"

    _, outcome = await asyncio.wait_for(asyncio.gather(slow_holder(), second_writer()), timeout=120)
    assert outcome == "committed"
