"""Statements a unit of work runs without the ORM (db/direct.py's `in_session`, db/whole_rows.py):
they belong to the unit's transaction, a broken constraint is SQLAlchemy's IntegrityError, the
commit's listeners hear of the tables written, and a whole row is the row the ORM would write."""

import secrets
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.exc import IntegrityError

from db import table_writes, whole_rows
from db.base import utcnow
from db.direct import in_session
from db.models import Request

R = Request.__table__


def _request(code: str) -> dict[str, Any]:
    return whole_rows.values(R, {"tracking_code": code, "channel": "HOTLINE", "title": "单元测试", "text": "单元测试",
                                 "occurred_at": utcnow()})


def _code() -> str:
    return "ZU" + secrets.token_hex(4).upper()


async def _count(db: Any, code: str) -> int:
    async with db.read() as conn:
        return len((await conn.execute(select(R.c.id).where(R.c.tracking_code == code))).all())


async def test_a_statement_run_first_in_a_unit_is_part_of_its_transaction(db: Any) -> None:
    # SQLAlchemy's asyncpg adapter sends BEGIN with its own first statement: a statement run on
    # the driver before any other would otherwise commit on its own.
    code = _code()
    with pytest.raises(RuntimeError):
        async with db.write_turn(), db.sessions() as session:
            await in_session(session, whole_rows.statement(R), _request(code))
            assert await _count(db, code) == 0  # not visible outside the unit before its commit
            raise RuntimeError("the unit fails")
    assert await _count(db, code) == 0

    async with db.write_turn(), db.sessions() as session:
        await in_session(session, whole_rows.statement(R), _request(code))
        await session.commit()
    assert await _count(db, code) == 1


async def test_each_transaction_of_a_session_is_begun_again(db: Any) -> None:
    first, second = _code(), _code()
    async with db.write_turn(), db.sessions() as session:
        await in_session(session, whole_rows.statement(R), _request(first))
        await session.commit()
        await in_session(session, whole_rows.statement(R), _request(second))  # the session's next transaction
        await session.rollback()
    assert await _count(db, first) == 1 and await _count(db, second) == 0


async def test_a_broken_constraint_is_an_integrity_error_and_nothing_of_the_unit_stays(db: Any) -> None:
    code, other = _code(), _code()
    with pytest.raises(IntegrityError):
        async with db.write_turn(), db.sessions() as session:
            await in_session(session, whole_rows.statement(R), _request(other))
            await in_session(session, whole_rows.statement(R), _request(code))
            await in_session(session, whole_rows.statement(R), _request(code))  # tracking codes are unique
    assert await _count(db, code) == 0 and await _count(db, other) == 0
    async with db.write_turn(), db.sessions() as session:  # the connection went back to the pool usable
        assert (await in_session(session, select(R.c.id).where(R.c.tracking_code == code))) == []


class _Heard:
    def __init__(self) -> None:
        self.calls = 0

    def heard(self) -> None:
        self.calls += 1


async def test_the_commit_tells_the_listeners_of_the_tables_written(db: Any) -> None:
    ear = _Heard()
    table_writes.listen(frozenset({R.name}), ear.heard)  # held weakly: gone with `ear`
    async with db.write_turn(), db.sessions() as session:
        await in_session(session, whole_rows.statement(R), _request(_code()))
        assert ear.calls == 0  # not before the commit: a concurrent read could remember the old rows
        await session.commit()
    assert ear.calls == 1
    async with db.write_turn(), db.sessions() as session:
        await in_session(session, whole_rows.statement(R), _request(_code()))
        await session.rollback()
    async with db.write_turn(), db.sessions() as session:  # a read writes nothing: no call
        await in_session(session, select(R.c.id).limit(1))
        await session.commit()
    assert ear.calls == 1


