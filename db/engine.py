"""Engine and session factory. Reads go through short-lived connections (one per DataLoader
batch or list query); writes get one session per request, committed at the edge."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits. synchronous=FULL syncs the WAL at every
    # commit: NORMAL survives a killed process but may lose the last commits on a power cut or an
    # OS crash — requests already acknowledged to residents. FULL costs one fsync per unit of work
    # (measured for issue #9: ~1 ms raw; a QR submission's p50 ~13 → ~25 ms, one writer ~60 → ~40
    # submissions/s, far above the district's few a minute). busy_timeout makes a second writer
    # wait instead of failing; it is set first so that the journal-mode switch of a brand-new
    # file, which takes the write lock, waits for a second connection doing the same.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_immediate(engine: AsyncEngine) -> None:
    # A deferred SQLite transaction that reads and then writes fails with SQLITE_BUSY when
    # another writer commits in between. Write sessions therefore begin IMMEDIATE: they take the
    # write lock first and wait their turn (busy_timeout) instead of failing half-way.
    @event.listens_for(engine.sync_engine, "connect")
    def _no_implicit_begin(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# A pooled PostgreSQL connection back in the pool for less than this is trusted without a ping.
PING_AFTER_IDLE_SECONDS = 2.0


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for connections that sat in the pool a while.

    SQLAlchemy's pool_pre_ping costs a round trip on every checkout — two a wall request, 14 % of
    the server's time in a profile of the wall under load (issue #10). A connection used moments
    ago is as alive as a ping would show; one idle longer (the database may have restarted,
    a firewall may have dropped it) is pinged, and a failed ping makes the pool connect anew
    (DisconnectionError from a checkout listener: the pool retries). A connection that dies
    while in use fails that statement, and SQLAlchemy then refreshes the whole pool."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "connect")
    def _connected(_dbapi_connection, record) -> None:  # noqa: ANN001
        record.info["ehy_checked_in"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:  # noqa: ANN001
        if record is not None:
            record.info["ehy_checked_in"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        since = record.info.get("ehy_checked_in")
        if since is not None and time.monotonic() - since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"pooled connection failed its ping: {error}") from error


def make_engine(url: str, *, for_writes: bool = False, ping_after_idle: float = PING_AFTER_IDLE_SECONDS, **kwargs) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if for_writes:
            _sqlite_immediate(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    return engine


class ReadLease:
    """One read connection an HTTP operation keeps from its first statement to its answer.

    Checking a connection out of SQLAlchemy's pool and back costs ~130 µs of CPU (measured for
    issue #10) — as much as running the statement on it; an operation reads the caller's
    account, then its page, then the page's relations, one after the other. With a lease, the
    statements that do not overlap share one connection; one that starts while the lease is in
    use (sibling fields run concurrently) takes its own from the pool as before. Only for an
    operation that ends soon (HTTP): a subscription holding a lease would hold a connection for
    hours. Reads are in autocommit on PostgreSQL, so a kept connection holds no snapshot or lock
    between statements (nor on SQLite, whose driver begins no transaction for a SELECT)."""

    __slots__ = ("busy", "closed", "conn", "engine")

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.conn: AsyncConnection | None = None
        self.busy = False
        # Set when its operation has answered: a read that starts later (a sibling field still
        # running after another failed the operation) checks its own connection out and back.
        self.closed = False

    @property
    def free(self) -> bool:
        return not self.busy and not self.closed

    def use(self) -> _LeaseUse:
        return _LeaseUse(self)

    async def _enter(self) -> AsyncConnection:
        self.busy = True
        try:
            if self.conn is None:
                self.conn = self.engine.connect()  # kept first, so that a failed start is closed too
                await self.conn.start()
        except BaseException:
            self.busy = False
            await self.close()
            raise
        return self.conn

    async def _exit(self, failed: bool) -> None:
        self.busy = False
        # After a failed statement (or a cancelled one) the connection goes back to the pool
        # rather than on to the next statement: it may have been invalidated or left mid-reply.
        if failed or self.closed or self._pool_pressed():
            await self.close()

    def _pool_pressed(self) -> bool:
        """Whether the pool has handed out all its standing connections: a lease then gives its
        connection back after each statement, so that idle leases never take the connections
        other operations wait for (they keep at most pool_size - 1, the overflow stays free)."""
        pool = self.engine.sync_engine.pool
        size = getattr(pool, "size", None)
        return size is None or pool.checkedout() >= size()

    async def close(self, *, final: bool = False) -> None:
        self.closed = self.closed or final
        if self.busy:
            return  # a statement is running on it: that read gives it back when it ends (use())
        conn, self.conn = self.conn, None
        if conn is not None:
            await conn.close()


class _LeaseUse:
    """`async with lease.use()`: a class, not a generator — every statement of an HTTP operation
    enters one, and @asynccontextmanager's generator costs several times as much."""

    __slots__ = ("lease",)

    def __init__(self, lease: ReadLease) -> None:
        self.lease = lease

    async def __aenter__(self) -> AsyncConnection:
        return await self.lease._enter()

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> bool:
        await self.lease._exit(exc_type is not None)
        return False


