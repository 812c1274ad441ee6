"""submitRequest in process (a script, not a test): the app under ASGI with no HTTP server, `grid`
submitting on its buildings at a fixed concurrency, every request distinct. Prints, per run, the
process's CPU time per submission and the rate; with `--calls`, Python function calls per
submission instead (cProfile; the difference between a run of N and one of 2N, so start-up and
warm-up cancel out) — a count, steadier than CPU time on a machine whose speed drifts.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ehy_bench_clean \\
      .venv/bin/python bench/submit_inprocess.py --n 400 --runs 3
    DATABASE_URL=… .venv/bin/python bench/submit_inprocess.py --calls --n 300

Run from the tree being measured (its code is imported from the working directory). Writes
submissions into the database: measure on a copy.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("SWEEP_SECONDS", "3600")  # no overdue sweep inside the measurement
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
os.environ.setdefault("VAR_DIR", str(Path("/tmp") / "ehy-submit-inprocess"))

DOC = "mutation Submit($i: SubmitRequestInput!) { submitRequest(input: $i) { replayed request { id trackingCode state createdAt } } }"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token } }"
BUILDINGS = ("SELECT b.id FROM building b JOIN user_scope s ON s.ref_id = b.grid_id AND s.kind = 'GRID' "
             "JOIN app_user u ON u.id = s.user_id AND u.username = 'grid' ORDER BY b.id LIMIT 50")


def gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


async def measure(n: int, runs: int, concurrency: int, calls: bool) -> None:
    import httpx
    from sqlalchemy import text

    from app import create_app

    app = create_app()
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        answer = (await client.post("/graphql", json={"query": LOGIN, "variables": {"i": {"username": "grid", "password": "demo"}}})).json()
        headers = {"authorization": f"Bearer {answer['data']['login']['token']}"}
        async with app.state.db.read() as conn:
            buildings = [gid("Building", r[0]) for r in (await conn.execute(text(BUILDINGS))).all()]
        if not buildings:
            raise SystemExit("no buildings for the demo login `grid`: a database made by bench/dataset.py or make run")
        run_id, counter = uuid.uuid4().hex[:8], iter(range(10**9))

        async def submit_many(count: int) -> None:
            left = iter(range(count))

            async def worker() -> None:
                for _ in left:
                    i = next(counter)
                    body = {"query": DOC, "variables": {"i": {"text": f"楼道里堆满杂物,影响消防通道(压测 {run_id}-{i})",
                                                              "idempotencyKey": f"inproc-{run_id}-{i}", "channel": "GRID_WORKER",
                                                              "buildingId": buildings[i % len(buildings)]}}}
                    r = await client.post("/graphql", json=body, headers=headers)
                    if r.status_code != 200 or "errors" in r.json():
                        raise RuntimeError(r.text[:300])

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        await submit_many(100)  # warm-up: statements prepared, caches filled
        if calls:
            counts = []
            for count in (n, 2 * n):
                profile = cProfile.Profile()
                profile.enable()
                await submit_many(count)
                profile.disable()
                counts.append(pstats.Stats(profile).total_calls)
            print(json.dumps({"python_calls_per_submission": round((counts[1] - counts[0]) / n)}), flush=True)
            return
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            await submit_many(n)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(json.dumps({"cpu_us_per_submission": round(cpu / n * 1e6), "per_second": round(n / wall, 1)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=400, help="submissions per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--calls", action="store_true", help="Python function calls per submission (cProfile) instead of CPU time")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL (a copy of a benchmark dataset: this writes into it)")
    asyncio.run(measure(args.n, args.runs, args.concurrency, args.calls))


if __name__ == "__main__":
    main()
