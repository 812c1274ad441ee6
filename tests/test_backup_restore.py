"""Backup and restore (`python -m db.manage backup|restore`, db/backup.py) on the session's backend:
a round trip into a scratch database keeps requests, events, users and audit rows; restore refuses
a non-empty target unless forced and a backup from newer code, and migrates an older one; a backup
taken while the app keeps writing is consistent."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import Table, func, inspect, select, text

from db import backup, migrate
from db.engine import make_engine
from db.models import AuditEntry, IdempotencyKey, Request, RequestEvent, User
from tests.conftest import BACKEND, GQL, RUN_ID, _pg_admin, _postgres_admin_url

ROOT = Path(__file__).resolve().parent.parent
TABLES: list[Table] = [Request.__table__, RequestEvent.__table__, User.__table__, AuditEntry.__table__, IdempotencyKey.__table__]
SUBMIT = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { replayed request { trackingCode } } }"


class Scratch:
    """Empty databases of the session's backend, dropped at the end of the module."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ehy-backup-"))
        self.names: list[str] = []

    async def new(self) -> str:
        n = len(self.names)
        if BACKEND == "postgres":
            name = f"ehy_scratch_{RUN_ID}_{n}"
            await _pg_admin(f'CREATE DATABASE "{name}"')
            self.names.append(name)
            return _postgres_admin_url().rsplit("/", 1)[0] + "/" + name
        self.names.append(f"scratch-{n}")
        return f"sqlite+aiosqlite:///{self.dir / f'scratch-{n}.sqlite3'}"

    async def drop(self) -> None:
        if BACKEND == "postgres":
            for name in self.names:
                await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="module")
async def scratch() -> Any:
    s = Scratch()
    yield s
    await s.drop()


async def manage(url: str, *args: str) -> tuple[int, str]:
    """`python -m db.manage …` as an operator runs it, on DATABASE_URL=url."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "db.manage", *args, cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    return proc.returncode, err.decode()


async def query(url: str, stmt: Any) -> list[tuple]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(stmt)).all()]
    finally:
        await engine.dispose()


async def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return {t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one() for t in TABLES}
    finally:
        await engine.dispose()


async def rows(url: str, table: Table, column: str, values: list[Any]) -> list[tuple]:
    return await query(url, select(table).where(table.c[column].in_(values)).order_by(*table.primary_key.columns))


async def qr_tokens(db: Any, n: int) -> list[str]:
    """Random buildings, so that no building's hourly QR limit is reached."""
    from db.models import Building

    async with db.read() as conn:
        return list((await conn.execute(select(Building.qr_token).order_by(func.random()).limit(n))).scalars())


async def submit(gql: GQL, qr: str, key: str, text: str) -> str:
    body = await gql.post(SUBMIT, {"i": {"qrToken": qr, "text": text, "idempotencyKey": key}})
    assert "errors" not in body, body.get("errors")
    return body["data"]["submitRequest"]["request"]["trackingCode"]


# ------------------------------------------------------------------------------- the round trip


@pytest_asyncio.fixture(scope="module")
async def round_trip(app: Any, db: Any, http: Any, tokens: dict[str, str], settings: Any, scratch: Scratch) -> dict:
    """Requests, events, a user and audit rows written through the API; the session's database
    backed up with the command and restored with the command into an empty scratch database."""
    gql = GQL(http)
    mark = uuid.uuid4().hex[:8]
    codes = [await submit(gql, qr, f"bk-{mark}-{i}", f"备份往返测试 {mark} 第{i}件:楼道灯不亮") for i, qr in enumerate(await qr_tokens(db, 5))]
    username = f"bk-{mark}"
    body = await gql.post("mutation($i: CreateUserInput!) { createUser(input: $i) { account { user { id } } } }",
                          {"i": {"username": username, "displayName": "备份测试账号", "role": "DISTRICT_LEADER", "password": "Backup-test-12"}},
                          token=tokens["admin"])
    assert "errors" not in body, body.get("errors")
    await gql.login(username, "Backup-test-12")  # a LOGIN audit row

    source = settings.database_url
    before = await counts(source)
    path = scratch.dir / f"{mark}.backup"
    code, err = await manage(source, "backup", str(path))
    assert code == 0, err
    after = await counts(source)
    target = await scratch.new()
    code, err = await manage(target, "restore", str(path))
    assert code == 0, err
    return {"source": source, "target": target, "path": path, "codes": codes, "username": username, "before": before, "after": after}