class _Read:
    """`async with db.read()`: the operation's lease when it is free (decided on entering), else
    a connection of the pool's own, behind the operation's gate."""

    __slots__ = ("db", "lease", "pooled")

    def __init__(self, db: Database) -> None:
        self.db, self.lease, self.pooled = db, None, None

    async def __aenter__(self) -> AsyncConnection:
        lease = self.db._lease
        if lease is not None and lease.free:
            self.lease = lease
            return await lease._enter()
        self.pooled = self.db._pooled_read()
        return await self.pooled.__aenter__()

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> bool | None:
        if self.lease is not None:
            await self.lease._exit(exc_type is not None)
            return False
        return await self.pooled.__aexit__(exc_type, exc, tb)


class Database:
    """The one handle resolvers get: read connections and write sessions."""

    def __init__(self, engine: AsyncEngine, write_engine: AsyncEngine | None = None, read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.write_engine = write_engine or engine
        self.read_engine = read_engine or engine
        self.sessions = async_sessionmaker(self.write_engine, expire_on_commit=False, autoflush=False)
        self._gate: asyncio.Semaphore | None = None
        self._lease: ReadLease | None = None
        # SQLite has one writer at a time. Without a queue in the event loop, writers wait for
        # the file lock in their driver threads, polling (busy_timeout): under load the lock
        # holder — itself waiting for the loop — is starved and writers fail with "database is
        # locked" after the timeout (seen at 1,000 live subscribers + 20 writes/s). Units of work
        # therefore take their turn here first, first come first served (schema/edge.py).
        self._write_turn = asyncio.Lock() if self.write_engine.dialect.name == "sqlite" else None

    @classmethod
    def from_url(cls, url: str) -> Database:
        if url.startswith("sqlite"):
            return cls(make_engine(url), make_engine(url, for_writes=True))
        # Reads (`read()`) get their own pool in autocommit. Under READ COMMITTED each statement
        # has its own snapshot either way, but a checkout in a transaction costs a BEGIN and a
        # ROLLBACK, and the pre-ping wraps its own in another pair: measured for issue #10,
        # 479 → 309 µs of CPU (1.16 → 0.53 ms wall) per checkout and statement.
        return cls(make_engine(url), read_engine=make_engine(url, isolation_level="AUTOCOMMIT"))

    def gated(self, limit: int, lease: ReadLease | None = None) -> Database:
        """A view for one operation that holds at most `limit` read connections at once (and the
        `lease`'s, when given: see ReadLease; its owner closes it when the operation ends).

        graphql-core resolves sibling fields concurrently; without a gate one wide nested
        query could take every pooled connection and starve all other requests.
        """
        view = Database.__new__(Database)
        view.engine, view.write_engine, view.sessions = self.engine, self.write_engine, self.sessions
        view.read_engine = self.read_engine
        view._write_turn = self._write_turn
        view._gate = asyncio.Semaphore(limit)
        view._lease = lease
        return view

    def lease(self) -> ReadLease:
        return ReadLease(self.read_engine)

    def read_only(self) -> Database:
        """This view, refusing every write with WriteRefused: the compiled executor runs queries
        with it, so a field that would write (an audit of a personal read) is found before it
        writes anything, and the operation goes to the full executor instead."""
        view = ReadOnlyDatabase.__new__(ReadOnlyDatabase)
        view.__dict__.update(self.__dict__)
        view.sessions = view.write  # type: ignore[method-assign]
        return view

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self) -> _Read:
        return _Read(self)

    @asynccontextmanager
    async def _pooled_read(self) -> AsyncIterator[AsyncConnection]:
        if self._gate is None:
            async with self.read_engine.connect() as conn:
                yield conn
            return
        async with self._gate, self.read_engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write_turn(self) -> AsyncIterator[None]:
        """Wait for this process's turn to write (SQLite only; PostgreSQL locks rows, not the file)."""
        if self._write_turn is None:
            yield
            return
        async with self._write_turn:
            yield

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends normally, rolled back otherwise."""
        async with self.sessions() as session:
            async with session.begin():
                yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        for other in {self.write_engine, self.read_engine} - {self.engine}:
            await other.dispose()


class WriteRefused(Exception):
    """A write attempted through a read-only view."""


class ReadOnlyDatabase(Database):
    def write(self) -> Any:  # type: ignore[override]
        raise WriteRefused("read-only view: write")

    def write_turn(self) -> Any:  # type: ignore[override]
        raise WriteRefused("read-only view: write_turn")

    def gated(self, limit: int, lease: ReadLease | None = None) -> Database:
        return Database.gated(self, limit, lease).read_only()
