"""The event log is the truth: commit-ordered cursors, nothing from a rolled-back transaction,
replay then live with no gap and no duplicate, and subscription authorisation."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, text

from db.models import REQUEST_LOG_SEQ, Request, RequestEvent
from resolvers.auth import actor_for_token
from resolvers.events import EVENT_LOG_LOCK
from resolvers.requests import intake
from schema.context import Context
from schema.edge import write_unit
from schema.loaders import Loaders
from tests.conftest import BACKEND
from tests.loop_helpers import DISPATCH, Loop, dept, qr_token_in, sub

WALL = "subscription($after: String) { requestCreated(after: $after) { cursor kind request { trackingCode } } }"
UNIT = "subscription($u: ID, $after: String) { unitAssignments(unitId: $u, after: $after) { cursor kind request { trackingCode } } }"


async def _context(app: Any, token: str | None) -> Context:
    db = app.state.db
    actor = None
    if token:
        async with db.read() as conn:
            actor = await actor_for_token(conn, app.state.settings.secret_key, token)
    return Context(db=db, settings=app.state.settings, actor=actor, loaders=Loaders(db), extra={"bus": app.state.bus})


async def _subscribe(app: Any, token: str, query: str, variables: dict | None = None) -> Any:
    result = await app.state.schema.subscribe(query, variable_values=variables or {}, context_value=await _context(app, token))
    assert hasattr(result, "__anext__"), result
    return result


async def _top(db: Any) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.max(RequestEvent.seq)))).scalar() or 0


async def test_a_rolled_back_change_is_never_delivered(app: Any, db: Any, tokens: dict[str, str]) -> None:
    qr = await qr_token_in(db, "三里桥社区", 5)
    stream = await _subscribe(app, tokens["dispatcher"], WALL, {"after": str(await _top(db))})
    ctx = await _context(app, None)
    with pytest.raises(RuntimeError):
        async with write_unit(ctx) as session:
            await intake.submit_request(session, None, intake.SubmitInput(text="这条会回滚", qr_token=qr))
            raise RuntimeError("the transaction fails after the event was staged")
    async with write_unit(ctx) as session:
        kept = (await intake.submit_request(session, None, intake.SubmitInput(text="这条提交了", qr_token=qr))).request
    event = await asyncio.wait_for(stream.__anext__(), 20)
    assert event.data["requestCreated"]["request"]["trackingCode"] == kept.tracking_code
    await stream.aclose()


async def test_replay_while_new_events_arrive_has_no_gap_and_no_duplicate(app: Any, db: Any, tokens: dict[str, str], gql: Any) -> None:
    loop = Loop(gql, tokens)
    qr = await qr_token_in(db, "三里桥社区", 6)
    start = await _top(db)
    before = [(await loop.submit(None, qrToken=qr, text=f"重放前{i}"))["request"]["trackingCode"] for i in range(5)]
    stream = await _subscribe(app, tokens["dispatcher"], WALL, {"after": str(start)})

    async def submit_more() -> list[str]:
        out = []
        for i in range(5):
            out.append((await loop.submit(None, qrToken=qr, text=f"重放中{i}"))["request"]["trackingCode"])
            await asyncio.sleep(0)
        return out

    producer = asyncio.create_task(submit_more())
    got: list[str] = []
    while len(got) < 10:
        event = await asyncio.wait_for(stream.__anext__(), 20)
        got.append(event.data["requestCreated"]["request"]["trackingCode"])
    during = await producer
    await stream.aclose()
    assert got == before + during
    assert len(set(got)) == 10


async def test_cursors_follow_commit_order_under_concurrent_writers(gql: Any, tokens: dict[str, str], db: Any) -> None:
    loop = Loop(gql, tokens)
    qr = await qr_token_in(db, "三里桥社区", 7)
    start = await _top(db)
    await asyncio.gather(*[loop.submit(None, qrToken=qr, text=f"并发{i}") for i in range(8)])
    async with db.read() as conn:
        seqs = (await conn.execute(select(RequestEvent.seq).where(RequestEvent.seq > start).order_by(RequestEvent.id))).scalars().all()
    # Insertion (id) order and seq order agree; with no writer rolled back, seqs are dense too.
    assert seqs == sorted(seqs) and seqs == list(range(start + 1, start + 1 + len(seqs)))


async def _waiting_for_the_log_lock(db: Any) -> int:
    async with db.read() as conn:  # an advisory lock on one bigint key: its low 32 bits are objid
        return (await conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                                        "AND classid = 0 AND objid = :k"), {"k": EVENT_LOG_LOCK})).scalar_one()


@pytest.mark.skipif(BACKEND != "postgres", reason="the log's sequence and lock are PostgreSQL's; SQLite has one writer")
async def test_a_seq_is_drawn_only_once_the_log_lock_is_held(gql: Any, tokens: dict[str, str], db: Any) -> None:
    """A writer holds the log lock (as during its commit); a submission meanwhile must wait for
    it before drawing its seq, so it cannot get a seq below one drawn by the holder."""
    loop = Loop(gql, tokens)
    qr = await qr_token_in(db, "三里桥社区", 11)
    async with db.write_engine.connect() as holder:
        await holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVENT_LOG_LOCK})
        submitting = asyncio.create_task(loop.submit(None, qrToken=qr, text="等日志锁的提交"))
        async with asyncio.timeout(60):
            while not await _waiting_for_the_log_lock(db):
                assert not submitting.done(), submitting.result()  # it must not get past the lock
                await asyncio.sleep(0.02)
        held_seq = (await holder.execute(select(REQUEST_LOG_SEQ.next_value()))).scalar_one()
        await holder.commit()
    code = (await asyncio.wait_for(submitting, 60))["request"]["trackingCode"]
    async with db.read() as conn:
        seq = (await conn.execute(select(RequestEvent.seq).join(Request, Request.id == RequestEvent.request_id)
                                  .where(Request.tracking_code == code))).scalar_one()
    assert seq > held_seq


async def test_a_department_follows_only_its_own_queue(app: Any, db: Any, tokens: dict[str, str], gql: Any) -> None:
    other = await dept(db, "区生态环境分局")
    stream = await _subscribe(app, tokens["department"], UNIT, {"u": other})
    result = await asyncio.wait_for(stream.__anext__(), 20)
    assert result.errors and result.errors[0].extensions["code"] == "FORBIDDEN"
    await stream.aclose()

    # (An in-process generator starts at its first __anext__; `after` pins where it begins.)
    own = await _subscribe(app, tokens["department"], UNIT, {"after": str(await _top(db))})
    loop = Loop(gql, tokens)
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "三里桥社区", 8), text="私搭乱建的彩钢棚"))["request"]
    await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "私搭乱建")})
    await loop.ok("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    event = await asyncio.wait_for(own.__anext__(), 20)
    assert event.data["unitAssignments"]["kind"] == "DISPATCHED"
    assert event.data["unitAssignments"]["request"]["trackingCode"] == r["trackingCode"]
    await own.aclose()
