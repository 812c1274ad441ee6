"""HTTP query benchmark (a script, not a test): the queries the console and the front-end teams
send, under wrk with fixed connections, against our server, PostGraphile v5 and a raw asyncpg
floor on the same PostgreSQL tables, in the same run.

    .venv/bin/python bench/http_bench.py --database ehy_bench_235000
    .venv/bin/python bench/http_bench.py --database ehy_bench_235000 --ours-rev da579a3 --rounds 3 --duration 10
    .venv/bin/python bench/http_bench.py --database ehy_bench_235000 --queries wall,node --servers ours,floor --mutations none

Servers, each a subprocess on a free 127.0.0.1 port, waited for and stopped at the end:
  ours            .venv/bin/uvicorn app:app (one process) with the server's defaults;
  ours (off)      a second process of the same code with every cache of data switched off (--off-env, by default
                  RESPONSE_CACHE_SECONDS=0 ACTOR_CACHE_SECONDS=0: no kept answers, the caller read at every call).
                  The compiled plans stay, as PostGraphile keeps its operation plans and both keep parsed documents;
                  --off-env COMPILED_QUERIES=0 runs the full strawberry executor instead;
  ours@REV        --ours-rev REV: the same two from a git worktree of REV (same .venv), removed at the end;
  postgraphile    bench/peers/postgraphile.sh serve URL PORT (when the script is there and installs);
  floor           bench/peers/floor.py: Starlette + asyncpg + orjson, hand-written SQL, no GraphQL.

Every (server, query, way) is checked once before it is loaded (HTTP 200, no "errors", data not
empty); a broken one gets no number. Then wrk (-t1 -cC, bench/peers/rotate.lua) warms it up for
--warmup seconds and measures for --duration seconds; non-200 answers and answers holding
"errors" are counted and reported. Ways: identical (one body repeated: a cache may help),
rotating (the next of many distinct bodies for every request) and off (identical, ours with its
caches off). Rounds interleave the servers query by query; the table gives medians over rounds.
Mutations (submitRequest under wrk, dispatchRequest from an asyncio client at concurrency 4) run
last, on ours only: they write to the database.

Prints a Markdown table; writes bench/results/http-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PEERS = BENCH / "peers"
LUA = PEERS / "rotate.lua"
PGL_SCRIPT = PEERS / "postgraphile.sh"
FLOOR = PEERS / "floor.py"
VENV_BIN = ROOT / ".venv" / "bin"

ALL_QUERIES = ["wall", "wall_console", "unit_queue", "one_request", "org_tree", "ranking", "node"]
ALL_WAYS = ["identical", "rotating", "off"]
ALL_MUTATIONS = ["submit", "dispatch"]
SERVER_ORDER = {"ours": 0, "postgraphile": 2, "floor": 3}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gid(type_name: str, pk: int) -> str:
    """Our global IDs (schema/ids.py)."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def pgl_node_id(type_name: str, pk: int) -> str:
    """PostGraphile v5's node IDs: base64 of ["Type", pk]."""
    return base64.b64encode(json.dumps([type_name, pk], separators=(",", ":")).encode()).decode()