async def test_a_whole_row_is_the_row_the_orm_would_write(db: Any) -> None:
    given = {"channel": "HOTLINE", "title": "路灯不亮", "text": "小区路灯不亮已经一周", "location_note": "北门",
             "contact_phone": "13800000000", "occurred_at": utcnow()}
    async with db.write_turn(), db.sessions() as session:
        orm = Request(tracking_code="ZFWHOLE0001", **given)
        session.add(orm)
        await session.flush()
        mine = (await in_session(session, whole_rows.statement(R, returning=True),
                                 whole_rows.values(R, {"tracking_code": "ZFWHOLE0002", **given}), named=True))[0]
        read = {r.tracking_code: r for r in (await session.execute(select(R).where(R.c.id.in_([orm.id, mine.id])))).all()}
        await session.rollback()
    a, b = read["ZFWHOLE0001"], read["ZFWHOLE0002"]
    differ = {c.name for c in R.c if getattr(a, c.name) != getattr(b, c.name)}
    assert differ == {"id", "tracking_code", "created_at", "updated_at"}, differ
    assert b.state == "SUBMITTED" and b.version == 1 and b.overdue is False and b.search_terms == ""
    assert mine.id == b.id and mine.created_at == b.created_at  # RETURNING gives the row as written


def test_whole_rows_refuse_what_they_would_get_wrong() -> None:
    with pytest.raises(KeyError, match="no column titel"):
        whole_rows.values(R, {"titel": "typo"})
    t = Table("with_server_default", MetaData(), Column("id", Integer, primary_key=True),
              Column("state", String(8), server_default=text("'NEW'")))
    with pytest.raises(ValueError, match="server-side defaults"):
        whole_rows.statement(t)


async def _a_qr(db: Any, index: int) -> str:
    from tests.loop_helpers import qr_token_in
    return await qr_token_in(db, "三里桥社区", index)


async def test_a_submission_writes_its_reporter_row_and_key_with_it(db: Any) -> None:
    """(PostgreSQL: in one statement with the request.) The reporter row is the request reported by
    itself with its contact, the key names the request, and the commit tells each table's listeners."""
    from db.models import IdempotencyKey, RequestReporter
    from resolvers.requests import intake

    RR, K = RequestReporter.__table__, IdempotencyKey.__table__
    ears = {name: _Heard() for name in (R.name, RR.name, K.name)}
    for name, ear in ears.items():
        table_writes.listen(frozenset({name}), ear.heard)
    key = "unit-" + secrets.token_hex(6)
    async with db.write_turn(), db.sessions() as session:
        row = (await intake.submit_request(session, None, intake.SubmitInput(
            text="单元门禁坏了", qr_token=await _a_qr(db, 20), contact_name="王女士", contact_phone="13800000001",
            idempotency_key=key))).request
        await session.commit()
    assert {name: ear.calls for name, ear in ears.items()} == {R.name: 1, RR.name: 1, K.name: 1}
    async with db.read() as conn:
        reporters = (await conn.execute(select(RR).where(RR.c.request_id == row.id))).mappings().all()
        keys = (await conn.execute(select(K.c.request_id).where(K.c.key.like(f"%:{key}")))).scalars().all()
    assert [dict(r) for r in reporters] == [{"id": reporters[0]["id"], "request_id": row.id, "source_request_id": row.id,
                                             "reporter_user_id": None, "reporter_resident_id": None,
                                             "contact_name": "王女士", "contact_phone": "13800000001"}]
    assert keys == [row.id]


async def test_a_key_taken_meanwhile_is_an_integrity_error_and_nothing_of_the_second_stays(db: Any) -> None:
    """Two submissions with one idempotency key (one QR code: the key is the code's) at once: the
    second's read misses the first's uncommitted key, it waits for the first's commit and its
    insert is refused — the mutation's retry then finds the first (schema/api/requests_mutation.py).
    Nothing of the second stays."""
    import asyncio

    from resolvers.requests import intake

    if db.dialect != "postgresql":
        pytest.skip("two write transactions at once: PostgreSQL's; SQLite has one writer")
    key, qr = "race-" + secrets.token_hex(6), await _a_qr(db, 21)
    async with asyncio.timeout(60), db.sessions() as first:
        await intake.submit_request(first, None, intake.SubmitInput(text="先到的提交", qr_token=qr, idempotency_key=key))

        async def second() -> None:
            async with db.sessions() as session:
                await intake.submit_request(session, None, intake.SubmitInput(
                    text="后到的提交", qr_token=qr, idempotency_key=key))
                await session.commit()

        late = asyncio.create_task(second())
        await asyncio.sleep(0.5)
        assert not late.done()  # waiting for the first's commit
        await first.commit()
        with pytest.raises(IntegrityError):
            await late
    async with db.read() as conn:
        texts = (await conn.execute(select(R.c.text).where(R.c.text.in_(["先到的提交", "后到的提交"])))).scalars().all()
    assert texts == ["先到的提交"]
