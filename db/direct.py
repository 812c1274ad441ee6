"""Hot statements run on the asyncpg connection itself, compiled by SQLAlchemy once a shape: the
reads of the wall and the live hub, and a submission's own reads and writes (`in_session`).

Through SQLAlchemy a read costs ~200 µs of CPU above asyncpg's own fetch (execution context,
greenlet hop, result wrapping): on the dispatch wall — one statement for the caller's account,
one for the page — that was a fifth of the server's time (issue #10). Here a statement's
shape (SQLAlchemy's structural cache key) is compiled once into SQL text, the positions of its
values in the key's bound parameters and the types' processors; each run then takes the new
statement's values in that order and calls asyncpg's `fetch`, whose own cache keeps the
prepared statement. Rows are asyncpg Records: by position or by name, not by attribute.

Anything this does not handle — SQLite, parameters SQLAlchemy expands at execution time (IN
lists), a value it cannot find — runs through SQLAlchemy as before, with the same rows by
position. Statement listeners (the tests count statements) still see every statement, and a
connection that fails is invalidated as SQLAlchemy would, so the pool does not hand it out again.
`in_session` leans on three attributes of SQLAlchemy's asyncpg adapter (its transaction, the
coroutine that begins it, its mutex); where they are not there, the session runs the statement.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ClauseElement

from db import table_writes
from db.base import UTCDateTime

Processor = Callable[[Any], Any] | None

TIMESTAMPTZ_OID = 1184

# Shapes seen, by structural key: a few dozen in practice (the compiled queries' pages and the
# account statement); bounded all the same, as a key can embed literals.
SHAPES_MAX = 512
_shapes: dict[Any, Any] = {}
_UNSEEN = object()


@dataclass(frozen=True, slots=True)
class _Shape:
    sql: str
    # Per positional parameter: its name (the caller's values override, as in SQLAlchemy) and its
    # index among the cache key's bound parameters (None: the caller must give it).
    sources: tuple[tuple[str, int | None], ...]
    binds: tuple[Processor, ...]
    results: tuple[tuple[int, Processor], ...]  # only the columns that have a processor
    named: type  # rows by attribute too, for code written against SQLAlchemy's rows


async def _shape(stmt: ClauseElement, bound: Sequence[Any], dialect: Any, driver: Any) -> _Shape | None:
    compiled = stmt.compile(dialect=dialect)
    sql = compiled.string
    if "POSTCOMPILE" in sql or compiled.positiontup is None:
        return None  # expanded at execution time: SQLAlchemy's path
    index = {id(b): i for i, b in enumerate(bound)}
    sources: list[tuple[str, int | None]] = []
    binds: list[Processor] = []
    for name in compiled.positiontup:
        b = compiled.binds[name]
        at = index.get(id(b))
        if at is None and not b.required:
            return None
        sources.append((b.key, at))
        binds.append(b.type.dialect_impl(dialect).bind_processor(dialect))
    columns = compiled._result_columns or ()
    # Some processors depend on the column's type as the server describes it (PostgreSQL's
    # numeric types), as SQLAlchemy's do: asked of the prepared statement, once a shape.
    described = (await driver.prepare(sql)).get_attributes()
    if len(described) != len(columns):
        return None
    results = tuple((i, p) for i, (entry, attribute) in enumerate(zip(columns, described))
                    if not _utc_already(entry.type, attribute.type.oid)
                    and (p := entry.type.dialect_impl(dialect).result_processor(dialect, attribute.type.oid)) is not None)
    named = namedtuple("Row", [entry.keyname for entry in columns], rename=True)  # type: ignore[misc]
    return _Shape(sql, tuple(sources), tuple(binds), results, named)


def _utc_already(type_: Any, oid: int) -> bool:
    """A UTCDateTime read from a timestamptz: asyncpg's binary codec already gives an aware
    datetime in `timezone.utc` (what the processor would make of it), so the rows need no copy
    and no per-value call — a page of 50 requests spent a fifth of its reading there."""
    return isinstance(type_, UTCDateTime) and oid == TIMESTAMPTZ_OID


def _driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under `conn`, without the greenlet hop of get_raw_connection()
    while the connection is checked out and valid (None: ask SQLAlchemy)."""
    sync = conn.sync_connection
    if sync is None or sync.closed or sync.invalidated:
        return None
    return sync.connection.driver_connection


def runs_direct(stmt: ClauseElement) -> bool:
    """Whether `stmt`'s shape is known and runs on asyncpg itself (so `rows` may be given
    `values` for it)."""
    key = stmt._generate_cache_key()
    return key is not None and _shapes.get(key.key, None) is not None


async def _through_sqlalchemy(conn: AsyncConnection, stmt: ClauseElement, params: Mapping[str, Any] | None,
                              values: Sequence[Any] | None) -> Sequence[Any]:
    if values is not None:  # SQLAlchemy would run the statement with its own values
        raise ValueError("values for a statement that does not run direct")
    result = await conn.execute(stmt, params)
    return result.all() if result.returns_rows else []