def our_cursor(created_at: datetime, pk: int) -> str:
    """Our keyset cursor for (created_at, id) (schema/pagination.py)."""
    raw = json.dumps([{"dt": created_at.isoformat()}, pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# ----------------------------------------------------------------------------- the console's documents


def console_documents() -> dict[str, str]:
    """REQUEST_FIELDS (console/src/queries.js), the wall's WallInit (console/src/pages/Wall.jsx) and
    the dispatch mutation (mutationDoc in queries.js), read from the console's sources so the
    benchmark sends what the console sends."""
    queries = (ROOT / "console/src/queries.js").read_text()
    wall = (ROOT / "console/src/pages/Wall.jsx").read_text()
    fields = re.search(r"export const REQUEST_FIELDS = `(.*?)`;", queries, re.S)
    init = re.search(r"const INIT = `(.*?)`;", wall, re.S)
    if not fields or not init:
        raise SystemExit("could not find REQUEST_FIELDS in console/src/queries.js or INIT in console/src/pages/Wall.jsx")
    req_fields = fields.group(1).strip()
    wall_init = init.group(1).replace("${REQUEST_FIELDS}", req_fields).strip()
    # One optional variable more, so the rotating way can vary the page (null: the console's query).
    wall_init, n1 = re.subn(r"query WallInit\(\$first: Int!\)", "query WallInit($first: Int!, $f: RequestFilter)", wall_init)
    wall_init, n2 = re.subn(r"requests\(first: \$first\)", "requests(first: $first, filter: $f)", wall_init)
    if n1 != 1 or n2 != 1:
        raise SystemExit("console/src/pages/Wall.jsx: WallInit changed shape; update console_documents() in bench/http_bench.py")
    dispatch = ("mutation DispatchRequest($i: DispatchRequestInput!) { dispatchRequest(input: $i) { request { ...ReqFields } } } "
                + req_fields)
    return {"req_fields": req_fields, "wall_console": wall_init, "dispatch": dispatch}


SEL = "id title state createdAt community { name street { name } }"
PGL_SEL = "id title state createdAt communityByCommunityId { name streetByStreetId { name } }"

OURS_DOCS = {
    "wall": "query Wall($f: RequestFilter) { requests(first: 50, filter: $f) { edges { node { %s } } } }" % SEL,
    "unit_queue": ("query UnitQueue($d: ID!, $open: Boolean, $after: String) { requests(filter: {departmentId: $d, open: $open}, "
                   "first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node { %s } } } }" % SEL),
    "one_request": "query One($id: ID!) { request(id: $id) { %s history(first: 50) { edges { node { seq kind at note } } } } }" % SEL,
    "org_tree": ("query OrgTree { streets(first: 12) { totalCount edges { node { id name "
                 "communities(first: 50) { totalCount edges { node { id name } } } } } } }"),
    "ranking": ("query EvalRanking($year: Int!, $streetId: ID) { communityRanking(year: $year, streetId: $streetId) { "
                "published rankedCount excludedCount rows { position rank mark markLabel excludedReason phoneScore fieldScore total "
                "answered phoneAnswers fieldTeamCount canDrillDown community { id name } street { id name } } } }"),
    "node": "query Node($id: ID!) { node(id: $id) { id ... on Request { title state createdAt } } }",
}
OURS_USER = {"wall": "dispatcher", "wall_console": "dispatcher", "unit_queue": "department", "one_request": "dispatcher",
             "org_tree": "dispatcher", "ranking": "evaluator", "node": "dispatcher"}

# PostGraphile v5 (amber preset, as shipped) on the same tables: the closest it can express.
PGL_DOCS = {
    "wall": ("query Wall($c: RequestCondition) { allRequests(first: 50, orderBy: [CREATED_AT_DESC, ROW_ID_DESC], condition: $c) "
             "{ edges { node { %s } } } }" % PGL_SEL),
    "unit_queue": ("query UnitQueue($c: AssignmentCondition!, $after: Cursor) { allAssignments(condition: $c, "
                   "orderBy: [ASSIGNED_AT_DESC, PRIMARY_KEY_DESC], first: 50, after: $after) { pageInfo { hasNextPage endCursor } "
                   "edges { node { requestByRequestId { %s } } } } }" % PGL_SEL),
    "one_request": ("query One($id: Int!) { requestByRowId(rowId: $id) { %s requestEventsByRequestId(first: 50, orderBy: [SEQ_ASC]) "
                    "{ edges { node { seq kind at note } } } } }" % PGL_SEL),
    "org_tree": ("query OrgTree { allStreets(first: 12, orderBy: [PRIMARY_KEY_ASC]) { totalCount edges { node { id name "
                 "communitiesByStreetId(first: 50, orderBy: [PRIMARY_KEY_ASC]) { totalCount edges { node { id name } } } } } } }"),
    "node": "query Node($id: ID!) { node(id: $id) { id ... on Request { title state createdAt } } }",
}
PGL_NA = {
    "wall_console": "our computed fields (stateLabel, overdue, dueKind, suggestions, active assignments)",
    "ranking": "the ranking is computed (exact scores, ranks, marks); amber has no such query",
}
FLOOR_NA = {"wall_console": "not written: the console's computed fields are business rules"}
ROTATING_NA = {"org_tree": "no variables: everyone loads the same tree"}
NOTES = {
    "wall": "rotating: filter {gridId} over the grids (PostGraphile: condition {gridId})",
    "wall_console": "the console's WallInit (ReqFields, history(first: 1), first: 30); rotating: filter {gridId}",
    "unit_queue": ("as `department`: requests(filter: {departmentId, open: true}); rotating: keyset pages of the department's "
                   "requests (open: null, after: cursor). PostGraphile: the department's newest (active) assignments with "
                   "their requests — amber cannot filter on the request's state through the assignment"),
    "one_request": "request(id:) with history(first: 50); rotating over random requests",
    "org_tree": "streets(first: 12) with communities(first: 50)",
    "ranking": "as `evaluator`: the console's EvalRanking; rotating: streetId over every street and null",
    "node": "node(id:) of a Request; rotating over random requests",
    "submit": ("submitRequest as `grid` (the README's selection) on the grid worker's buildings; every request distinct "
               "(text and idempotencyKey numbered by the wrk script)"),
    "dispatch": ("the console's dispatchRequest (ReqFields) to the `department` login's department, on requests submitted and "
                 "triaged (MAJOR) just before, not measured; after 20 unmeasured dispatches"),
}


# ----------------------------------------------------------------------------- dataset facts


@dataclass
class Facts:
    dept: int
    grids: list[int]
    dept_cursors: list[str]
    one_id: int
    request_ids: list[int]
    node_ids: list[int]
    year: int | None
    streets: list[int]
    grid_buildings: list[int]
    subcategory: int
    requests: int


async def read_facts(url: str, distinct: int, seed: int) -> Facts:
    conn = await asyncpg.connect(url, timeout=30)
    try:
        async def scope(user: str, kind: str) -> list[int]:
            rows = await conn.fetch("SELECT s.ref_id FROM user_scope s JOIN app_user u ON u.id = s.user_id "
                                    "WHERE u.username = $1 AND s.kind = $2 ORDER BY s.ref_id", user, kind)
            return [r[0] for r in rows]

        depts = await scope("department", "DEPARTMENT")
        grid_scope = await scope("grid", "GRID")
        if not depts or not grid_scope:
            raise SystemExit("the database has no demo logins `department` / `grid`: make it with bench/dataset.py")
        dept = depts[0]
        grids = [r[0] for r in await conn.fetch(
            "SELECT g.id FROM grid g WHERE EXISTS (SELECT 1 FROM request r WHERE r.grid_id = g.id) ORDER BY g.id LIMIT $1", distinct)]
        # Our cursors for pages 2.. of the department's requests, newest first (page 1 has none);
        # not after the last row, whose page is empty (a department with exactly 10,150 has one).
        rows = await conn.fetch(
            "SELECT created_at, id FROM (SELECT r.created_at, r.id, row_number() OVER (ORDER BY r.created_at DESC, r.id DESC) AS n, "
            "count(*) OVER () AS total "
            "FROM request r WHERE r.id IN (SELECT a.request_id FROM assignment a WHERE a.unit_kind = 'DEPARTMENT' AND a.unit_id = $1)) x "
            "WHERE n % 50 = 0 AND n < total ORDER BY n LIMIT $2", dept, max(distinct - 1, 0))
        dept_cursors = [our_cursor(r["created_at"], r["id"]) for r in rows]
        lo, hi, count = await conn.fetchrow("SELECT min(id), max(id), count(*) FROM request")
        if not count:
            raise SystemExit("the database has no requests")
        rng = random.Random(seed)
        wanted = rng.sample(range(lo, hi + 1), min(hi - lo + 1, 3 * distinct + 10))
        present = {r[0] for r in await conn.fetch("SELECT id FROM request WHERE id = ANY($1::int[])", wanted)}
        ids = [i for i in wanted if i in present]
        request_ids, node_ids = ids[:distinct], ids[distinct:2 * distinct] or ids[:distinct]
        year = await conn.fetchval("SELECT year FROM survey_campaign ORDER BY year DESC LIMIT 1")
        streets = [r[0] for r in await conn.fetch("SELECT id FROM street ORDER BY id")]
        buildings = [r[0] for r in await conn.fetch("SELECT id FROM building WHERE grid_id = ANY($1::int[]) ORDER BY id LIMIT 50", grid_scope)]
        sub = await conn.fetchval("SELECT id FROM subcategory WHERE default_department_id = $1 ORDER BY id LIMIT 1", dept) \
            or await conn.fetchval("SELECT min(id) FROM subcategory")
        return Facts(dept=dept, grids=grids, dept_cursors=dept_cursors, one_id=request_ids[0], request_ids=request_ids,
                     node_ids=node_ids, year=year, streets=streets, grid_buildings=buildings, subcategory=sub, requests=count)
    finally:
        await conn.close()


async def fetchval(url: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(url, timeout=30)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def count_requests(url: str) -> int:
    return await fetchval(url, "SELECT count(*) FROM request")


# ----------------------------------------------------------------------------- servers


@dataclass
class Server:
    label: str          # ours, ours@da579a3, postgraphile, floor
    kind: str           # ours | postgraphile | floor
    variant: str        # default | off
    cmd: list[str]
    env: dict[str, str]
    cwd: Path
    logfile: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    broken: str = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, query: str) -> str:
        return f"{self.base}/q/{query}" if self.kind == "floor" else f"{self.base}/graphql"

    def start(self) -> None:
        out = open(self.logfile, "ab")
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode}; see {self.logfile}")
            try:
                if self.kind == "postgraphile":
                    r = httpx.post(f"{self.base}/graphql", json={"query": "{ __typename }"}, timeout=2)
                else:
                    r = httpx.get(f"{self.base}/healthz", timeout=2)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.label} not ready after {timeout:.0f} s; see {self.logfile}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)

    def headers(self, user: str | None) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[user]}"} if self.kind == "ours" and user else {}


