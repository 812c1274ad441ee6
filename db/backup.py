"""Backup and restore of the whole database, for both backends (`python -m db.manage backup|restore`).

SQLite: the online backup API copies every page in one step inside one read transaction, so the
copy is a consistent snapshot even while the app keeps writing (WAL readers do not block the
writer); the result is one self-contained database file. PostgreSQL: `pg_dump -Fc`, which reads
everything in one snapshot.

A restore replaces the target database's content all at once (a failed restore leaves it as it
was), refuses a non-empty target unless forced, refuses a backup from newer code (a schema
revision this code does not know), and migrates an older backup to this code's head afterwards.
Stop the app while restoring: its connections would block the restore or go on with the old
content under them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from db import migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A refusal or failure the operator must read; the message says what to do."""


@dataclass
class Outcome:
    backend: str
    path: str
    bytes: int
    revision: str | None
    seconds: float
    migrated_to: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def backup(url: str, dest: str | Path) -> Outcome:
    """Write a backup of the database at `url` to `dest` (replaced atomically when complete)."""
    dest = Path(dest).resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        if _is_sqlite(url):
            revision = _sqlite_backup(_sqlite_path(url), partial)
            backend = "sqlite"
        else:
            revision = _pg_backup(url, partial)
            backend = "postgresql"
        _fsync(partial)
        os.replace(partial, dest)
        _fsync(dest.parent)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(backend, str(dest), dest.stat().st_size, revision, round(time.monotonic() - started, 2))


def restore(url: str, source: str | Path, *, force: bool = False) -> Outcome:
    """Replace the content of the database at `url` with the backup at `source`, then migrate."""
    source = Path(source).resolve()
    if not source.is_file():
        raise BackupError(f"备份文件不存在 / no such backup file: {source}")
    started = time.monotonic()
    kind = backup_kind(source)
    backend = "sqlite" if _is_sqlite(url) else "postgresql"
    if kind != backend:
        raise BackupError(f"这是 {kind} 的备份,目标库是 {backend} / this is a {kind} backup; DATABASE_URL is {backend}")
    if backend == "sqlite":
        revision = _sqlite_revision(source)
        _check_revision(url, revision)
        _sqlite_restore(source, _sqlite_path(url), force=force)
    else:
        revision = _pg_dump_revision(url, source)
        _check_revision(url, revision)
        _pg_restore(url, source, force=force)
    migrate.upgrade(url)
    return Outcome(backend, str(source), source.stat().st_size, revision, round(time.monotonic() - started, 2),
                   migrated_to=current_revision(url))


def backup_kind(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"不是本系统的备份文件 / not a backup made by this tool (neither SQLite nor pg_dump -Fc): {path}")


def current_revision(url: str) -> str | None:
    if _is_sqlite(url):
        return _sqlite_revision(Path(_sqlite_path(url)))
    rows = _psql(url, "SELECT version_num FROM alembic_version")
    return rows[0] if rows else None


# -- schema revisions ---------------------------------------------------------------------------


def _check_revision(url: str, revision: str | None) -> None:
    """The backup's revision must be this code's head or one of its ancestors."""
    from alembic.script import ScriptDirectory

    if revision is None:
        raise BackupError("备份中没有数据库版本号(alembic_version),无法确认与本程序兼容 / "
                          "the backup has no alembic_version: cannot tell which schema it holds")
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    known = {rev.revision for rev in script.iterate_revisions("heads", "base")}
    if revision not in known:
        raise BackupError(f"备份来自更新版本的程序(数据库版本 {revision} 本程序不认识),请用对应版本恢复 / "
                          f"the backup's schema revision {revision} is unknown to this code (newer code made it): "
                          "restore it with that version")


# -- SQLite -------------------------------------------------------------------------------------


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> str:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份或恢复 / an in-memory SQLite database cannot be backed up or restored")
    return database


def _sqlite_backup(source: str, partial: Path) -> str | None:
    if not Path(source).is_file():
        raise BackupError(f"数据库文件不存在 / no database file at {source}")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        # pages=-1 (the default): all pages in one step, under one read transaction, so the copy
        # is one consistent snapshot; the app's writers go on meanwhile (WAL).
        src.backup(dst)
        # One self-contained file: no -wal/-shm companions to forget when copying it elsewhere.
        dst.execute("PRAGMA journal_mode=DELETE")
        _sqlite_integrity(dst, partial)
        return _revision_of(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_integrity(conn: sqlite3.Connection, path: Path) -> None:
    result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"备份未通过完整性检查 / {path} failed PRAGMA integrity_check: {result[:5]}")


def _revision_of(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _sqlite_revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _revision_of(conn)
    finally:
        conn.close()


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]


def _sqlite_restore(source: Path, target: str, *, force: bool) -> None:
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        _sqlite_integrity(src, source)
        if _sqlite_tables(dst) and not force:
            raise BackupError(f"目标数据库不是空的({target}),确认覆盖请加 --force / "
                              "the target database is not empty: add --force to replace its content")
        # The backup API writes the whole file under the target's write lock: a reader sees the
        # old database or the restored one, never a mixture.
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


