"""台账导入 at scale: a 20,000-row buildings register and a 20,000-row residents register, each as
.xlsx and as CSV (GB18030, as Chinese Excel saves it), through the real HTTP API.

Usage:
    .venv/bin/python bench/import_registers.py [--rows 20000] [--runs 3]
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/import_registers.py

What one backend does: a scratch database (a SQLite file in a temp folder; or, with
TEST_DATABASE_URL, a PostgreSQL database created and dropped here), migrated and seeded with the
demo district; one `uvicorn app:app` process on a free 127.0.0.1 port; `admin` signs in. For each
register and format, `--runs` times: generate a fresh file (rows attached to the demo district:
buildings spread over its 150 communities and 1,217 grids, residents over its 21,496 buildings,
names, phones and rooms unique to the run), then time

* dry run  — upload (GraphQL multipart) until the job reports DONE, nothing written;
* import   — the same file imported for real: every row inserted, one transaction;
* re-run   — the same file again: every row unchanged, nothing written.

Times are wall clock from the start of the upload to the poll (every 50 ms) that sees the job
finished, so they include the upload, parsing, both validation passes and the write. Medians of
the runs are printed as a Markdown table. Only talks to 127.0.0.1; bounded in count.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import normalise_database_url  # noqa: E402

JOB = "id status finished errorCount inserted updated unchanged rowsTotal seconds { phase seconds }"
IMPORT = "mutation($i: ImportRegisterInput!) { importRegister(input: $i) { job { %s } } }" % JOB
POLL = "query($id: ID!) { importJob(id: $id) { %s } }" % JOB
ROADS = ["幸福路", "胜利路", "福泰路", "青年南路", "只楚路", "西南河路", "解放路", "环山路", "南大街", "北马路"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红梅鑫斌宇浩凯晨瑞博文轩怡欣悦婷雪琳"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------- databases

async def _seed(url: str) -> dict[str, Any]:
    from db import migrate
    from db.engine import Database
    from db.seed import seed_demo

    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url)
    try:
        await seed_demo(db, progress=False)
        async with db.read() as conn:
            from sqlalchemy import text

            grids = (await conn.execute(text("SELECT c.name, g.code FROM grid g JOIN community c ON c.id = g.community_id ORDER BY g.id"))).all()
            buildings = (await conn.execute(text("SELECT c.name, b.code FROM building b JOIN community c ON c.id = b.community_id ORDER BY b.id"))).all()
    finally:
        await db.dispose()
    return {"grids": [tuple(r) for r in grids], "buildings": [tuple(r) for r in buildings]}


async def _pg_admin(admin_url: str, sql: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


# ---------------------------------------------------------------------------------- files

def buildings_rows(place: dict[str, Any], n: int, run: str, rng: random.Random) -> list[list[Any]]:
    rows: list[list[Any]] = [["所属社区", "所属网格", "楼栋名称", "详细地址", "户数"]]
    grids = place["grids"]
    for i in range(n):
        community, grid = grids[rng.randrange(len(grids))]
        number = i // 40 + 1
        rows.append([community, grid, f"{i % 40 + 1}号楼", f"{rng.choice(ROADS)}{run}-{number}号{i % 40 + 1}号楼", 12 + rng.randrange(60)])
    return rows


def residents_rows(place: dict[str, Any], n: int, run: int, rng: random.Random) -> list[list[Any]]:
    rows: list[list[Any]] = [["所属社区", "楼栋", "姓名", "手机号", "房号", "是否党员"]]
    buildings = place["buildings"]
    for i in range(n):
        community, code = buildings[rng.randrange(len(buildings))]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        phone = f"1{rng.choice('3589')}{run % 10}{i:08d}"
        rows.append([community, code, name, phone, f"{rng.randrange(1, 7)}单元{rng.randrange(1, 19)}{rng.randrange(1, 5):02d}",
                     "是" if rng.random() < 0.12 else "否"])
    return rows


def to_xlsx(sheet: str, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("gb18030")


# --------------------------------------------------------------------------------- timing

def timed_import(client: httpx.Client, token: str, register: str, name: str, data: bytes, dry_run: bool) -> tuple[float, dict]:
    headers = {"authorization": f"Bearer {token}", "graphql-preflight": "1"}
    operations = {"query": IMPORT, "variables": {"i": {"register": register, "file": None, "dryRun": dry_run}}}
    started = time.perf_counter()
    body = client.post("/graphql", headers=headers, files={"0": (name, data, "application/octet-stream")},
                       data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.i.file"]})}).json()
    assert "errors" not in body, body["errors"]
    job = body["data"]["importRegister"]["job"]
    deadline = started + 600
    while not job["finished"]:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"import {job['id']} still {job['status']} after 10 minutes")
        time.sleep(0.05)
        job = client.post("/graphql", headers=headers, json={"query": POLL, "variables": {"id": job["id"]}}).json()["data"]["importJob"]
    elapsed = time.perf_counter() - started
    assert job["status"] == "DONE" and job["errorCount"] == 0, job
    return elapsed, job


def bench_backend(label: str, url: str, rows: int, runs: int) -> list[dict[str, Any]]:
    print(f"[{label}] seeding the demo district …", file=sys.stderr, flush=True)
    place = asyncio.run(_seed(url))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEMO": "1", "SWEEP_SECONDS": "3600", "SECRET_KEY": "bench-" + uuid.uuid4().hex,
           "BROADCAST_URL": "memory://"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning"], cwd=ROOT, env=env)
    results = []
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600)
        for _ in range(300):
            try:
                if client.get("/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        login = client.post("/graphql", json={"query": 'mutation { login(input: {username: "admin", password: "demo"}) { token } }'})
        token = login.json()["data"]["login"]["token"]
        rng = random.Random(20261126)
        for register, sheet in (("BUILDINGS", "楼栋"), ("RESIDENTS", "居民")):
            for fmt in ("xlsx", "csv"):
                times: dict[str, list[float]] = {"dry": [], "import": [], "rerun": []}
                phases: list[dict[str, float]] = []
                size = 0
                for run in range(runs):
                    tag = f"{label[0]}{fmt[0]}{run}{uuid.uuid4().hex[:4]}"
                    serial = ("xlsx", "csv").index(fmt) * runs + run  # keeps phones unique across files
                    table = buildings_rows(place, rows, tag, rng) if register == "BUILDINGS" else residents_rows(place, rows, serial, rng)
                    data = to_xlsx(sheet, table) if fmt == "xlsx" else to_csv(table)
                    size = len(data)
                    name = f"{sheet}.{fmt}"
                    t, job = timed_import(client, token, register, name, data, True)
                    assert job["inserted"] == rows, job
                    times["dry"].append(t)
                    t, job = timed_import(client, token, register, name, data, False)
                    assert job["inserted"] == rows, job
                    times["import"].append(t)
                    phases.append({p["phase"]: p["seconds"] for p in job["seconds"]})
                    t, job = timed_import(client, token, register, name, data, False)
                    assert job["unchanged"] == rows and job["inserted"] == job["updated"] == 0, job
                    times["rerun"].append(t)
                    print(f"[{label}] {register} {fmt} run {run + 1}: dry {times['dry'][-1]:.2f} s, import {times['import'][-1]:.2f} s, "
                          f"re-run {times['rerun'][-1]:.2f} s", file=sys.stderr, flush=True)
                median_phases = {k: statistics.median(p.get(k, 0.0) for p in phases) for k in phases[0]}
                results.append({"backend": label, "register": register, "format": fmt, "bytes": size,
                                **{k: statistics.median(v) for k, v in times.items()}, "phases": median_phases})
    finally:
        server.terminate()
        server.wait(timeout=20)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="ehy-bench-import-") as tmp:
        results += bench_backend("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", args.rows, args.runs)
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        admin_url = normalise_database_url(pg)
        name = f"ehy_bench_import_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(admin_url, f'CREATE DATABASE "{name}"'))
        try:
            results += bench_backend("PostgreSQL", admin_url.rsplit("/", 1)[0] + "/" + name, args.rows, args.runs)
        finally:
            asyncio.run(_pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"\n{args.rows:,} rows, medians of {args.runs} runs (seconds, upload to job finished):\n")
    print("| backend | register | file | size | dry run | import | re-run (all unchanged) | import phases: read / validate / recheck / write |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        p = r["phases"]
        print(f"| {r['backend']} | {r['register']} | {r['format']} | {r['bytes'] / 1e6:.1f} MB | {r['dry']:.1f} | {r['import']:.1f} | "
              f"{r['rerun']:.1f} | {p.get('read', 0):.1f} / {p.get('validate', 0):.1f} / {p.get('recheck', 0):.1f} / {p.get('write', 0):.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
