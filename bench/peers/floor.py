"""The Python floor for bench/http_bench.py: raw Starlette + asyncpg + orjson, no GraphQL, no ORM.

    .venv/bin/python bench/peers/floor.py --database-url postgresql://postgres@127.0.0.1:5432/ehy_bench_235000 --port 8790

One uvicorn process on 127.0.0.1. One POST route per benchmarked query, `/q/<name>`, taking the
same JSON body as the GraphQL request (only its `variables` are read) and answering the same JSON
as our GraphQL response, `{"data": {...}}`, from hand-written SQL on the same tables: global IDs
are base64url("Type:pk") without padding (schema/ids.py), cursors base64url of the sort key
(schema/pagination.py), times Python's isoformat. It checks no permissions (the benchmarked
callers see everything they ask for here) and caches nothing but asyncpg's prepared statements.
The ranking is computed with the repository's pure ranking functions (Fractions), as ours is.

Routes: wall, unit_queue, one_request, node, org_tree, ranking; GET /healthz.
"""

from __future__ import annotations

import argparse
import base64
import sys
from contextlib import asynccontextmanager
from fractions import Fraction
from pathlib import Path

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Pure functions only (no database access): the same exact arithmetic as ours.
from resolvers.evaluation.numbers import shown  # noqa: E402
from resolvers.evaluation.ranking import CommunityScores, rank_communities  # noqa: E402
from resolvers.evaluation.survey import phone_tally  # noqa: E402
from resolvers.evaluation.vocab import MARK_ZH  # noqa: E402

# resolvers/requests/vocab.py: OPEN = every state but CLOSED, MERGED, REJECTED and RESOLVED.
OPEN_STATES = ["SUBMITTED", "TRIAGED", "DISPATCHED", "ACCEPTED", "IN_PROGRESS", "DISPUTED", "REDISPATCHED",
               "ESCALATED", "DECIDED", "REOPENED"]

DATABASE_URL = ""
POOL_SIZE = 10
pool: asyncpg.Pool | None = None


def gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def pk_of(global_id: str, type_name: str) -> int:
    raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    kind, _, pk = raw.partition(":")
    if kind != type_name:
        raise ValueError(f"{global_id} is not a {type_name}")
    return int(pk)


def cursor(created_at, pk: int) -> str:  # noqa: ANN001
    raw = orjson.dumps([{"dt": created_at.isoformat()}, pk])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def uncursor(value: str) -> tuple:
    from datetime import datetime

    dt, pk = orjson.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    return datetime.fromisoformat(dt["dt"]), pk


def answer(data: dict) -> Response:
    return Response(orjson.dumps({"data": data}), media_type="application/json")


def error(message: str) -> Response:
    return Response(orjson.dumps({"errors": [{"message": message}], "data": None}), media_type="application/json")


async def variables(request: Request) -> dict:
    body = orjson.loads(await request.body())
    return body.get("variables") or {}


# The wall's row: request, its community and the community's street (as ours: Community.street).
ROW = ("SELECT r.id, r.title, r.state, r.created_at, c.name AS cname, s.name AS sname FROM request r "
       "LEFT JOIN community c ON c.id = r.community_id LEFT JOIN street s ON s.id = c.street_id ")
NEWEST = " ORDER BY r.created_at DESC, r.id DESC"


def wall_node(r) -> dict:  # noqa: ANN001
    return {"id": gid("Request", r["id"]), "title": r["title"], "state": r["state"], "createdAt": r["created_at"].isoformat(),
            "community": None if r["cname"] is None else {"name": r["cname"], "street": None if r["sname"] is None else {"name": r["sname"]}}}


WALL_ALL = ROW + NEWEST + " LIMIT 50"
WALL_GRID = ROW + "WHERE r.grid_id = $1" + NEWEST + " LIMIT 50"


async def wall(request: Request) -> Response:
    """requests(first: 50, filter: $f) — $f null or {gridId}."""
    f = (await variables(request)).get("f") or {}
    async with pool.acquire() as conn:
        if f.get("gridId"):
            rows = await conn.fetch(WALL_GRID, pk_of(f["gridId"], "Grid"))
        else:
            rows = await conn.fetch(WALL_ALL)
    return answer({"requests": {"edges": [{"node": wall_node(r)} for r in rows]}})