async def test_round_trip_keeps_requests_events_users_and_audit(round_trip: dict) -> None:
    source, target = round_trip["source"], round_trip["target"]
    restored = await counts(target)
    for table, n in restored.items():
        # The in-process app may write between the counts and the snapshot; nothing else does.
        assert round_trip["before"][table] <= n <= round_trip["after"][table], (table, n, round_trip["before"], round_trip["after"])
    assert restored["request"] > 0 and restored["request_event"] > 0 and restored["app_user"] > 0 and restored["audit_entry"] > 0

    # What this test wrote, row for row.
    r, e, u, a, k = TABLES
    ours = await rows(source, r, "tracking_code", round_trip["codes"])
    assert len(ours) == len(round_trip["codes"])
    assert await rows(target, r, "tracking_code", round_trip["codes"]) == ours
    ids = [row[0] for row in ours]
    events = await rows(source, e, "request_id", ids)
    assert {row[e.c.keys().index("kind")] for row in events} == {"SUBMITTED"} and len(events) == len(ids)
    assert await rows(target, e, "request_id", ids) == events
    assert await rows(target, k, "request_id", ids) == await rows(source, k, "request_id", ids)
    user = await rows(source, u, "username", [round_trip["username"]])
    assert len(user) == 1 and await rows(target, u, "username", [round_trip["username"]]) == user
    audit = await rows(source, a, "target", [round_trip["username"]])
    assert {row[a.c.keys().index("action")] for row in audit} >= {"LOGIN"}
    assert await rows(target, a, "target", [round_trip["username"]]) == audit

    # A sample of everything else: every user, and random events and audit rows (append-only).
    for table, n in ((u, 10_000), (e, 200), (a, 200)):
        top = (await query(target, select(func.max(table.c.id))))[0][0]
        sample = random.sample(range(1, top + 1), min(n, top))
        assert await rows(target, table, "id", sample) == await rows(source, table, "id", sample), table.name

    revision = backup.current_revision(target)
    assert revision == backup.current_revision(source)


async def test_restore_refuses_a_non_empty_database_unless_forced(round_trip: dict) -> None:
    target, path = round_trip["target"], round_trip["path"]
    marker = f"marker-{uuid.uuid4().hex[:8]}"
    engine = make_engine(target)
    async with engine.begin() as conn:
        await conn.execute(AuditEntry.__table__.insert().values(action="BACKUP_TEST", target=marker))
    await engine.dispose()
    expected = await counts(target)

    code, err = await manage(target, "restore", str(path))
    assert code == 2 and "--force" in err, err
    assert await counts(target) == expected  # untouched
    assert await rows(target, AuditEntry.__table__, "target", [marker])

    code, err = await manage(target, "restore", str(path), "--force")
    assert code == 0, err
    assert await rows(target, AuditEntry.__table__, "target", [marker]) == []  # replaced by the backup's content
    assert (await counts(target))["request"] == expected["request"]


async def test_restore_refuses_a_backup_of_a_newer_schema(scratch: Scratch) -> None:
    newer, target = await scratch.new(), await scratch.new()
    engine = make_engine(newer)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        await conn.execute(text("INSERT INTO alembic_version VALUES ('f00dfeedf00d')"))
    await engine.dispose()
    path = scratch.dir / "newer.backup"
    await asyncio.to_thread(backup.backup, newer, path)

    code, err = await manage(target, "restore", str(path))
    assert code == 2 and "f00dfeedf00d" in err and "newer" in err, err
    engine = make_engine(target)
    async with engine.connect() as conn:  # nothing was written
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
    await engine.dispose()
    assert names == []


