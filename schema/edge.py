"""The request edge for writes: one session per mutation, committed at the end.

A domain error that must still leave a trace (a failed sign-in counted, a refusal audited)
is raised only after the session commits what was recorded; any other exception rolls back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError, Forbidden, TooManyAttempts, Unauthenticated
from schema.context import Context

# Errors whose bookkeeping (failure counters, audit rows) is kept although the action failed.
_KEEP_ON = (Unauthenticated, TooManyAttempts, Forbidden)


@asynccontextmanager
async def write_unit(ctx: Context) -> AsyncIterator[AsyncSession]:
    async with ctx.db.sessions() as session:
        try:
            yield session
        except _KEEP_ON:
            await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
