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