def _unit_sql(open_: bool | None, after: bool) -> str:
    where = ["r.id IN (SELECT a.request_id FROM assignment a WHERE a.unit_kind = 'DEPARTMENT' AND a.unit_id = $1)"]
    n = 1
    if open_ is not None:
        n += 1
        where.append(f"r.state {'= ANY' if open_ else '<> ALL'}(${n}::varchar[])")
    if after:
        where.append(f"(r.created_at, r.id) < (${n + 1}, ${n + 2})")
    return ROW + "WHERE " + " AND ".join(where) + NEWEST + " LIMIT 51"


UNIT_SQL = {(o, a): _unit_sql(o, a) for o in (None, True, False) for a in (False, True)}


async def unit_queue(request: Request) -> Response:
    """requests(filter: {departmentId: $d, open: $open}, first: 50, after: $after) with pageInfo."""
    v = await variables(request)
    open_, after = v.get("open"), v.get("after")
    args: list = [pk_of(v["d"], "Department")]
    if open_ is not None:
        args.append(OPEN_STATES)
    if after:
        args.extend(uncursor(after))
    async with pool.acquire() as conn:
        rows = await conn.fetch(UNIT_SQL[(open_, bool(after))], *args)
    more = len(rows) > 50
    rows = rows[:50]
    return answer({"requests": {
        "pageInfo": {"hasNextPage": more, "endCursor": cursor(rows[-1]["created_at"], rows[-1]["id"]) if rows else None},
        "edges": [{"node": wall_node(r)} for r in rows]}})


ONE = ROW + "WHERE r.id = $1"
HISTORY = "SELECT seq, kind, at, note FROM request_event WHERE request_id = $1 ORDER BY seq LIMIT 50"


async def one_request(request: Request) -> Response:
    """request(id:) with history(first: 50)."""
    pk = pk_of((await variables(request))["id"], "Request")
    async with pool.acquire() as conn:
        row = await conn.fetchrow(ONE, pk)
        events = await conn.fetch(HISTORY, pk) if row else []
    if row is None:
        return answer({"request": None})
    node = wall_node(row)
    node["history"] = {"edges": [{"node": {"seq": e["seq"], "kind": e["kind"], "at": e["at"].isoformat(), "note": e["note"]}}
                                 for e in events]}
    return answer({"request": node})


NODE = "SELECT id, title, state, created_at FROM request WHERE id = $1"


async def node(request: Request) -> Response:
    """node(id:) { id ... on Request { title state createdAt } }."""
    pk = pk_of((await variables(request))["id"], "Request")
    async with pool.acquire() as conn:
        r = await conn.fetchrow(NODE, pk)
    if r is None:
        return answer({"node": None})
    return answer({"node": {"id": gid("Request", r["id"]), "title": r["title"], "state": r["state"], "createdAt": r["created_at"].isoformat()}})


ORG = ("SELECT s.id AS sid, s.name AS sname, c.id AS cid, c.name AS cname FROM (SELECT id, name FROM street ORDER BY id LIMIT 12) s "
       "LEFT JOIN community c ON c.street_id = s.id ORDER BY s.id, c.id")
STREET_COUNT = "SELECT count(*) FROM street"


async def org_tree(request: Request) -> Response:
    """streets(first: 12) { totalCount edges { node { id name communities(first: 50) { totalCount edges { node { id name } } } } } }"""
    await variables(request)
    async with pool.acquire() as conn:
        total = await conn.fetchval(STREET_COUNT)
        rows = await conn.fetch(ORG)
    streets: dict[int, dict] = {}
    for r in rows:
        s = streets.get(r["sid"])
        if s is None:
            s = streets[r["sid"]] = {"id": gid("Street", r["sid"]), "name": r["sname"], "communities": {"totalCount": 0, "edges": []}}
        if r["cid"] is not None:
            cs = s["communities"]
            cs["totalCount"] += 1
            if len(cs["edges"]) < 50:
                cs["edges"].append({"node": {"id": gid("Community", r["cid"]), "name": r["cname"]}})
    return answer({"streets": {"totalCount": total, "edges": [{"node": s} for s in streets.values()]}})


CAMPAIGN = "SELECT id, state, phone_weight_pct, field_weight_pct, reward_count, penalty_count FROM survey_campaign WHERE year = $1"
COMMUNITIES = "SELECT c.id, c.code, c.name, c.street_id, s.name AS sname FROM community c JOIN street s ON s.id = c.street_id ORDER BY c.id"
STATUSES = "SELECT community_id, status, count(*) AS n FROM survey_respondent WHERE campaign_id = $1 GROUP BY 1, 2"
RATINGS = ("SELECT r.community_id, r.status, a.rating, count(*) AS n FROM survey_respondent r JOIN survey_answer a ON a.respondent_id = r.id "
           "WHERE r.campaign_id = $1 GROUP BY 1, 2, 3")
