"""Benchmark datasets: a PostgreSQL database holding the demo district and N generated requests.

    .venv/bin/python bench/dataset.py --requests 235000             # one year of 芝罘区 → ehy_bench_235000
    .venv/bin/python bench/dataset.py --requests 2350000            # ten years (--days 3650) → ehy_bench_2350000
    .venv/bin/python bench/dataset.py --requests 235000 --drop      # drop it again

Phases, each timed: create the database (`--database`, default `ehy_bench_<N>`, on `--server`),
`python -m db.manage setup` with DEMO=1 and DEMO_REQUESTS=0 (migrations and the demo district,
no demo requests), `python -m db.generate --count N --days D --seed S --validate 2` (rows by
COPY), `VACUUM ANALYZE`. `--days` defaults to the district's rate, 235,000 requests a year (never
under 365 days). The database's comment is the marker: `{"state": "building", …}` while it is
made, then the arguments, the generator's summary and the row counts. Run again with the same
arguments and it only says "already there"; a half-built one (a failed or killed run: marker
still "building") is dropped and made again; a database with other contents is never touched.
On failure the half-built database is dropped unless `--keep`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
PER_YEAR = 235_000  # the district's requests a year (SPEC §2)


async def admin(server: str, sql: str, *args) -> list:
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def marker(server: str, name: str) -> dict | None:
    """The database's marker, {} for a database without one, None if there is no database."""
    rows = await admin(server, "SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1", name)
    if not rows:
        return None
    try:
        return json.loads(rows[0]["c"] or "{}")
    except ValueError:
        return {}


async def set_marker(server: str, name: str, value: dict) -> None:
    comment = json.dumps(value, ensure_ascii=False).replace("'", "''")
    await admin(server, f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")


async def drop(server: str, name: str) -> None:
    await admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def in_database(server: str, name: str, sql: str) -> list:
    conn = await asyncpg.connect(f"{server}/{name}")
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def run(cmd: list[str], env: dict[str, str]) -> str:
    """A command in the project directory; its stderr (progress bars) passes through, its stdout is returned."""
    out = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
    sys.stdout.write(out)
    return out


def phase(timings: dict[str, float], name: str, started: float) -> None:
    timings[name] = round(time.perf_counter() - started, 1)
    print(f"[{name}] {timings[name]:.1f} s", flush=True)


async def build(args: argparse.Namespace, name: str, wanted: dict) -> dict:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    await admin(args.server, f'CREATE DATABASE "{name}"')
    await set_marker(args.server, name, {"state": "building", **wanted})
    phase(timings, "create", t)

    env = {**os.environ, "DATABASE_URL": f"{args.server}/{name}", "DEMO": "1", "DEMO_REQUESTS": "0", "APP_ENV": "development"}
    py = sys.executable
    t = time.perf_counter()
    run([py, "-m", "db.manage", "setup"], env)
    phase(timings, "setup", t)

    t = time.perf_counter()
    out = run([py, "-m", "db.generate", "--count", str(args.requests), "--days", str(args.days),
               "--seed", str(args.seed), "--validate", "2"], env)
    summary = json.loads(out.strip().splitlines()[-1])
    phase(timings, "generate", t)

    t = time.perf_counter()
    conn = await asyncpg.connect(f"{args.server}/{name}")
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    phase(timings, "vacuum_analyze", t)

    counts = dict((await in_database(args.server, name, """
        SELECT 'request', count(*) FROM request UNION ALL SELECT 'request_event', count(*) FROM request_event
        UNION ALL SELECT 'assignment', count(*) FROM assignment UNION ALL SELECT 'request_reporter', count(*) FROM request_reporter
    """)))
    done = {"state": "ready", **wanted, "rows": counts, "timings": timings,
            "generator": {k: summary.get(k) for k in ("requests", "events", "writer", "seconds", "validated")}}
    await set_marker(args.server, name, done)
    return done


async def main_async(args: argparse.Namespace) -> int:
    name = args.database or f"ehy_bench_{args.requests}"
    if args.drop:
        await drop(args.server, name)
        print(f"dropped {name}")
        return 0
    wanted = {"requests": args.requests, "days": args.days, "seed": args.seed}
    found = await marker(args.server, name)
    if found is not None:
        if found.get("state") == "ready" and all(found.get(k) == v for k, v in wanted.items()):
            print(f"{name}: already there ({json.dumps(found.get('rows'))})")
            return 0
        if found.get("state") != "building":
            what = {k: found.get(k) for k in ("requests", "days", "seed")} if found.get("state") == "ready" else "no marker"
            print(f"{name} exists with other contents ({what}): --drop it first, or pick another --database", file=sys.stderr)
            return 2
        print(f"{name}: half-built by an earlier run, dropped to start again")
        await drop(args.server, name)
    print(f"{name}: {args.requests:,} requests over {args.days} days (seed {args.seed}) on {args.server}", flush=True)
    started = time.perf_counter()
    try:
        done = await build(args, name, wanted)
    except BaseException:
        if not args.keep:
            await drop(args.server, name)
            print(f"failed: dropped {name} (--keep keeps it)", file=sys.stderr)
        raise
    print(f"{name}: ready in {time.perf_counter() - started:.0f} s, rows {json.dumps(done['rows'])}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, required=True, help="how many requests to generate")
    parser.add_argument("--days", type=int, help=f"spread over the last D days (default: {PER_YEAR:,} a year, at least 365)")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default 1)")
    parser.add_argument("--database", help="database name (default ehy_bench_<N>)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no database")
    parser.add_argument("--keep", action="store_true", help="keep a half-built database when a phase fails")
    parser.add_argument("--drop", action="store_true", help="drop the database and stop")
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if args.days is None:
        args.days = max(365, round(365 * args.requests / PER_YEAR))
    args.server = args.server.rstrip("/")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