def login(server: Server, users: list[str]) -> None:
    with httpx.Client(timeout=30) as client:
        for user in users:
            r = client.post(server.url(""), json={"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                                                  "variables": {"i": {"username": user, "password": "demo"}}})
            body = r.json()
            if r.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"{server.label}: sign-in as {user} failed: {r.status_code} {json.dumps(body, ensure_ascii=False)[:300]}")
            server.tokens[user] = body["data"]["login"]["token"]


# ----------------------------------------------------------------------------- bodies


@dataclass
class Load:
    """What one (server, query, way) sends: bodies (JSON strings) taken in turn, the sign-in used."""
    bodies: list[str]
    user: str | None
    note: str = ""


def body(doc: str, variables: dict | None) -> str:
    return json.dumps({"query": doc, "variables": variables or {}}, ensure_ascii=False, separators=(",", ":"))


def walk_pgl_pages(server: Server, doc: str, variables: dict, pages: int) -> list[str | None]:
    """Cursors [None, c1, c2, …] of PostGraphile's own pages (its cursors are its own)."""
    cursors: list[str | None] = [None]
    after = None
    with httpx.Client(timeout=30) as client:
        while len(cursors) < pages:
            r = client.post(server.url("unit_queue"), json={"query": doc, "variables": {**variables, "after": after}})
            conn = r.json()["data"]["allAssignments"]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
            cursors.append(after)
    return cursors


def loads_for(server: Server, query: str, facts: Facts, docs: dict[str, str], distinct: int) -> dict[str, Load | str]:
    """way → Load, or way → the reason it is n/a."""
    kind = server.kind
    out: dict[str, Load | str] = {}
    if kind == "postgraphile" and query in PGL_NA:
        return {w: f"n/a: {PGL_NA[query]}" for w in ALL_WAYS}
    if kind == "floor" and query in FLOOR_NA:
        return {w: f"n/a: {FLOOR_NA[query]}" for w in ALL_WAYS}
    user = OURS_USER[query] if kind == "ours" else None
    our_doc = docs["wall_console"] if query == "wall_console" else OURS_DOCS[query]
    doc = PGL_DOCS[query] if kind == "postgraphile" else our_doc
    ident: dict | None
    rot: list[dict] | None = None
    if query in ("wall", "wall_console"):
        base = {"first": 30} if query == "wall_console" else {}
        if kind == "postgraphile":
            ident, rot = {"c": None}, [{"c": {"gridId": g}} for g in facts.grids]
        else:
            ident = {**base, "f": None}
            rot = [{**base, "f": {"gridId": gid("Grid", g)}} for g in facts.grids]
    elif query == "unit_queue":
        if kind == "postgraphile":
            cond = {"unitKind": "DEPARTMENT", "unitId": facts.dept}
            ident = {"c": {**cond, "active": True}, "after": None}
            rot = [{"c": cond, "after": c} for c in walk_pgl_pages(server, doc, {"c": cond}, distinct)]
        else:
            d = gid("Department", facts.dept)
            ident = {"d": d, "open": True, "after": None}
            rot = [{"d": d, "open": None, "after": c} for c in [None, *facts.dept_cursors]]
    elif query == "one_request":
        if kind == "postgraphile":
            ident, rot = {"id": facts.one_id}, [{"id": i} for i in facts.request_ids]
        else:
            ident, rot = {"id": gid("Request", facts.one_id)}, [{"id": gid("Request", i)} for i in facts.request_ids]
    elif query == "node":
        enc = (lambda pk: pgl_node_id("Request", pk)) if kind == "postgraphile" else (lambda pk: gid("Request", pk))
        ident, rot = {"id": enc(facts.one_id)}, [{"id": enc(i)} for i in facts.node_ids]
    elif query == "org_tree":
        ident = {}
    elif query == "ranking":
        if facts.year is None:
            return {w: "n/a: no survey campaign in this database" for w in ALL_WAYS}
        ident = {"year": facts.year, "streetId": None}
        rot = [ident] + [{"year": facts.year, "streetId": gid("Street", s)} for s in facts.streets]
    else:
        raise ValueError(query)
    out["identical"] = Load([body(doc, ident)], user)
    out["off"] = Load([body(doc, ident)], user) if kind == "ours" else "n/a: no cache to switch off (see identical)"
    if rot is None:
        out["rotating"] = f"n/a: {ROTATING_NA.get(query, 'no variables')}"
    else:
        out["rotating"] = Load([body(doc, v) for v in rot], user)
    return out


def nonempty(data: Any) -> str:
    """'' when every top-level field has something in it; else what is missing."""
    if not isinstance(data, dict) or not data:
        return "no data"
    for name, value in data.items():
        if value is None:
            return f"{name} is null"
        if isinstance(value, dict):
            for key in ("edges", "nodes", "rows"):
                if key in value and not value[key]:
                    return f"{name}.{key} is empty"
    return ""


def check(server: Server, query: str, load: Load, samples: int = 4) -> str:
    """'' when sampled bodies all answer 200 without errors and with data; else why not."""
    picks = sorted({0, len(load.bodies) - 1, *random.Random(1).sample(range(len(load.bodies)), min(samples, len(load.bodies)))})
    with httpx.Client(timeout=60) as client:
        for i in picks:
            raw = load.bodies[i].replace("__SEQ__", "check" + secrets.token_hex(4))
            try:
                r = client.post(server.url(query), content=raw.encode(),
                                headers={"content-type": "application/json", **server.headers(load.user)})
            except httpx.HTTPError as exc:
                return f"{type(exc).__name__}: {exc}"
            if r.status_code != 200:
                return f"HTTP {r.status_code}: {r.text[:200]}"
            try:
                answer = r.json()
            except ValueError:
                return f"not JSON: {r.text[:200]}"
            if answer.get("errors"):
                return "errors: " + json.dumps(answer["errors"], ensure_ascii=False)[:300]
            if why := nonempty(answer.get("data")):
                return f"body {i}: {why}"
    return ""


def first_answer(server: Server, query: str, load: Load) -> Any:
    with httpx.Client(timeout=60) as client:
        r = client.post(server.url(query), content=load.bodies[0].encode(),
                        headers={"content-type": "application/json", **server.headers(load.user)})
        return r.json()


# ----------------------------------------------------------------------------- wrk

UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(out: str) -> dict:
    res: dict[str, Any] = {}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        res["rps"] = float(m.group(1))
    for pct in ("50", "99"):
        if m := re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M):
            res[f"p{pct}_ms"] = float(m.group(1)) * UNIT[m.group(2)]
    if m := re.search(r"^BENCH (\{.*\})\s*$", out, re.M):
        stats = json.loads(m.group(1))
        res["stats"] = stats
        res.setdefault("rps", stats["requests"] / max(stats["duration_us"], 1) * 1e6)
        res.setdefault("p50_ms", stats["p50_us"] / 1000)
        res.setdefault("p99_ms", stats["p99_us"] / 1000)
    return res


