"""Import jobs: read → validate → (write), with progress kept in memory by the process running the
job, which clients poll by the job's id.

Why progress lives in memory: on SQLite the import holds the one write lock for its transaction,
so progress written to the database from a second transaction would wait behind it, and on any
backend uncommitted progress is invisible to others. The outcome of a real import (not of a dry
run, which writes nothing) is recorded in `import_job` — in the import's own transaction when it
succeeds, in a transaction of its own when it is refused or fails — and audited (IMPORT). With
several app processes, another process answers `importJob(id)` from that row once the job ends.

The real import validates twice: once outside any transaction, so a file with bad rows is refused
without taking the write lock; then again inside the write transaction against what is committed
at that moment (on PostgreSQL under an advisory lock that serialises imports), so that rows
another writer added in between cannot be duplicated. The second pass is pure Python over data
already loaded: a fraction of a second for 20,000 rows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import insert, text

from db.base import utcnow
from db.engine import Database
from db.models import AuditEntry, ImportJob
from resolvers.imports import credentials, refs
from resolvers.imports.plan import Plan, plan
from resolvers.imports.reader import FileError, read_file
from resolvers.imports.registers import BY_KIND, DISTRICT
from resolvers.imports.report import Action, Report, RowError
from resolvers.imports.write import write

log = logging.getLogger("ehuying.imports")

IMPORT_LOCK = 0x1D2E_0008  # pg_advisory_xact_lock key: one register import at a time
STORED_ERRORS = 1000
# Finished jobs stay in memory (with their row-by-row report) for a while, a bounded number.
KEEP_JOBS = 20
KEEP_FINISHED = timedelta(hours=2)
CREDENTIALS_TTL = timedelta(minutes=30)
DONE_MESSAGE = ("导入完成,全部写入", "Imported: every row written")


class _Changed(Exception):
    """The second pass found what the first did not."""


class Status(str, Enum):
    QUEUED = "QUEUED"
    READING = "READING"
    VALIDATING = "VALIDATING"
    WRITING = "WRITING"
    DONE = "DONE"
    REFUSED = "REFUSED"
    FAILED = "FAILED"


FINAL = {Status.DONE, Status.REFUSED, Status.FAILED}


@dataclass(frozen=True)
class Credential:
    username: str
    display_name: str
    role: str
    password: str


@dataclass
class Job:
    key: str
    register: str
    file_name: str
    dry_run: bool
    started_by: int | None
    started_at: datetime = field(default_factory=utcnow)
    status: Status = Status.QUEUED
    rows_total: int = 0
    rows_validated: int = 0
    rows_written: int = 0
    finished_at: datetime | None = None
    report: Report | None = None
    message: str = ""
    message_en: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    record_id: int | None = None
    credentials: list[Credential] | None = None
    credential_count: int = 0
    credentials_until: datetime | None = None
    task: asyncio.Task | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    def take_credentials(self) -> list[Credential] | None:
        """The initial passwords, once: handed out and forgotten."""
        creds, self.credentials = self.credentials, None
        if creds is None or (self.credentials_until is not None and utcnow() > self.credentials_until):
            return None
        return creds

    @property
    def credentials_available(self) -> bool:
        return self.credentials is not None and (self.credentials_until is None or utcnow() <= self.credentials_until)


_jobs: dict[str, Job] = {}
_turns: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def get(key: str) -> Job | None:
    return _jobs.get(key)


def _prune() -> None:
    now = utcnow()
    for key, job in list(_jobs.items()):
        if job.credentials is not None and job.credentials_until is not None and now > job.credentials_until:
            job.credentials = None
        if job.finished and job.finished_at is not None and now - job.finished_at > KEEP_FINISHED:
            del _jobs[key]
    finished = sorted((j for j in _jobs.values() if j.finished), key=lambda j: j.started_at)
    for job in finished[: max(0, len(_jobs) - KEEP_JOBS)]:
        _jobs.pop(job.key, None)


def start(db: Database, *, register: str, file_name: str, data: bytes, dry_run: bool, user_id: int | None) -> Job:
    """Queue a job in this process and return at once; `job.task` runs it."""
    _prune()
    loop = asyncio.get_running_loop()
    turn = _turns.get(loop)
    if turn is None:
        for stale in [lp for lp in _turns if lp.is_closed()]:
            del _turns[stale]
        turn = _turns[loop] = asyncio.Lock()
    job = Job(key=uuid.uuid4().hex, register=register, file_name=file_name[:200], dry_run=dry_run, started_by=user_id)
    _jobs[job.key] = job
    job.task = asyncio.create_task(_run_in_turn(db, job, data, turn), name=f"import-{job.key[:8]}")
    return job


async def _run_in_turn(db: Database, job: Job, data: bytes, turn: asyncio.Lock) -> None:
    # One job at a time per process: two 20,000-row files at once only double the memory, and
    # on SQLite their writes would queue anyway.
    async with turn:
        await run(db, job, data)


async def run(db: Database, job: Job, data: bytes) -> Job:
    started = time.perf_counter()
    try:
        await _run(db, job, data)
    except asyncio.CancelledError:
        _finish(job, Status.FAILED, "导入被中断", "The import was interrupted")
        raise
    except Exception:  # noqa: BLE001 — the job reports the failure; the traceback goes to the log
        log.exception("register import %s failed", job.key)
        _finish(job, Status.FAILED, "导入失败(服务器内部错误),未写入任何数据", "The import failed (internal error); nothing was written")
        if not job.dry_run:
            try:
                await _record(db, job)
            except Exception:  # noqa: BLE001
                log.exception("could not record the failed import %s", job.key)
    job.seconds["total"] = round(time.perf_counter() - started, 3)
    return job


async def _run(db: Database, job: Job, data: bytes) -> None:
    t0 = time.perf_counter()
    job.status = Status.READING
    try:
        sheets = await asyncio.to_thread(read_file, job.file_name, data, job.register)
    except FileError as err:
        job.report = Report(errors=[RowError(job.register, "", 0, "", "", err.zh, err.en)])
        return await _refuse_or_report(db, job)
    job.rows_total = sum(len(s.rows) for s in sheets)
    job.seconds["read"] = round(time.perf_counter() - t0, 3)

    t1 = time.perf_counter()
    job.status = Status.VALIDATING
    async with db.read() as conn:
        loaded = await refs.load(conn, sheets)
    checked = await asyncio.to_thread(plan, sheets, loaded, _progress(job, "rows_validated"))
    job.rows_validated = job.rows_total
    job.report = checked.report
    job.seconds["validate"] = round(time.perf_counter() - t1, 3)
    if job.dry_run or not checked.report.ok:
        return await _refuse_or_report(db, job)

    t2 = time.perf_counter()
    new_users = [u.username for u in checked.new.get("app_user", [])]
    issued = await credentials.issue(new_users)
    job.seconds["passwords"] = round(time.perf_counter() - t2, 3)
    del checked, loaded

    t3 = time.perf_counter()
    job.status = Status.WRITING
    try:
        async with db.write_turn(), db.write_engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_LOCK})
            current = await refs.load(conn, sheets)
            final = await asyncio.to_thread(plan, sheets, current)
            job.seconds["recheck"] = round(time.perf_counter() - t3, 3)
            job.report = final.report
            if not final.report.ok:
                raise _Changed()
            unchanged = final.report.total(Action.UNCHANGED)
            job.rows_written = unchanged
            t4 = time.perf_counter()
            await write(conn, final, _password_for(issued), _write_progress(job, final, unchanged))
            job.seconds["write"] = round(time.perf_counter() - t4, 3)
            creds = _credentials(final, issued)
            job.record_id = await _insert_record(conn, job, Status.DONE, len(creds))
    except _Changed:
        # Someone changed the registers since the first pass: rolled back, nothing written.
        return await _refuse_or_report(db, job)
    # Committed. Only now is the job finished for those polling it, credentials link included.
    if creds:
        job.credentials, job.credential_count = creds, len(creds)
        job.credentials_until = utcnow() + CREDENTIALS_TTL
    _finish(job, Status.DONE, *DONE_MESSAGE)


def _progress(job: Job, attr: str) -> Callable[[int], None]:
    def update(n: int) -> None:
        setattr(job, attr, n)

    return update


def _write_progress(job: Job, final: Plan, unchanged: int) -> Callable[[int], None]:
    total_writes = max(1, final.writes)
    to_write = job.rows_total - unchanged

    def update(done: int) -> None:
        job.rows_written = unchanged + min(to_write, round(to_write * done / total_writes))

    return update


def _password_for(issued: dict[str, tuple[str, str]]) -> Callable[[str], Any]:
    async def password_hash(username: str) -> str:
        if username not in issued:  # planned only in the second pass (a race): hash it now
            issued.update(await credentials.issue([username]))
        return issued[username][1]

    return password_hash


def _credentials(final: Plan, issued: dict[str, tuple[str, str]]) -> list[Credential]:
    return [Credential(u.username, u.display_name, u.role, issued[u.username][0]) for u in final.new.get("app_user", [])]


def _finish(job: Job, status: Status, zh: str = "", en: str = "") -> None:
    job.status, job.message, job.message_en = status, zh, en
    job.finished_at = utcnow()
    if status is Status.DONE:
        job.rows_validated = job.rows_written = job.rows_total


async def _refuse_or_report(db: Database, job: Job) -> None:
    report = job.report or Report()
    if job.dry_run:
        _finish(job, Status.DONE, *(("预检发现问题,请修正后再导入", "Problems found: fix them and import again") if not report.ok
                                    else ("预检通过,可以导入", "All rows are fine: ready to import")))
        return
    _finish(job, Status.REFUSED, f"有 {report.bad_rows} 行存在问题,未写入任何数据" if report.rows else "文件无法导入,未写入任何数据",
            f"{report.bad_rows} bad rows: nothing was written" if report.rows else "The file cannot be imported: nothing was written")
    await _record(db, job)


async def _record(db: Database, job: Job) -> None:
    async with db.write_turn(), db.write_engine.begin() as conn:
        job.record_id = await _insert_record(conn, job, job.status, 0)


async def _insert_record(conn: Any, job: Job, status: Status, accounts: int) -> int:
    report = job.report or Report()
    done = status is Status.DONE
    message = DONE_MESSAGE if done else (job.message, job.message_en)
    summary = {"sheets": [s.as_json() for s in report.sheets], "seconds": job.seconds, "message": message[0],
               "messageEn": message[1], "badRows": report.bad_rows, "accounts": accounts}
    row = {
        "key": job.key, "register": job.register, "file_name": job.file_name, "status": status.value,
        "started_by_user_id": job.started_by, "started_at": job.started_at, "finished_at": job.finished_at or utcnow(),
        "rows_total": job.rows_total, "inserted": report.total(Action.INSERT) if done else 0,
        "updated": report.total(Action.UPDATE) if done else 0,
        "unchanged": report.total(Action.UNCHANGED) if done else 0,
        "error_count": len(report.errors),
        "errors": json.dumps([e.as_json() for e in report.errors[:STORED_ERRORS]], ensure_ascii=False),
        "summary": json.dumps(summary, ensure_ascii=False),
    }
    record_id = (await conn.execute(insert(ImportJob.__table__).returning(ImportJob.__table__.c.id), row)).scalar_one()
    title = "整套台账" if job.register == DISTRICT else BY_KIND[job.register].title
    detail = {"register": job.register, "file": job.file_name, "status": status.value, "rows": job.rows_total,
              "inserted": row["inserted"], "updated": row["updated"], "unchanged": row["unchanged"],
              "errors": row["error_count"], "accounts": accounts}
    await conn.execute(insert(AuditEntry.__table__), {
        "actor_user_id": job.started_by, "action": "IMPORT", "target": f"ImportJob:{record_id}",
        "detail": f"{title} " + json.dumps(detail, ensure_ascii=False), "at": utcnow(),
    })
    return record_id