async def rows(conn: AsyncConnection, stmt: ClauseElement, params: Mapping[str, Any] | None = None, *,
               named: bool = False, values: Sequence[Any] | None = None) -> Sequence[Any]:
    """The statement's rows; read them by position, or also by attribute (`named`: as a
    SQLAlchemy Row's columns — not its `_mapping`).

    `values`: run `stmt`'s shape with these values in place of its own, one for each of its cache
    key's bound parameters, in their order — for a statement kept as a template (pagination.py);
    only where `runs_direct(stmt)`."""
    dialect = conn.dialect
    if dialect.driver != "asyncpg":
        return await _through_sqlalchemy(conn, stmt, params, values)
    key = stmt._generate_cache_key()  # memoized on the statement; what SQLAlchemy's own cache uses
    if key is None:
        return await _through_sqlalchemy(conn, stmt, params, values)
    driver = _driver(conn) or (await conn.get_raw_connection()).driver_connection
    try:
        shape = _shapes.get(key.key, _UNSEEN)
        if shape is _UNSEEN:
            shape = await _shape(stmt, key.bindparams, dialect, driver)
            if len(_shapes) >= SHAPES_MAX:
                _shapes.clear()
            _shapes[key.key] = shape
        if shape is None:
            return await _through_sqlalchemy(conn, stmt, params, values)
        bound = key.bindparams
        args = []
        for (name, at), process in zip(shape.sources, shape.binds):
            if params is not None and name in params:
                value = params[name]
            elif values is not None:
                value = values[at]  # type: ignore[index]
            else:
                value = bound[at].effective_value  # type: ignore[index]
            args.append(value if process is None else process(value))
        sync = conn.sync_connection
        assert sync is not None
        if sync.dispatch.before_cursor_execute:
            sync.dispatch.before_cursor_execute(sync, None, shape.sql, tuple(args), None, False)
        records = await driver.fetch(shape.sql, *args)
    except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.InternalClientError, ConnectionError, OSError):
        await conn.invalidate()  # as SQLAlchemy does on a disconnect: never handed out again
        raise
    if not shape.results:
        return [shape.named._make(r) for r in records] if named else records
    processed = []
    for record in records:
        row = list(record)
        for i, process in shape.results:
            row[i] = process(row[i])
        processed.append(shape.named._make(row) if named else row)
    return processed


async def in_session(session: AsyncSession, stmt: ClauseElement, params: Mapping[str, Any] | None = None, *,
                     named: bool = False, writes: Sequence[str] = ()) -> Sequence[Any]:
    """`rows`, inside the session's transaction: for a unit of work's own statements — a
    submission's inserts and reads — that need none of the ORM's bookkeeping (issue #10: the
    unit of work's flushes were a third of submitRequest's CPU).

    The statement runs in the session's transaction however it runs: SQLAlchemy's asyncpg adapter
    sends BEGIN only with its own first statement, so a transaction not begun yet is begun here
    first. A constraint the statement breaks raises SQLAlchemy's IntegrityError, as a flush would,
    and the table an insert, update or delete writes is noted for the commit's listeners
    (db/table_writes.py) as the session's own execution would note it; `writes` names the tables
    a statement writes in its WITH clauses, which are not seen here."""
    table = getattr(stmt, "table", None) if getattr(stmt, "is_dml", False) else None
    if table is not None:
        table_writes.wrote(session.sync_session, table.name)
    for name in writes:
        table_writes.wrote(session.sync_session, name)
    conn = await _connection(session)
    if conn is None:
        result = await session.execute(stmt, params)
        return result.all() if result.returns_rows else []
    try:
        return await rows(conn, stmt, params, named=named)
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(str(stmt), params, exc) from exc


_BEGUN = "ehuying_direct_connection"


async def _connection(session: AsyncSession) -> AsyncConnection | None:
    """The session's connection with its transaction begun (None: let SQLAlchemy run statements),
    asked of the session once a transaction: a unit of work runs several statements."""
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_BEGUN)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1]
    conn = await session.connection()
    usable = conn if conn.dialect.driver == "asyncpg" and await _began(conn) else None
    session.info[_BEGUN] = (session.sync_session.get_transaction(), usable)
    return usable


async def _began(conn: AsyncConnection) -> bool:
    """Begin the adapter's transaction if SQLAlchemy has not sent BEGIN yet; False where the
    adapter is not the one this knows (then the caller lets SQLAlchemy run the statement)."""
    sync = conn.sync_connection
    adapted = getattr(getattr(sync, "connection", None), "dbapi_connection", None) if sync is not None else None
    if adapted is None or not hasattr(adapted, "_transaction") or not hasattr(adapted, "_start_transaction"):
        return False
    if adapted._transaction is None and adapted.isolation_level != "autocommit":
        try:
            async with adapted._execute_mutex:
                if adapted._transaction is None:
                    await adapted._start_transaction()
        except Exception:
            # SQLAlchemy's own execution would see the disconnect and refresh the pool; here it
            # does not, and a dead connection back in the pool would be handed out again, unpinged
            # while busy (db/engine.py) — after a database restart, submission after submission failed.
            # BEGIN carries nothing of the caller's, so any failure means the connection is unusable:
            # closed, or (the server's farewell read, its end not yet) a protocol stuck mid-error
            # that the dialect's disconnect test does not recognise.
            await conn.invalidate()
            raise
    return True
