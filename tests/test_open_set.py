"""Lists of open requests cost what the open set costs, not what a unit's history costs
(issue #10, scale): the open states as the partial index's literals, and per-row probes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from db.models import Request, User, UserScope
from db.models.requests import IN_HAND_STATES, IN_HAND_STATES_SQL, OPEN_STATES, OPEN_STATES_SQL
from resolvers.requests.vocab import OPEN
from schema.ids import to_global_id


def test_the_open_states_are_the_state_machines_and_the_indexs() -> None:
    assert OPEN_STATES == tuple(sorted(s.value for s in OPEN))
    [index] = [i for i in Request.__table__.indexes if i.name == "ix_request_open_created"]
    assert [c.name for c in index.columns] == ["created_at", "id"]
    for dialect in ("postgresql", "sqlite"):
        assert str(index.dialect_options[dialect]["where"]) == OPEN_STATES_SQL


def test_the_states_in_hand_are_the_open_ones_past_triage_and_the_indexs() -> None:
    assert set(IN_HAND_STATES) == {s.value for s in OPEN} - {"SUBMITTED", "TRIAGED"}
    assert IN_HAND_STATES == tuple(sorted(IN_HAND_STATES))
    [index] = [i for i in Request.__table__.indexes if i.name == "ix_request_in_hand_created"]
    assert [c.name for c in index.columns] == ["created_at", "id"]
    for dialect in ("postgresql", "sqlite"):
        assert str(index.dialect_options[dialect]["where"]) == IN_HAND_STATES_SQL


async def _page_and_plan(db: Any, counted: Any) -> tuple[str, str]:
    """The list's page statement as the app ran it, and the database's plan of it."""
    [(page, params)] = [(s, p) for s, p in zip(counted.statements, counted.parameters)
                        if "FROM request" in s and "ORDER BY request.created_at DESC" in s]
    postgres = db.dialect == "postgresql"
    async with db.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + page, params)).all()
    return page, "\n".join(str(r[0] if postgres else r[3]) for r in rows)


async def test_a_departments_open_queue_probes_each_open_row_instead_of_hashing_its_history(
        db: Any, gql: Any, tokens: dict[str, str], count_statements: Any) -> None:
    U, S = User.__table__, UserScope.__table__
    async with db.read() as conn:
        dept = (await conn.execute(select(S.c.ref_id).join(U, U.c.id == S.c.user_id)
                                   .where(U.c.username == "department", S.c.kind == "DEPARTMENT"))).scalars().first()
    # A name of its own: no answer kept from another test's identical query.
    alias = "q" + uuid.uuid4().hex
    query = ("query($d: ID!) { %s: requests(filter: {departmentId: $d, open: true}, first: 50) "
             "{ edges { node { id state community { name } } } } }" % alias)
    with count_statements() as counted:
        data = await gql.ok(query, {"d": to_global_id("Department", dept)}, token=tokens["department"])
    assert all(e["node"]["state"] in IN_HAND_STATES for e in data[alias]["edges"])
    page, text = await _page_and_plan(db, counted)
    # Ever assigned, so past triage: the open requests in hand, as the partial index's literals.
    assert IN_HAND_STATES_SQL.replace("state IN", "request.state IN") in page
    assert OPEN_STATES_SQL.replace("state IN", "request.state IN") not in page
    postgres = db.dialect == "postgresql"
    # Its own department: the filter implies the visibility, which is left out; the filter is
    # one index probe per open row, never a hash of every assignment the department ever had.
    if postgres:
        assert "Semi Join" not in text and "hashed SubPlan" not in text, text
        assert "SubPlan" in text and "ix_assignment_unit_request" in text, text
    else:
        assert "LIST SUBQUERY" not in text, text
        assert "CORRELATED SCALAR SUBQUERY" in text, text
    # The department is written into the statement: a prepared statement's generic plan, made
    # for "some department", drove the largest one's history from all its assignments.
    assert f"assignment.unit_id = {dept}" in page


async def test_a_department_seeing_another_departments_open_queue_still_has_its_visibility_probed(
        db: Any, gql: Any, tokens: dict[str, str], count_statements: Any) -> None:
    U, S = User.__table__, UserScope.__table__
    async with db.read() as conn:
        mine = set((await conn.execute(select(S.c.ref_id).join(U, U.c.id == S.c.user_id)
                                       .where(U.c.username == "department", S.c.kind == "DEPARTMENT"))).scalars())
        other = min(set(range(1, 65)) - mine)
    alias = "q" + uuid.uuid4().hex
    query = ("query($d: ID!) { %s: requests(filter: {departmentId: $d, open: true}, first: 50) { edges { node { id } } } }" % alias)
    with count_statements() as counted:
        await gql.ok(query, {"d": to_global_id("Department", other)}, token=tokens["department"])
    _, text = await _page_and_plan(db, counted)
    postgres = db.dialect == "postgresql"
    # Not implied: what the handler may see (its own department's assignments) and the filter
    # (the other department's) are two probes a row, still no hash.
    if postgres:
        assert "Semi Join" not in text and "hashed SubPlan" not in text, text
        assert text.count("SubPlan") >= 2, text
    else:
        assert "LIST SUBQUERY" not in text, text
        assert text.count("CORRELATED SCALAR SUBQUERY") >= 2, text