FIELDS = ("SELECT community_id, governance + services + neighbourly_help + team_building + innovation AS tenths FROM field_score "
          "WHERE campaign_id = $1")


async def ranking(request: Request) -> Response:
    """communityRanking(year:, streetId:) — the console's EvalRanking selection."""
    v = await variables(request)
    street = pk_of(v["streetId"], "Street") if v.get("streetId") else None
    async with pool.acquire() as conn:
        campaign = await conn.fetchrow(CAMPAIGN, v["year"])
        if campaign is None:
            return answer({"communityRanking": None})
        communities = await conn.fetch(COMMUNITIES)
        statuses = await conn.fetch(STATUSES, campaign["id"])
        ratings = await conn.fetch(RATINGS, campaign["id"])
        fields = await conn.fetch(FIELDS, campaign["id"])
    by_status: dict[int, list] = {}
    by_rating: dict[int, list] = {}
    for r in statuses:
        by_status.setdefault(r["community_id"], []).append((r["status"], r["n"]))
    for r in ratings:
        by_rating.setdefault(r["community_id"], []).append((r["status"], r["rating"], r["n"]))
    tallies = {cid: phone_tally(by_status.get(cid, []), by_rating.get(cid, [])) for cid in set(by_status) | set(by_rating)}
    teams: dict[int, list[Fraction]] = {}
    for r in fields:
        teams.setdefault(r["community_id"], []).append(Fraction(r["tenths"], 10))
    info = {c["id"]: c for c in communities}
    ranked = rank_communities(
        [CommunityScores(c["id"], c["code"], tallies[c["id"]].score if c["id"] in tallies else None,
                         sum(teams[c["id"]], Fraction(0)) / len(teams[c["id"]]) if c["id"] in teams else None) for c in communities],
        campaign["phone_weight_pct"], campaign["field_weight_pct"], campaign["reward_count"], campaign["penalty_count"])
    rows = []
    for r in ranked:
        c = info[r.community_id]
        if street is not None and c["street_id"] != street:
            continue
        t = tallies.get(r.community_id)
        rows.append({
            "position": r.position, "rank": r.rank, "mark": r.mark.value, "markLabel": MARK_ZH[r.mark],
            "excludedReason": r.excluded_reason.value if r.excluded_reason else None,
            "phoneScore": shown(r.phone), "fieldScore": shown(r.field), "total": shown(r.total),
            "answered": t.answered if t else 0, "phoneAnswers": t.answers if t else 0,
            "fieldTeamCount": len(teams.get(r.community_id, [])), "canDrillDown": True,
            "community": {"id": gid("Community", c["id"]), "name": c["name"]},
            "street": {"id": gid("Street", c["street_id"]), "name": c["sname"]},
        })
    n_ranked = sum(1 for r in ranked if r.rank is not None)
    return answer({"communityRanking": {"published": campaign["state"] == "PUBLISHED", "rankedCount": n_ranked,
                                        "excludedCount": len(ranked) - n_ranked, "rows": rows}})


HANDLERS = {"wall": wall, "unit_queue": unit_queue, "one_request": one_request, "node": node, "org_tree": org_tree, "ranking": ranking}


async def dispatch(request: Request) -> Response:
    handler = HANDLERS.get(request.path_params["name"])
    if handler is None:
        return PlainTextResponse("no such query", status_code=404)
    try:
        return await handler(request)
    except (ValueError, KeyError, TypeError) as exc:
        return error(f"{type(exc).__name__}: {exc}")


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


@asynccontextmanager
async def lifespan(app: Starlette):  # noqa: ANN201
    global pool
    pool = await asyncpg.create_pool(DATABASE_URL, min_size=2, max_size=POOL_SIZE)
    try:
        yield
    finally:
        await pool.close()


app = Starlette(routes=[Route("/q/{name}", dispatch, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan)


def main() -> None:
    global DATABASE_URL, POOL_SIZE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgresql://user@host:port/db")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool", type=int, default=10, help="asyncpg pool size (default 10, as ours and PostGraphile)")
    args = parser.parse_args()
    DATABASE_URL, POOL_SIZE = args.database_url, args.pool
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