def run_wrk(wrk: str, url: str, bodies_file: Path, auth: str | None, seconds: float, connections: int,
            seq: str | None = None) -> dict:
    env = {**os.environ, "WRK_BODIES": str(bodies_file), "WRK_AUTH": auth or "", "WRK_SEQ": seq or ""}
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s", "-s", str(LUA), url]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        return {"error": "wrk timed out"}
    res = parse_wrk(p.stdout)
    if p.returncode != 0 or "rps" not in res:
        res["error"] = f"wrk exit {p.returncode}: {(p.stderr or p.stdout)[-300:]}"
    return res


# ----------------------------------------------------------------------------- mutations


SUBMIT_DOC = "mutation Submit($i: SubmitRequestInput!) { submitRequest(input: $i) { replayed request { id trackingCode state createdAt } } }"
TRIAGE_DOC = "mutation Triage($i: TriageRequestInput!) { triageRequest(input: $i) { request { id version } } }"
TEXTS = ["楼道里堆满杂物,影响消防通道", "小区路灯不亮已经一周", "楼下餐馆油烟太大,窗户都不敢开", "雨水井盖破损,夜里行人容易踩空",
         "单元门禁坏了,陌生人随意进出", "绿化带里有积水,蚊虫很多", "楼顶漏水,三楼住户墙面发霉", "路边违章停车堵住了消防通道"]


def submit_bodies(facts: Facts, run_id: str) -> list[str]:
    out = []
    for i, b in enumerate(facts.grid_buildings or [None]):
        text = TEXTS[i % len(TEXTS)]
        i_ = {"text": f"{text}(压测 __SEQ__)", "idempotencyKey": f"bench-{run_id}-__SEQ__", "channel": "GRID_WORKER"}
        if b is not None:
            i_["buildingId"] = gid("Building", b)
        out.append(body(SUBMIT_DOC, {"i": i_}))
    return out


async def _gql(client: httpx.AsyncClient, url: str, token: str, doc: str, variables: dict) -> dict:
    r = await client.post(url, json={"query": doc, "variables": variables}, headers={"authorization": f"Bearer {token}"})
    answer = r.json()
    if r.status_code != 200 or answer.get("errors"):
        raise RuntimeError(f"HTTP {r.status_code}: {json.dumps(answer.get('errors'), ensure_ascii=False)[:300]}")
    return answer["data"]


async def _pool(n: int, concurrency: int, job: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    nxt = iter(range(n))

    async def worker() -> None:
        for i in nxt:
            results[i] = await job(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


async def dispatch_phase(server: Server, facts: Facts, docs: dict[str, str], n: int, warm: int, concurrency: int,
                         run_id: str, timeout: float) -> dict:
    """Submit and triage n + warm requests (not measured), then dispatch them at `concurrency`:
    the first `warm` are the warm-up, the next n are measured."""
    url = server.url("")
    total = n + warm
    bodies = submit_bodies(facts, run_id)
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency * 2)) as client:
        async def prep(i: int) -> tuple[str, int]:
            raw = json.loads(bodies[i % len(bodies)].replace("__SEQ__", f"d{server.port}x{i}"))
            sub = await _gql(client, url, server.tokens["grid"], SUBMIT_DOC, raw["variables"])
            rid = sub["submitRequest"]["request"]["id"]
            tri = await _gql(client, url, server.tokens["dispatcher"], TRIAGE_DOC,
                             {"i": {"id": rid, "scope": "MAJOR", "subcategoryId": gid("Subcategory", facts.subcategory)}})
            return rid, tri["triageRequest"]["request"]["version"]

        prepared = await asyncio.wait_for(_pool(total, concurrency, prep), timeout)
        lead = {"id": gid("Department", facts.dept)}

        async def dispatch(i: int) -> float:
            rid, version = prepared[i]
            t0 = time.perf_counter()
            await _gql(client, url, server.tokens["dispatcher"], docs["dispatch"],
                       {"i": {"id": rid, "lead": lead, "coHandlers": [], "version": version, "note": ""}})
            return (time.perf_counter() - t0) * 1000

        if warm:
            await asyncio.wait_for(_pool(warm, concurrency, dispatch), timeout)
        rest = list(range(warm, total))
        t0 = time.perf_counter()
        lat = await asyncio.wait_for(_pool(len(rest), concurrency, lambda k: dispatch(rest[k])), timeout)
        wall = time.perf_counter() - t0
    lat.sort()
    return {"rps": len(lat) / wall, "p50_ms": statistics.median(lat), "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
            "requests": len(lat), "stats": {"non200": 0, "gql_errors": 0}}