# -- PostgreSQL ---------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """The newest installed client: pg_dump refuses a server newer than itself."""
    override = os.environ.get("PG_BIN")
    if override:
        return str(Path(override) / name)
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if versions:
        return str(versions[-1])
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}(PostgreSQL 客户端工具) / {name} not found: install the PostgreSQL client or set PG_BIN")
    return found


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for the PostgreSQL command-line tools (the password
    goes through the environment, never the command line)."""
    u = make_url(url)
    args = ["-d", u.database or "postgres"]
    if u.host:
        args += ["-h", u.host]
    if u.port:
        args += ["-p", str(u.port)]
    if u.username:
        args += ["-U", u.username]
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    ssl = u.query.get("sslmode") or u.query.get("ssl")
    if isinstance(ssl, str) and ssl:
        env["PGSSLMODE"] = {"true": "require"}.get(ssl, ssl)
    return args, env


def _run(cmd: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, env=env, capture_output=True, **kw)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace") if isinstance(done.stderr, bytes) else done.stderr
        raise BackupError(f"{Path(cmd[0]).name} failed ({done.returncode}): {err.strip()[-2000:]}")
    return done


def _psql(url: str, sql: str) -> list[str]:
    args, env = _libpq(url)
    done = _run([_pg_tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", *args, "-c", sql], env, text=True)
    return [line for line in done.stdout.splitlines() if line]


def _pg_backup(url: str, partial: Path) -> str | None:
    args, env = _libpq(url)
    _run([_pg_tool("pg_dump"), "-Fc", "-f", str(partial), *args], env)
    return _pg_dump_revision(url, partial)


def _pg_dump_revision(url: str, dump: Path) -> str | None:
    """The schema revision recorded in a dump, read from its alembic_version data."""
    _, env = _libpq(url)
    done = _run([_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "-f", "-", str(dump)], env, text=True)
    rows, inside = [], False
    for line in done.stdout.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            inside = True
        elif inside and line == "\\.":
            break
        elif inside and line:
            rows.append(line.strip())
    return rows[0] if rows else None


# Every object the app's schema can hold, dropped in the restore's own transaction: a backup
# older than the target's schema must not leave newer tables behind for the migration to trip on.
_CLEAR_PUBLIC = """
SET client_min_messages = warning;
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT matviewname AS n FROM pg_matviews WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP MATERIALIZED VIEW IF EXISTS public.%I CASCADE', r.n); END LOOP;
  FOR r IN SELECT viewname AS n FROM pg_views WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP VIEW IF EXISTS public.%I CASCADE', r.n); END LOOP;
  FOR r IN SELECT tablename AS n FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', r.n); END LOOP;
  FOR r IN SELECT sequencename AS n FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', r.n); END LOOP;
END $$;
"""

_USER_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
"""


def _pg_restore(url: str, dump: Path, *, force: bool) -> None:
    args, env = _libpq(url)
    if int(_psql(url, _USER_RELATIONS)[0]) > 0 and not force:
        raise BackupError("目标数据库不是空的,确认覆盖请加 --force / the target database is not empty: add --force to replace its content")
    # pg_restore renders the dump as SQL (--clean --if-exists: it drops what it recreates) and
    # psql applies it after clearing the schema, in ONE transaction that is committed only once
    # pg_restore has finished without error: a dump that breaks off half-way (truncated, bad
    # disk) must not be committed as a half database. On any failure psql is killed and the
    # server rolls the transaction back: the database stays as it was.
    with tempfile.TemporaryFile("w+", prefix="ehy-restore-") as apply_err, \
            tempfile.TemporaryFile("w+", prefix="ehy-restore-") as render_err:
        apply = subprocess.Popen(
            [_pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", *args, "-f", "-"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=apply_err,
        )
        render = subprocess.Popen(
            [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-acl", "-f", "-", str(dump)],
            env=env, stdout=subprocess.PIPE, stderr=render_err,
        )
        committed = False
        try:
            apply.stdin.write(b"BEGIN;\n" + _CLEAR_PUBLIC.encode())
            for chunk in iter(lambda: render.stdout.read(1 << 16), b""):
                apply.stdin.write(chunk)
            if render.wait() == 0:
                apply.stdin.write(b"\nCOMMIT;\n")
                committed = True
            apply.stdin.close()
        except BrokenPipeError:
            committed = False  # psql stopped on an error: its stderr says which
        finally:
            if not committed:
                apply.kill()
                render.kill()
                with contextlib.suppress(OSError):
                    apply.stdin.close()
            render.wait()
            apply.wait()
            render.stdout.close()
        apply_err.seek(0)
        render_err.seek(0)
        applying, rendering = apply_err.read().strip(), render_err.read().strip()
    if apply.returncode != 0 or not committed:
        causes = [f"pg_restore: {rendering[-1500:]}" if render.returncode else "", f"psql: {applying[-1500:]}" if applying else ""]
        raise BackupError("恢复失败,数据库未改动 / restore failed, nothing changed: " + " | ".join(c for c in causes if c))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