async def test_an_older_backup_is_restored_over_a_newer_database_and_migrated(scratch: Scratch) -> None:
    from alembic.script import ScriptDirectory

    older, target = await scratch.new(), await scratch.new()
    script = ScriptDirectory.from_config(migrate.alembic_config(older))
    head = script.get_current_head()
    parent = script.get_revision(head).down_revision
    parent = parent[0] if isinstance(parent, tuple) else parent
    await asyncio.to_thread(migrate.upgrade, older, parent)
    await asyncio.to_thread(migrate.upgrade, target, "head")
    path = scratch.dir / "older.backup"
    made = await asyncio.to_thread(backup.backup, older, path)
    assert made.revision == parent

    # Over a database already at head (e.g. rolling back a failed upgrade): its newer tables and
    # columns must not survive to trip the migration.
    code, err = await manage(target, "restore", str(path), "--force")
    assert code == 0, err
    assert backup.current_revision(target) == head
    for table in TABLES:  # every model column is there
        await query(target, select(table).limit(1))


# ------------------------------------------------------------------------- backup under writes


async def _writer(gql: GQL, qrs: list[str], mark: str, acked: list[tuple[str, str]], stop: asyncio.Event) -> None:
    i = 0
    while not stop.is_set():
        key = f"bkw-{mark}-{i}"
        acked.append((key, await submit(gql, qrs[i % len(qrs)], key, f"边写边备份 {mark} #{i}")))
        i += 1


def _check_sqlite_backup(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        return [r[0] for r in conn.execute("SELECT tracking_code FROM request")]
    finally:
        conn.close()


async def _check_consistent(url: str, mark: str) -> set[str]:
    """Events only of existing requests; each of the writer's requests with its one SUBMITTED
    event and its idempotency key. Returns the writer's tracking codes found."""
    r, e, k = Request.__table__, RequestEvent.__table__, IdempotencyKey.__table__
    orphans = await query(url, select(func.count()).select_from(e).outerjoin(r, r.c.id == e.c.request_id).where(r.c.id.is_(None)))
    assert orphans == [(0,)]
    dangling = await query(url, select(func.count()).select_from(k).outerjoin(r, r.c.id == k.c.request_id).where(r.c.id.is_(None)))
    assert dangling == [(0,)]
    ours = await query(url, select(r.c.id, r.c.tracking_code).where(r.c.text.like(f"边写边备份 {mark}-%")))
    ids = [i for i, _ in ours]
    submitted = await query(url, select(e.c.request_id).where(e.c.request_id.in_(ids), e.c.kind == "SUBMITTED"))
    assert sorted(x for (x,) in submitted) == sorted(ids)
    keyed = await query(url, select(k.c.request_id).where(k.c.request_id.in_(ids)))
    assert sorted(x for (x,) in keyed) == sorted(ids)
    return {code for _, code in ours}


async def test_a_backup_taken_while_the_app_writes_is_consistent(app: Any, db: Any, http: Any, settings: Any, scratch: Scratch) -> None:
    gql, mark = GQL(http), uuid.uuid4().hex[:8]
    qrs = await qr_tokens(db, 200)
    acked: list[tuple[str, str]] = []
    stop = asyncio.Event()
    writers = [asyncio.create_task(_writer(gql, qrs[w::3], f"{mark}-{w}", acked, stop)) for w in range(3)]
    try:
        while len(acked) < 5:
            await asyncio.sleep(0.05)
        # Backups until one of them ran while writes were acknowledged (on SQLite a copy of the
        # session's database is quick): the premise of the test, not a timing claim.
        overlapped = False
        for attempt in range(10):
            path = scratch.dir / f"live-{mark}-{attempt}.backup"
            acked_before = {code for _, code in acked}
            n_before = len(acked)
            await asyncio.to_thread(backup.backup, settings.database_url, path)
            overlapped = len(acked) - n_before >= 2
            if BACKEND == "postgres":
                url = await scratch.new()
                await asyncio.to_thread(backup.restore, url, path)
            else:
                _check_sqlite_backup(path)
                url = f"sqlite+aiosqlite:///{path}"
            found = await _check_consistent(url, mark)
            # Everything acknowledged before the backup began is in it.
            assert acked_before <= found, sorted(acked_before - found)[:5]
            if overlapped:
                print(f"\nbackup under writes [{BACKEND}]: attempt {attempt + 1}, {len(acked) - n_before} submissions "
                      f"acknowledged while it ran, {len(found)} of the writer's requests in it, all consistent")
                break
        assert overlapped, "no backup overlapped acknowledged writes"
    finally:
        stop.set()
        await asyncio.gather(*writers)