# ----------------------------------------------------------------------------- the run


def fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def migrate(db_url: str) -> None:
    """Bring a benchmark database (made by dataset.py, perhaps by older code) to this tree's schema."""
    done = subprocess.run([str(VENV_BIN / "python"), "-m", "db.manage", "migrate"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": db_url}, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"cannot migrate {db_url}: {done.stderr[-500:]}")


async def follow_event_sequences(db_url: str) -> None:
    """Code older than the event log's sequences (an --ours-rev) writes seqs as max(seq) + 1 and
    leaves the sequences behind: move them past the log, as the dataset generator does, before
    another server writes, once the last one's trailing requests (read before wrk stopped) are in."""
    conn = await asyncpg.connect(db_url, timeout=30)
    try:
        top, still = None, 0
        for _ in range(60):  # the log unchanged for a whole second
            now = await conn.fetchval("SELECT max(seq) FROM request_event")
            still = still + 1 if now == top else 0
            if still == 4:
                break
            top = now
            await asyncio.sleep(0.25)
        for table, sequence in (("request_event", "request_event_log_seq"), ("co_task_event", "co_task_event_log_seq")):
            if await conn.fetchval("SELECT to_regclass($1)", sequence) is not None:
                await conn.execute(f"SELECT setval('{sequence}', coalesce((SELECT max(seq) FROM {table}), 0) + 1, false)")
    finally:
        await conn.close()


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=120).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--database", required=True, help="database name on --server (e.g. ehy_bench_235000), or a full postgresql:// URL")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no database")
    parser.add_argument("--queries", default=",".join(ALL_QUERIES), help=f"comma-separated, of {','.join(ALL_QUERIES)}")
    parser.add_argument("--servers", default="ours,postgraphile,floor", help="comma-separated, of ours,postgraphile,floor")
    parser.add_argument("--ways", default=",".join(ALL_WAYS), help=f"comma-separated, of {','.join(ALL_WAYS)}")
    parser.add_argument("--mutations", default=",".join(ALL_MUTATIONS), help="submit,dispatch or none (they write to the database)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds of measured load per (server, query, way)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load before each measurement")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (one wrk thread)")
    parser.add_argument("--distinct", type=int, default=1000, help="at most this many distinct bodies for the rotating way")
    parser.add_argument("--submit-subscribers", type=int, default=0,
                        help="dispatcher walls (requestCreated) open while submissions are measured: every event must reach every wall")
    parser.add_argument("--dispatch-count", type=int, default=200, help="dispatches measured per server and round")
    parser.add_argument("--ours-rev", action="append", default=[], help="also run ours from a git worktree of REV (repeatable)")
    parser.add_argument("--off-env", default="RESPONSE_CACHE_SECONDS=0 ACTOR_CACHE_SECONDS=0",
                        help="environment of ours with caches off (space-separated K=V)")
    parser.add_argument("--ours-workers", type=int, default=1,
                        help="uvicorn worker processes of ours (above 1 needs --ours-broadcast: events must reach every process)")
    parser.add_argument("--ours-broadcast", default="memory://", help="BROADCAST_URL of ours (redis://127.0.0.1:6379/0 with several workers)")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    parser.add_argument("--seed", type=int, default=7, help="seed for the sampled request ids")
    parser.add_argument("--results", default=str(BENCH / "results"), help="folder for the JSON results")
    args = parser.parse_args()

    queries = [q for q in args.queries.split(",") if q]
    ways = [w for w in args.ways.split(",") if w]
    wanted = [s for s in args.servers.split(",") if s]
    mutations = [] if args.mutations in ("", "none") else args.mutations.split(",")
    for name, given, allowed in (("query", queries, ALL_QUERIES), ("way", ways, ALL_WAYS), ("server", wanted, list(SERVER_ORDER)),
                                 ("mutation", mutations, ALL_MUTATIONS)):
        if bad := [x for x in given if x not in allowed]:
            parser.error(f"unknown {name}: {', '.join(bad)} (choose from {', '.join(allowed)})")
    if not Path(args.wrk).exists():
        parser.error(f"wrk not found at {args.wrk}")
    if args.ours_workers > 1 and args.ours_broadcast.startswith("memory"):
        parser.error("--ours-workers above 1 needs --ours-broadcast redis://…: with the in-memory bus a process's events reach its own subscribers only")
    off_env = dict(kv.split("=", 1) for kv in args.off_env.split() if "=" in kv)
    db_url = args.database if "://" in args.database else f"{args.server.rstrip('/')}/{args.database}"
    db_name = db_url.rsplit("/", 1)[1]

    try:
        facts = asyncio.run(read_facts(db_url, args.distinct, args.seed))
    except (OSError, asyncpg.PostgresError) as exc:
        log(f"cannot read {db_url}: {exc}\nmake it with: .venv/bin/python bench/dataset.py --requests 235000 (→ ehy_bench_235000)")
        return 2
    docs = console_documents()
    started = datetime.now(timezone.utc)
    run_id = started.strftime("%Y%m%dT%H%M%S") + secrets.token_hex(2)
    scratch = Path(tempfile.mkdtemp(prefix="ehy-http-bench-"))
    log(f"database {db_name}: {facts.requests:,} requests; scratch (logs, bodies) {scratch}")
    migrate(db_url)

    # ------------------------------------------------------------------ servers
    secret = secrets.token_urlsafe(48)
    servers: list[Server] = []
    worktrees: list[Path] = []

    def ours(label: str, cwd: Path, variant: str) -> Server:
        env = {**os.environ, "DATABASE_URL": db_url, "BROADCAST_URL": args.ours_broadcast, "SECRET_KEY": secret,
               "SWEEP_SECONDS": "3600", "VAR_DIR": str(scratch / f"var-{label}-{variant}".replace("@", "-"))}
        for k in ("COMPILED_QUERIES", "RESPONSE_CACHE_SECONDS", "ACTOR_CACHE_SECONDS", "APP_ENV", "DEMO_REQUESTS"):
            env.pop(k, None)
        if variant == "off":
            env.update(off_env)
        workers = ["--workers", str(args.ours_workers)] if args.ours_workers > 1 else []
        return Server(label, "ours", variant, [str(VENV_BIN / "uvicorn"), "app:app", "--host", "127.0.0.1", "--port", "{port}",
                                               "--log-level", "warning", *workers], env, cwd, scratch / f"{label}-{variant}.log".replace("@", "-"))

    try:
        if "ours" in wanted:
            servers.append(ours("ours", ROOT, "default"))
            if "off" in ways:
                servers.append(ours("ours", ROOT, "off"))
        for rev in args.ours_rev:
            try:
                short = git("rev-parse", "--short", f"{rev}^{{commit}}")
            except subprocess.CalledProcessError:
                raise SystemExit(f"--ours-rev {rev}: no such commit") from None
            path = Path(tempfile.gettempdir()) / f"ehy-bench-rev-{short}"
            if path.exists():
                subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True, timeout=120)
                shutil.rmtree(path, ignore_errors=True)
            git("worktree", "add", "--detach", str(path), rev)
            worktrees.append(path)
            servers.append(ours(f"ours@{short}", path, "default"))
            if "off" in ways:
                servers.append(ours(f"ours@{short}", path, "off"))
        if "postgraphile" in wanted:
            if not PGL_SCRIPT.exists():
                log(f"postgraphile skipped: {PGL_SCRIPT.relative_to(ROOT)} is not there")
            else:
                p = subprocess.run([str(PGL_SCRIPT), "install"], cwd=ROOT, capture_output=True, text=True, timeout=900)
                if p.returncode != 0:
                    log(f"postgraphile skipped: install failed:\n{(p.stderr or p.stdout)[-800:]}")
                else:
                    servers.append(Server("postgraphile", "postgraphile", "default", [str(PGL_SCRIPT), "serve", db_url, "{port}"],
                                          dict(os.environ), ROOT, scratch / "postgraphile.log"))
        if "floor" in wanted:
            servers.append(Server("floor", "floor", "default", [str(VENV_BIN / "python"), str(FLOOR), "--database-url", db_url,
                                                                "--port", "{port}"], dict(os.environ), ROOT, scratch / "floor.log"))
        for s in servers:
            s.port = free_port()
            s.cmd = [c.replace("{port}", str(s.port)) for c in s.cmd]
            s.start()
        for s in servers:
            try:
                s.wait_ready(240 if s.kind == "postgraphile" else 120)
                if s.kind == "ours":
                    login(s, ["dispatcher", "department", "evaluator", "grid"])
                log(f"{s.label}{' (caches off)' if s.variant == 'off' else ''} ready on :{s.port}")
            except (RuntimeError, httpx.HTTPError, KeyError, ValueError) as exc:
                s.broken = str(exc)
                log(f"{s.label} unusable: {exc}")
        results, broken = run_all(args, servers, queries, ways, mutations, facts, docs, scratch, run_id, db_url)
    finally:
        for s in servers:
            s.stop()
        for path in worktrees:
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True, timeout=120)
        if worktrees:
            subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True, timeout=120)

    # ------------------------------------------------------------------ report
    table, summary = report(results, broken, servers, queries, ways, mutations)
    print(f"\n### HTTP queries — {db_name} ({facts.requests:,} requests), {started:%Y-%m-%d %H:%M} UTC\n")
    print(f"wrk -t1 -c{args.connections}, {args.warmup:g} s warm-up + {args.duration:g} s measured, median of {args.rounds} round(s)"
          + (f"; dispatch: {args.dispatch_count} a round from an asyncio client at concurrency 4" if "dispatch" in mutations else "")
          + (f"; ours in {args.ours_workers} processes, events over {args.ours_broadcast}" if args.ours_workers > 1 else "")
          + ".\n")
    print(table)
    print("\nNotes: " + "; ".join(f"**{q}** — {NOTES[q]}" for q in queries + mutations if q in NOTES))
    if "off" in ways:
        print(f"\n*off*: ours restarted with `{args.off_env}`; PostGraphile and the floor have no response cache, so their "
              "identical figures stand in for the ratio (†).")
    for r in results:
        if d := r.get("delivery"):
            print(f"\nsubmit, round {r['round']}, {r['server']}: walls open meanwhile delivered {d['delivered']:,} of "
                  f"{d['expected']:,} events ({d['subscribers']} walls), p50 {fmt(d['p50_ms'], 1)} ms, p99 {fmt(d['p99_ms'], 1)} ms "
                  "from the event's time to its arrival.")
    if mutations:
        after = asyncio.run(count_requests(db_url))
        print(f"\nMutations ran last and wrote to the database: {', '.join(mutations)} — {db_name} now holds "
              f"{after:,} requests ({after - facts.requests:+,}).")
    out_dir = Path(args.results)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_file = out_dir / f"http-{started:%Y%m%dT%H%M%SZ}.json"
    out_file.write_text(json.dumps({
        "started": started.isoformat(), "database": db_name, "requests": facts.requests, "args": vars(args),
        "commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "servers": [{"label": s.label, "variant": s.variant, "kind": s.kind, "cmd": s.cmd, "broken": s.broken} for s in servers],
        "measurements": results, "broken": broken, "summary": summary["rows"], "table": table,
    }, ensure_ascii=False, indent=1, default=str))
    failures = {k: v for k, v in broken.items() if not v.startswith("n/a")}
    if failures:
        log(f"{len(failures)} (server, query, way) without a number; server logs kept in {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    log(f"results: {out_file.relative_to(ROOT) if out_file.is_relative_to(ROOT) else out_file}")
    return 0


def run_all(args: argparse.Namespace, servers: list[Server], queries: list[str], ways: list[str], mutations: list[str],
            facts: Facts, docs: dict[str, str], scratch: Path, run_id: str, db_url: str) -> tuple[list[dict], dict[str, str]]:
    results: list[dict] = []
    broken: dict[str, str] = {}           # "label|query|way" → why no number
    live = [s for s in servers if not s.broken]
    for s in servers:
        if s.broken:
            for q in queries:
                for w in ways:
                    broken[f"{s.label}|{q}|{w}"] = f"server unusable: {s.broken}"

    def server_for(label: str, kind: str, way: str) -> Server | None:
        variant = "off" if way == "off" and kind == "ours" else "default"
        return next((s for s in live if s.label == label and s.variant == variant), None)

    labels = []
    for s in servers:
        if (s.label, s.kind) not in labels:
            labels.append((s.label, s.kind))
    labels.sort(key=lambda lk: (SERVER_ORDER[lk[1]] + (1 if "@" in lk[0] else 0)))
    # Interleave: ours, ours@REV, postgraphile, floor, ours, … — same order in every round.
    loads: dict[tuple[str, str, str], tuple[Server, Load, Path]] = {}
    answers: dict[tuple[str, str], Any] = {}
    for q in queries:
        for label, kind in labels:
            base = server_for(label, kind, "identical")
            if base is None:
                continue
            try:
                per_way = loads_for(base, q, facts, docs, args.distinct)
            except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
                per_way = {w: f"could not build the bodies: {exc}" for w in ALL_WAYS}
            for w in ways:
                s = server_for(label, kind, w)
                item = per_way[w]
                if isinstance(item, str):
                    broken[f"{label}|{q}|{w}"] = item
                    continue
                if s is None:
                    continue
                why = check(s, q, item)
                if why:
                    broken[f"{label}|{q}|{w}"] = f"check failed: {why}"
                    log(f"  {label} {q} {w}: check failed — {why}")
                    continue
                path = scratch / f"{label}-{q}-{w}.jsonl".replace("@", "-")
                path.write_text("\n".join(item.bodies) + "\n")
                loads[(label, q, w)] = (s, item, path)
                if w == "identical" and kind in ("ours", "floor") and "@" not in label:
                    answers[(kind, q)] = first_answer(s, q, item)
        if ("ours", q) in answers and ("floor", q) in answers and answers[("ours", q)] != answers[("floor", q)]:
            log(f"  warning: the floor's answer to {q} differs from ours")

    for rnd in range(1, args.rounds + 1):
        log(f"round {rnd}/{args.rounds}")
        for q in queries:
            for w in ways:
                for label, _ in labels:
                    if (label, q, w) not in loads:
                        continue
                    s, item, path = loads[(label, q, w)]
                    auth = s.headers(item.user).get("authorization")
                    run_wrk(args.wrk, s.url(q), path, auth, args.warmup, args.connections)
                    res = run_wrk(args.wrk, s.url(q), path, auth, args.duration, args.connections)
                    rec = {"round": rnd, "server": label, "query": q, "way": w, "bodies": len(item.bodies), **res}
                    results.append(rec)
                    if "rps" not in res:
                        broken.setdefault(f"{label}|{q}|{w}", res.get("error", "no figures from wrk"))
                    st = res.get("stats", {})
                    log(f"  {label:16s} {q:12s} {w:9s} {fmt(res.get('rps'))} req/s  p50 {fmt(res.get('p50_ms'), 2)} ms  "
                        f"p99 {fmt(res.get('p99_ms'), 2)} ms  non-200 {st.get('non200', '?')}  errors {st.get('gql_errors', '?')}"
                        + (f"  ERROR {res['error']}" if "error" in res else ""))

    if mutations:
        log("mutations (they write to the database)")
        ours_labels = [lk for lk in labels if lk[1] == "ours"]
        sub_path = scratch / "submit.jsonl"
        sub_path.write_text("\n".join(submit_bodies(facts, run_id)) + "\n")
        for rnd in range(1, args.rounds + 1):
            for label, kind in ours_labels:
                s = server_for(label, kind, "identical")
                if s is None:
                    continue
                tag = re.sub(r"[^A-Za-z0-9]", "", f"{run_id}{label}r{rnd}")
                asyncio.run(follow_event_sequences(db_url))
                if "submit" in mutations:
                    load = Load(submit_bodies(facts, run_id), "grid")
                    why = check(s, "submit", load, samples=1)
                    if why:
                        broken[f"{label}|submit|rotating"] = f"check failed: {why}"
                        log(f"  {label} submit: check failed — {why}")
                    else:
                        auth = s.headers("grid")["authorization"]
                        watching = Watchers(s, args.submit_subscribers, db_url) if args.submit_subscribers else None
                        run_wrk(args.wrk, s.url(""), sub_path, auth, args.warmup, args.connections, seq=tag + "w")
                        res = run_wrk(args.wrk, s.url(""), sub_path, auth, args.duration, args.connections, seq=tag + "m")
                        if watching is not None:
                            res["delivery"] = watching.finish()
                        results.append({"round": rnd, "server": label, "query": "submit", "way": "rotating",
                                        "bodies": len(load.bodies), **res})
                        st = res.get("stats", {})
                        d = res.get("delivery")
                        log(f"  {label:16s} submit       {fmt(res.get('rps'))} req/s  p50 {fmt(res.get('p50_ms'), 2)} ms  "
                            f"p99 {fmt(res.get('p99_ms'), 2)} ms  non-200 {st.get('non200', '?')}  errors {st.get('gql_errors', '?')}"
                            + (f"  delivered {d['delivered']:,} of {d['expected']:,} to {d['subscribers']} walls, "
                               f"p50 {fmt(d['p50_ms'], 1)} ms p99 {fmt(d['p99_ms'], 1)} ms" if d else ""))
                if "dispatch" in mutations:
                    try:
                        res = asyncio.run(dispatch_phase(s, facts, docs, args.dispatch_count, min(20, args.dispatch_count), 4,
                                                         tag, timeout=max(120.0, args.dispatch_count * 2.0)))
                        results.append({"round": rnd, "server": label, "query": "dispatch", "way": "rotating",
                                        "bodies": args.dispatch_count, **res})
                        log(f"  {label:16s} dispatch     {fmt(res['rps'])} req/s  p50 {fmt(res['p50_ms'], 2)} ms  "
                            f"p99 {fmt(res['p99_ms'], 2)} ms  ({res['requests']} dispatches, asyncio client, concurrency 4)")
                    except (RuntimeError, httpx.HTTPError, asyncio.TimeoutError, KeyError) as exc:
                        broken[f"{label}|dispatch|rotating"] = f"failed: {exc}"
                        log(f"  {label} dispatch failed: {exc}")
    return results, broken


class Watchers:
    """--submit-subscribers: the dispatcher's wall (subscribers.py's requestCreated, no filter: it
    sees every submission) open in a client process of its own while submissions are measured,
    to check that every event committed meanwhile is delivered to every wall, and how late."""

    def __init__(self, server: Server, n: int, db_url: str) -> None:
        import multiprocessing

        import subscribers

        if "dispatcher" not in server.tokens:
            login(server, ["dispatcher"])
        self.n, self.db_url = n, db_url
        self.first = asyncio.run(fetchval(db_url, "SELECT coalesce(max(seq), 0) FROM request_event"))
        specs = [(i, server.base, server.tokens["dispatcher"], subscribers.WALL, {}, False, False) for i in range(n)]
        self.conn, child = multiprocessing.Pipe()
        self.proc = multiprocessing.get_context("spawn").Process(target=subscribers.client_worker, args=(specs, child), daemon=True)
        self.proc.start()
        if not self.conn.poll(120) or self.conn.recv() != "ready":
            raise RuntimeError("the wall subscribers did not connect")
        self.conn.send("go")

    def finish(self, grace: float = 3.0) -> dict:
        asyncio.run(follow_event_sequences(self.db_url))  # waits for the log to be still (trailing requests)
        time.sleep(grace)
        self.conn.send("stop")
        got = self.conn.recv() if self.conn.poll(120) else {"subs": []}
        self.proc.join(30)
        expected = asyncio.run(_submitted_after(self.db_url, self.first))
        seen = [set(cursors) & expected for _i, cursors, _lat, _closed, _err in got["subs"]]
        lat = sorted(ms * 1000 for _i, _c, lats, _closed, _err in got["subs"] for ms in lats)
        return {"subscribers": self.n, "expected": len(expected) * self.n, "delivered": sum(len(x) for x in seen),
                "p50_ms": lat[len(lat) // 2] if lat else None, "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None}


async def _submitted_after(db_url: str, seq: int) -> set[int]:
    conn = await asyncpg.connect(db_url, timeout=30)
    try:
        return {r[0] for r in await conn.fetch("SELECT seq FROM request_event WHERE seq > $1 AND kind = 'SUBMITTED'", seq)}
    finally:
        await conn.close()


def report(results: list[dict], broken: dict[str, str], servers: list[Server], queries: list[str], ways: list[str],
           mutations: list[str]) -> tuple[str, dict]:
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in results:
        if "rps" in r:
            groups.setdefault((r["server"], r["query"], r["way"]), []).append(r)

    def med(key: tuple[str, str, str], field_: str) -> float | None:
        vals = [r[field_] for r in groups.get(key, []) if r.get(field_) is not None]
        return statistics.median(vals) if vals else None

    labels: list[str] = []
    for s in sorted(servers, key=lambda s: SERVER_ORDER[s.kind] + (1 if "@" in s.label else 0)):
        if s.label not in labels:
            labels.append(s.label)
    lines = ["| server | query | way | bodies | req/s | p50 ms | p99 ms | vs PostGraphile | non-200 / errors |",
             "|---|---|---|---|---|---|---|---|---|"]
    rows = []
    shown_na: set[tuple[str, ...]] = set()
    for q in queries + [m for m in mutations]:
        for w in (ways if q in queries else ["rotating"]):
            for label in labels:
                key = (label, q, w)
                way_label = w if q in queries else ("distinct bodies" if q == "submit" else f"asyncio ×4")
                if key not in groups:
                    why = broken.get(f"{label}|{q}|{w}")
                    if not why or why.startswith("n/a: no cache"):
                        continue
                    if why.startswith("n/a") and all(broken.get(f"{x}|{q}|{w}") == why for x in labels):
                        if (q, w) in shown_na:  # the same for every server: one row
                            continue
                        shown_na.add((q, w))
                        lines.append(f"| all | {q} | {way_label} | | {why.replace('|', '/')[:120]} | | | | |")
                        continue
                    if why.startswith("n/a") and all(broken.get(f"{label}|{q}|{x}", "").startswith("n/a") for x in ways):
                        if (label, q) in shown_na:
                            continue
                        shown_na.add((label, q))
                        way_label = "all"
                    lines.append(f"| {label} | {q} | {way_label} | | {why.replace('|', '/')[:120]} | | | | |")
                    continue
                rps, p50, p99 = med(key, "rps"), med(key, "p50_ms"), med(key, "p99_ms")
                pg_key = ("postgraphile", q, "identical" if w == "off" else w)
                pg = med(pg_key, "rps")
                ratio = "" if label == "postgraphile" or pg is None or rps is None else f"{rps / pg:.2f}×" + ("†" if w == "off" else "")
                bad = sum(r.get("stats", {}).get("non200", 0) for r in groups[key])
                errs = sum(r.get("stats", {}).get("gql_errors", 0) for r in groups[key])
                sock = sum(sum(r.get("stats", {}).get("socket_errors", {}).values()) for r in groups[key])
                bodies = groups[key][0].get("bodies", "")
                flag = f"{bad} / {errs}" + (f" (+{sock} socket)" if sock else "")
                lines.append(f"| {label} | {q} | {way_label} | {bodies:,} | {fmt(rps)} | {fmt(p50, 2)} | {fmt(p99, 2)} | {ratio} | {flag} |")
                rows.append({"server": label, "query": q, "way": w, "bodies": bodies, "rps": rps, "p50_ms": p50, "p99_ms": p99,
                             "vs_postgraphile": None if not pg or rps is None or label == "postgraphile" else rps / pg,
                             "non200": bad, "gql_errors": errs, "socket_errors": sock, "rounds": len(groups[key])})
    return "\n".join(lines), {"rows": rows}


if __name__ == "__main__":
    def _term(signum, frame):  # noqa: ANN001, ARG001 — stop the servers on SIGTERM too
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _term)
    raise SystemExit(main())
