"""Latency of filtered `requests(first: 50)` queries on a year of data (issue 3's figure).

Usage (the database must be set up and generated first):
    DATABASE_URL=... .venv/bin/python -m db.manage setup
    DATABASE_URL=... .venv/bin/python -m db.generate --count 235000
    DATABASE_URL=... .venv/bin/python bench/requests_latency.py [--rounds 30]

Starts one uvicorn process on a free port, signs in as `dispatcher` and `department`, runs each
query `rounds` times sequentially over HTTP and prints the median and p90 in milliseconds.
Only talks to 127.0.0.1; bounded in count.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SELECTION = "totalCount edges { node { id trackingCode title state createdAt channel community { name street { name } } subcategory { name } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    port = free_port()
    env = {**os.environ, "DEMO": "1", "SWEEP_SECONDS": "3600", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret")}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "app:app", "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        client = httpx.Client(timeout=60)

        def login(user: str) -> str:
            r = client.post(url, json={"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                                       "variables": {"i": {"username": user, "password": "demo"}}})
            return r.json()["data"]["login"]["token"]

        tokens = {u: login(u) for u in ("dispatcher", "department", "street")}
        ids = client.post(url, headers={"authorization": f"Bearer {tokens['dispatcher']}"}, json={"query":
            '{ communities(filter: {search: "福泰"}, first: 1) { edges { node { id street { id } } } } }'}).json()["data"]
        community = ids["communities"]["edges"][0]["node"]
        cases = [
            ("wall: newest 50", "dispatcher", "{}"),
            ("open MAJOR, one street", "dispatcher", '{open: true, scopes: [MAJOR], streetId: "%s"}' % community["street"]["id"]),
            ("one community, last 30 days", "dispatcher", '{communityId: "%s", createdAfter: "%s"}' % (community["id"], _days_ago(30))),
            ("overdue (supervision)", "dispatcher", "{overdue: true}"),
            ("text 噪音", "dispatcher", '{text: "噪音"}'),
            ("department's own requests", "department", "{}"),
            ("street officer, state ACCEPTED", "street", "{states: [ACCEPTED]}"),
        ]
        print(f"{'query':40s} {'median ms':>10s} {'p90 ms':>8s}  totalCount")
        for name, user, flt in cases:
            q = f"{{ requests(first: 50, filter: {flt}) {{ {SELECTION} }} }}"
            times, total = [], None
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                body = client.post(url, headers={"authorization": f"Bearer {tokens[user]}"}, json={"query": q}).json()
                times.append((time.perf_counter() - t0) * 1000)
                assert "errors" not in body, body["errors"]
                total = body["data"]["requests"]["totalCount"]
            times.sort()
            print(f"{name:40s} {statistics.median(times):10.1f} {times[int(len(times) * 0.9) - 1]:8.1f}  {total}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


def _days_ago(n: int) -> str:
    from datetime import datetime, timedelta, timezone

    return (datetime.now(timezone.utc) - timedelta(days=n)).isoformat()


if __name__ == "__main__":
    raise SystemExit(main())
