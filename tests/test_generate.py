"""`python -m db.generate`: synthesised histories are legal paths of the request state machine.

Two runs go into the session's database (which other tests share: we only add rows and look only
at ours): 240 requests over a year with the default configuration, and a recent burst of 60 over
the last three days (more duplicates and stalled cases) so that open, overdue and merged requests
are certain to be among them. Every history is walked against the transition table below, written
out by reading `resolvers/requests/*.py`; histories of different shapes are replayed through the
resolvers themselves; a sweep right after finds nothing the generator missed. The distributions
are checked on a larger in-memory sample. On PostgreSQL the runs are written by COPY (the default
there); a run by executemany beside one by COPY, with the same seed and clock, writes the same rows.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from db import generate as gen
from db.base import utcnow
from db.models import Assignment, Request, RequestEvent, RequestReporter, Subcategory
from resolvers.calendar import LOCAL_TZ
from resolvers.requests import deadlines
from resolvers.requests.vocab import Channel, State

SAME = "same state"  # the event does not move the request (move(..., to=None, ...))
ENDED = {"MERGED", "REJECTED", "CLOSED"}
OPEN = {s.value for s in State} - ENDED - {"RESOLVED"}

# kind → (states it may start from, state it leads to), from the resolvers:
ALLOWED: dict[str, tuple[set[str | None], str]] = {
    "SUBMITTED": ({None}, "SUBMITTED"),  # intake.submit_request
    "TRIAGED": ({"SUBMITTED", "TRIAGED"}, "TRIAGED"),  # triage.triage
    "CLASSIFIED": ({"TRIAGED", "REOPENED"}, "ACCEPTED"),  # triage.classify_minor (MINOR)
    "DISPATCHED": ({"TRIAGED", "REOPENED"}, "DISPATCHED"),  # dispatch.dispatch (MAJOR), triage.assign_private (PRIVATE)
    "ACCEPTED": ({"DISPATCHED", "REDISPATCHED", "DECIDED"}, "ACCEPTED"),  # dispatch.accept by the lead
    "CO_ACCEPTED": ({"DISPATCHED", "REDISPATCHED", "DECIDED", "ACCEPTED", "IN_PROGRESS"}, SAME),  # dispatch.accept by a co-handler
    "DISPUTED": ({"DISPATCHED", "REDISPATCHED"}, "DISPUTED"),  # dispatch.dispute (never after DECIDED)
    "REDISPATCHED": ({"DISPUTED"}, "REDISPATCHED"),  # dispatch.redispatch (after the first dispute)
    "ESCALATED": ({"DISPUTED"}, "ESCALATED"),  # dispatch.escalate (after the second dispute)
    "DECIDED": ({"ESCALATED"}, "DECIDED"),  # dispatch.decide
    "PROGRESS": ({"ACCEPTED", "IN_PROGRESS", "REOPENED"}, "IN_PROGRESS"),  # handling.report_progress
    "RESOLVED": ({"ACCEPTED", "IN_PROGRESS", "REOPENED"}, "RESOLVED"),  # handling.resolve
    "CLOSED": ({"RESOLVED"}, "CLOSED"),  # handling.close, feedback.rate
    "REOPENED": ({"RESOLVED"}, "REOPENED"),  # handling.reopen, feedback.rate (unsatisfied in the window)
    "RATED": ({"RESOLVED"}, SAME),  # feedback.rate
    "MERGED": ({"SUBMITTED", "TRIAGED"}, "MERGED"),  # triage.merge, the duplicate
    "MERGED_IN": (OPEN | {"RESOLVED"}, SAME),  # triage.merge, the survivor (any state but an end)
    "REJECTED": ({"SUBMITTED", "TRIAGED"}, "REJECTED"),  # triage.reject
    "OVERDUE": (OPEN, SAME),  # supervision.sweep_overdue
}
MAJOR_ONLY = {"DISPUTED", "REDISPATCHED", "ESCALATED", "DECIDED", "CO_ACCEPTED"}
# Who acts, by demo login (SPEC §3), for events that have a staff actor.
ACTOR_ROLES = {
    "TRIAGED": {"dispatcher"}, "REJECTED": {"dispatcher"}, "CLOSED": {"dispatcher", None, "leader", "grid", "community", "fieldhead"},
    "CLASSIFIED": {"community", "grid"}, "REDISPATCHED": {"street"}, "ESCALATED": {"street"}, "DECIDED": {"district"},
    "DISPUTED": {"department", "street"}, "CO_ACCEPTED": {"department", "street"}, "OVERDUE": {None},
    "MERGED": {"dispatcher", "community", "grid"}, "MERGED_IN": {"dispatcher", "community", "grid"},
}


def check_history(req: Any, evs: list[Any], users: dict[int, str], now) -> None:
    """Walk one request's events against ALLOWED; raise AssertionError on the first wrong step."""
    where = f"request {req.id} ({req.tracking_code})"
    assert evs, f"{where}: no events"
    state = scope = None
    disputes = 0
    resolved_at = None
    for i, e in enumerate(evs):
        at = f"{where} event #{i + 1} {e.kind}"
        assert e.version == i + 1, f"{at}: version {e.version}, expected {i + 1}"
        if i:
            assert e.seq > evs[i - 1].seq, f"{at}: seq does not increase"
            assert e.at >= evs[i - 1].at, f"{at}: time goes backwards"
        assert e.at <= now, f"{at}: in the future"
        assert e.kind in ALLOWED, f"{at}: unknown kind"
        froms, to = ALLOWED[e.kind]
        assert e.from_state == state, f"{at}: from_state {e.from_state}, but the request was {state}"
        assert state in froms, f"{at}: not allowed from {state}"
        assert e.to_state == (state if to == SAME else to), f"{at}: to_state {e.to_state}"
        assert (e.street_id, e.community_id) == (req.street_id, req.community_id), f"{at}: denormalised place differs"
        if e.kind in ACTOR_ROLES:
            assert users.get(e.actor_user_id) in ACTOR_ROLES[e.kind], f"{at}: actor {e.actor_user_id}"
        assert e.actor_label, f"{at}: no actor label"
        data = json.loads(e.data)
        if e.kind == "TRIAGED":
            scope = data["scope"]
        if e.kind in MAJOR_ONLY:
            assert scope == "MAJOR", f"{at}: only on the MAJOR path"
        if e.kind == "CLASSIFIED":
            assert scope == "MINOR", f"{at}: only MINOR requests take a tier"
        if e.kind == "DISPATCHED":
            assert scope in ("MAJOR", "PRIVATE"), f"{at}: dispatch of a {scope} request"
            assert data["units"][0]["role"] == "LEAD", f"{at}: dispatch data {data}"
            if scope == "MAJOR":
                assert data["round"] == 1 and "kind" not in data
            else:
                assert data["kind"] in ("MEDIATION", "RESOURCE") and data["unitKind"] == data["units"][0]["kind"]
        if e.kind == "OVERDUE":
            assert data["dueKind"] and e.actor_user_id is None and e.actor_label == "督办系统"
        if e.kind == "DISPUTED":
            disputes += 1
            assert data["round"] == disputes, f"{at}: dispute round {data['round']} after {disputes - 1} disputes"
        if e.kind == "REDISPATCHED":
            assert disputes == 1 and data["round"] == 2, f"{at}: second dispatch after {disputes} disputes"
        if e.kind == "ESCALATED":
            assert disputes == 2, f"{at}: escalation after {disputes} disputes"
        if e.kind == "DECIDED":
            assert data["round"] == 3
        if e.kind == "RESOLVED":
            resolved_at = e.at
        if e.kind == "RATED":
            # rate() writes RATED and, in the same unit of work, CLOSED or (unsatisfied within 7 days) REOPENED.
            assert i + 1 < len(evs), f"{at}: nothing after the rating"
            nxt = evs[i + 1]
            reopens = data["rating"] == "UNSATISFIED" and e.at - resolved_at <= timedelta(days=7)
            assert nxt.kind == ("REOPENED" if reopens else "CLOSED"), f"{at}: followed by {nxt.kind}"
            assert nxt.at - e.at < timedelta(seconds=1)
        if e.kind == "REOPENED":
            assert data["by"] in ("CENTER", "RESIDENT")
        state = e.to_state
    assert state in {s.value for s in State}
    assert req.state == state, f"{where}: state {req.state}, last event leads to {state}"
    assert req.version == len(evs), f"{where}: version {req.version} for {len(evs)} events"
    assert abs(req.updated_at - evs[-1].at) < timedelta(seconds=1)  # move() and its event read the clock apart
    # The row agrees with where the history ends.
    if state in ENDED or state == "RESOLVED":
        assert req.due_at is None and not req.overdue, f"{where}: a deadline on an ended request"
    if state in ("RESOLVED", "CLOSED"):
        assert req.resolved_at is not None and req.resolution
    if state == "CLOSED":
        assert req.closed_at is not None
    if state == "MERGED":
        assert req.merged_into_id is not None
    if state == "REJECTED":
        assert req.reject_reason
    if req.overdue:
        last = [e for e in evs if e.kind == "OVERDUE"]
        assert last and json.loads(last[-1].data)["dueAt"] == req.due_at.isoformat(), f"{where}: overdue without its OVERDUE event"
        assert req.overdue_since == req.due_at < now and req.state in OPEN
    if any(e.kind == "RATED" for e in evs):
        assert req.rating in (0.0, 0.5, 1.0) and req.rated_at is not None
    if any(e.kind == "CLASSIFIED" for e in evs):
        assert req.tier in ("A", "B", "C")
        if req.tier == "B":
            assert req.assignee_name and req.assignee_title and req.assignee_phone
        if req.tier == "C":
            assert req.work_plan and req.progress_interval_days


@pytest_asyncio.fixture(scope="module")
async def generated(db) -> dict[str, Any]:
    now = utcnow()
    year = await gen.generate(db, 240, seed=11, days=365, now=now)
    burst = await gen.generate(db, 60, seed=12, days=3, now=now, config=replace(gen.DEFAULT_CONFIG, merge_rate=0.08, stall_rate=0.35))
    runs = [year.request_ids, burst.request_ids]
    ids = [i for run in runs for i in run]
    rt, et, at_, pt = Request.__table__, RequestEvent.__table__, Assignment.__table__, RequestReporter.__table__
    async with db.read() as conn:
        requests = {r.id: r for r in (await conn.execute(select(rt).where(rt.c.id.in_(ids)))).all()}
        events: dict[int, list] = defaultdict(list)
        for e in (await conn.execute(select(et).where(et.c.request_id.in_(ids)).order_by(et.c.seq))).all():
            events[e.request_id].append(e)
        assignments: dict[int, list] = defaultdict(list)
        for a in (await conn.execute(select(at_).where(at_.c.request_id.in_(ids)).order_by(at_.c.id))).all():
            assignments[a.request_id].append(a)
        reporters = (await conn.execute(select(pt).where(pt.c.request_id.in_(ids) | pt.c.source_request_id.in_(ids)))).all()
        users = {i: name for name, i in (await conn.execute(select(gen.User.username, gen.User.id))).all()}
        policies = {r.id: deadlines.Policy(**{k: r._mapping[k] for k in deadlines.DEFAULT_POLICY})
                    for r in (await conn.execute(select(Subcategory.__table__))).all()}
    async with db.sessions() as session:
        holidays = await deadlines.holiday_table(session)
    return {"now": now, "runs": runs, "ids": ids, "results": [year, burst], "requests": requests, "events": events,
            "assignments": assignments, "reporters": reporters, "users": users, "policies": policies, "holidays": holidays}


async def test_counts_and_rows_written(generated, db) -> None:
    g = generated
    assert [r.writer for r in g["results"]] == ["copy" if db.dialect == "postgresql" else "executemany"] * 2
    assert len(g["runs"][0]) == 240 and len(g["runs"][1]) == 60
    assert len(g["requests"]) == 300 and len(set(g["ids"])) == 300
    # (the app's own overdue sweep may have added an event since: those are later than `now`)
    assert sum(r.events for r in g["results"]) == sum(1 for v in g["events"].values() for e in v if e.at <= g["now"])
    codes = [r.tracking_code for r in g["requests"].values()]
    assert len(set(codes)) == len(codes) and all(c.startswith("ZF") and len(c) == 10 for c in codes)


async def test_every_history_is_a_legal_path(generated) -> None:
    g = generated
    now = utcnow()  # the app's own sweep may have run since
    for rid in g["ids"]:
        check_history(g["requests"][rid], g["events"][rid], g["users"], now)


async def test_seq_is_commit_ordered_within_a_run(generated) -> None:
    """Seqs are handed out in time order, as commits would have: a reader that has seen seq N
    never finds an earlier event appear later (only within one run: a later run commits later)."""
    g = generated
    for run in g["runs"]:
        evs = sorted((e for rid in run for e in g["events"][rid]), key=lambda e: e.seq)
        assert all(a.at <= b.at for a, b in pairwise(evs))
        assert len({e.seq for e in evs}) == len(evs)


async def test_rows_agree_with_histories(generated) -> None:
    """Places, reporters, merges, assignments and deadlines are what the resolvers would leave."""
    g = generated
    reqs, events, users = g["requests"], g["events"], g["users"]
    reporters = {(p.request_id, p.source_request_id) for p in g["reporters"]}
    table = g["holidays"]
    for rid in g["ids"]:
        r, evs, asg = reqs[rid], events[rid], g["assignments"][rid]
        assert (rid, rid) in reporters, f"request {rid} lacks its own reporter row"
        assert r.created_at == evs[0].at and r.occurred_at <= r.created_at
        if r.channel == "QR_CODE":
            assert r.reporter_user_id is None
        else:
            assert users[r.reporter_user_id] in {"leader", "grid", "fieldhead", "community", "dispatcher"}
        policy = g["policies"].get(r.subcategory_id) or deadlines.Policy(**deadlines.DEFAULT_POLICY)
        last_move = [e for e in evs if e.kind not in ("OVERDUE", "MERGED_IN", "CO_ACCEPTED", "PROGRESS")][-1]
        if r.state == "SUBMITTED":
            assert r.due_kind == "TRIAGE" and r.due_at == r.created_at + timedelta(minutes=30)
        if r.state in ("DISPATCHED", "REDISPATCHED", "DECIDED") and r.scope == "MAJOR":
            assert r.due_kind == "RESPONSE"
            assert r.due_at == deadlines.hours(last_move.at, policy.major_response_hours).at
            assert r.resolve_due_at == deadlines.working_days(last_move.at, policy.major_resolve_working_days, table).at
            active = [a for a in asg if a.active]
            assert active and active[0].role == "LEAD" and {a.round for a in active} == {max(a.round for a in asg)}
        if r.state == "DISPUTED":
            assert r.due_kind in ("REDISPATCH", "DECISION")
        if r.state == "REOPENED":
            assert r.due_kind == "RESOLVE" and r.resolved_at is None
            assert r.due_at == deadlines.working_days(last_move.at, policy.major_resolve_working_days, table).at
            assert all(a.resolve_due_at == r.due_at for a in asg if a.active and a.role == "LEAD")
        if r.state == "TRIAGED" and r.scope in ("MINOR", "PRIVATE"):
            hours = policy.minor_a_hours if r.scope == "MINOR" else policy.private_response_hours
            assert r.due_kind == "RESPONSE" and r.due_at == deadlines.hours(last_move.at, hours).at
        if r.scope == "PRIVATE" and r.state == "DISPATCHED":
            assert asg[-1].response_due_at == r.due_at == deadlines.hours(last_move.at, policy.private_response_hours).at
        if r.scope == "MAJOR" and r.state in ("ACCEPTED", "IN_PROGRESS", "RESOLVED", "CLOSED"):
            leads = [a for a in asg if a.active and a.role == "LEAD"]
            assert len(leads) == 1 and leads[0].status in ("ACCEPTED", "DONE")
            assert r.first_response_at is not None
        if r.state == "MERGED":
            target = r.merged_into_id
            merged = next(e for e in evs if e.kind == "MERGED")
            into = [e for e in (events.get(target) or []) if e.kind == "MERGED_IN" and json.loads(e.data)["from"] == r.tracking_code]
            assert len(into) == 1 and into[0].seq > merged.seq, f"request {rid}: survivor {target} lacks MERGED_IN"
            assert (target, rid) in reporters, "the survivor keeps the duplicate's reporter informed"
        for a in asg:
            assert a.assigned_by_user_id in users
        # As the resolvers keep it: no request holds an assignment before it is past triage.
        assert not asg or r.state not in ("SUBMITTED", "TRIAGED"), f"request {rid}: {r.state} with assignments"


async def test_coverage_of_channels_scopes_and_outcomes(generated) -> None:
    g = generated
    reqs, events = g["requests"], g["events"]
    kinds = Counter(e.kind for evs in events.values() for e in evs)
    assert {r.channel for r in reqs.values()} >= {c.value for c in Channel}, "every channel is present"
    assert {r.scope for r in reqs.values()} >= {"MAJOR", "MINOR", "PRIVATE"}
    assert {r.tier for r in reqs.values()} >= {"A", "B", "C"}
    assert {r.private_kind for r in reqs.values()} >= {"MEDIATION", "RESOURCE"}
    overdue = [r for r in reqs.values() if r.overdue]
    assert overdue, "some requests are overdue now"
    assert all(r.due_at < g["now"] and r.overdue_since == r.due_at for r in overdue)
    assert kinds["OVERDUE"] > len(overdue), "and some were late in the past"
    assert kinds["DISPUTED"] >= 3 and kinds["REDISPATCHED"] >= 2
    decided = [rid for rid, evs in events.items() if {"ESCALATED", "DECIDED"} <= {e.kind for e in evs}]
    assert decided, "some disputes were escalated and decided"
    ratings = Counter(json.loads(e.data)["rating"] for evs in events.values() for e in evs if e.kind == "RATED")
    assert set(ratings) == {"SATISFIED", "BASIC", "UNSATISFIED"}
    assert ratings["SATISFIED"] > ratings["BASIC"] > ratings["UNSATISFIED"]
    assert kinds["MERGED"] >= 1 and kinds["MERGED_IN"] == kinds["MERGED"]
    states = Counter(r.state for rid, r in reqs.items() if rid in set(g["runs"][1]))
    assert sum(states[s] for s in OPEN) >= 10, f"the recent burst is mostly still open: {states}"
    # Actor labels name the unit that acted.
    labels = {e.actor_label for evs in events.values() for e in evs}
    assert "呼应中心调度员" in labels and any(lbl.endswith("工作站") for lbl in labels) and "区委区政府" in labels


_CODE = re.compile(r"ZF[0-9A-Z]{8}")  # tracking codes: drawn afresh by every run


async def _rows_of_run(db, result: gen.GenerateResult, now) -> tuple[dict[str, list[dict]], set[int]]:
    """A run's rows as the run itself numbers them: request ids by position in the run, seqs by
    rank in the run, tracking codes masked, serial ids left out (their order is the rows' order);
    and the positions of requests the app's sweep has touched since `now`."""
    ids = result.request_ids
    pos = {rid: i for i, rid in enumerate(ids)}
    rt, et, at_, pt = Request.__table__, RequestEvent.__table__, Assignment.__table__, RequestReporter.__table__
    async with db.read() as conn:
        reqs = (await conn.execute(select(rt).where(rt.c.id.in_(ids)).order_by(rt.c.id))).mappings().all()
        evs = (await conn.execute(select(et).where(et.c.request_id.in_(ids)).order_by(et.c.seq))).mappings().all()
        asg = (await conn.execute(select(at_).where(at_.c.request_id.in_(ids)).order_by(at_.c.id))).mappings().all()
        reps = (await conn.execute(select(pt).where(pt.c.source_request_id.in_(ids)).order_by(pt.c.id))).mappings().all()

    def norm(rows, owner: str, refs: tuple[str, ...], drop: tuple[str, ...] = ("id",)) -> list[dict]:
        out = []
        for row in rows:
            d = {k: _CODE.sub("ZF*", v) if isinstance(v, str) else v for k, v in row.items() if k not in drop}
            d.update({k: None if row[k] is None else pos[row[k]] for k in refs})
            d["_of"] = pos[row[owner]]
            out.append(d)
        return out

    events = norm(evs, "request_id", ("request_id",))
    swept = {e["_of"] for e in events if e["at"] > now}
    events = [e for e in events if e["at"] <= now]
    for rank, e in enumerate(events):  # by seq: the run's commit order
        e["seq"] = rank
    rows = {"request": norm(reqs, "id", ("merged_into_id",), ("id", "tracking_code")), "request_event": events,
            "assignment": norm(asg, "request_id", ("request_id",)),
            "request_reporter": norm(reps, "source_request_id", ("request_id", "source_request_id"))}
    return rows, swept


async def test_copy_needs_postgresql(db) -> None:
    if db.dialect == "postgresql":
        pytest.skip("SQLite only")
    try:
        await gen.generate(db, 5, seed=3, days=30, copy=True)
    except ValueError as exc:
        assert "PostgreSQL" in str(exc)
    else:
        raise AssertionError("COPY on SQLite")


async def test_copy_writes_what_executemany_writes(db) -> None:
    """On PostgreSQL: the same seed and clock, once by executemany and once by COPY (in batches,
    so several transactions each reserve ids and seqs), give the same rows; the COPY run's
    histories are legal paths with commit-ordered seqs."""
    if db.dialect != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    now = utcnow()
    cfg = replace(gen.DEFAULT_CONFIG, merge_rate=0.08, stall_rate=0.2)
    slow = await gen.generate(db, 400, seed=21, days=20, now=now, config=cfg, copy=False, batch=150, chunk=97)
    fast = await gen.generate(db, 400, seed=21, days=20, now=now, config=cfg, copy=True, batch=150)
    assert (slow.writer, fast.writer) == ("executemany", "copy")
    assert (fast.requests, fast.events, fast.assignments, fast.reporters) == (slow.requests, slow.events, slow.assignments, slow.reporters)
    assert fast.states == slow.states and fast.events > 3 * fast.requests
    (a, swept_a), (b, swept_b) = await _rows_of_run(db, slow, now), await _rows_of_run(db, fast, now)
    swept = swept_a | swept_b  # the app's overdue sweep may have acted on either run since `now`
    assert len(swept) < 40
    for table in a:
        rows_a, rows_b = ([r for r in rows[table] if r["_of"] not in swept] for rows in (a, b))
        assert len(rows_b) >= {"request": 360, "request_event": 3 * 360}.get(table, 300), table
        assert rows_a == rows_b, f"{table}: COPY wrote other rows than executemany"
    rt, et = Request.__table__, RequestEvent.__table__
    async with db.read() as conn:
        reqs = {r.id: r for r in (await conn.execute(select(rt).where(rt.c.id.in_(fast.request_ids)))).all()}
        evs: dict[int, list] = defaultdict(list)
        for e in (await conn.execute(select(et).where(et.c.request_id.in_(fast.request_ids)).order_by(et.c.seq))).all():
            evs[e.request_id].append(e)
        users = {i: name for name, i in (await conn.execute(select(gen.User.username, gen.User.id))).all()}
    for rid in fast.request_ids:
        check_history(reqs[rid], evs[rid], users, utcnow())
    ordered = sorted((e for v in evs.values() for e in v if e.at <= now), key=lambda e: e.seq)
    assert all(x.at <= y.at for x, y in pairwise(ordered)) and len({e.seq for e in ordered}) == len(ordered) == fast.events
    assert len(set(fast.request_ids)) == 400 and min(fast.request_ids) > max(slow.request_ids)


async def test_a_street_never_co_handles_what_its_section_leads(db) -> None:
    """A street officer acts for the street's sections too: with a section leading, the officer's
    accept is the lead's (dispatch.my_assignment), so the street's own CO_ACCEPTED could not be
    replayed (found by --validate on 2,350,000 requests). Departments leading do get the street."""
    ctx = await gen.load_context(db)
    g = gen.Generator(ctx, gen.DEFAULT_CONFIG, 5, utcnow(), 30)
    sid, (street_id, name) = min(ctx.sections.items())
    r = gen.Req()
    r.street_id = street_id
    dept = min(ctx.departments.items())
    for lead, street_wanted in ((("SECTION", sid, name), False), (("DEPARTMENT", *dept), True)):
        co = {(u[0], u[1]) for _ in range(300) for u in g._with_co(r, lead, 1.0)[1:]}
        assert len(co) >= 4 and (("STREET", street_id) in co) == street_wanted, (lead, co)


def _shape(evs: list[Any]) -> set[str]:
    return {e.kind for e in evs}


async def test_replay_through_the_resolvers(generated, db) -> None:
    """Histories of different shapes, replayed on fresh requests through the real transition
    functions (every guard: role, scope, state, round), take the same steps to the same state."""
    g = generated
    reqs, events = g["requests"], g["events"]
    wanted = {
        "escalated and decided": lambda r, k: {"ESCALATED", "DECIDED", "RESOLVED"} <= k,
        "MAJOR with co-handlers": lambda r, k: "CO_ACCEPTED" in k and "RESOLVED" in k,
        "MINOR tier C": lambda r, k: r.tier == "C" and "PROGRESS" in k,
        "MINOR tier B": lambda r, k: r.tier == "B" and "RESOLVED" in k,
        "PRIVATE": lambda r, k: r.scope == "PRIVATE" and "RESOLVED" in k,
        "unsatisfied, reopened": lambda r, k: "REOPENED" in k and "RATED" in k,
        "merged": lambda r, k: "MERGED" in k,
        "survivor of a merge": lambda r, k: "MERGED_IN" in k,
        "rejected": lambda r, k: "REJECTED" in k,
        "overdue and open": lambda r, k: r.overdue,
    }
    picked: dict[str, int] = {}
    for name, test in wanted.items():
        for rid in g["ids"]:
            if rid not in picked.values() and test(reqs[rid], _shape(events[rid])):
                picked[name] = rid
                break
    assert len(picked) >= 7, f"too few shapes to replay: {sorted(picked)}"
    for name, rid in picked.items():
        result = await gen.replay_history(db, rid)
        assert result.ok, f"{name} (request {rid}):\n generated {result.generated} → {result.generated_state}\n" \
                          f" replayed  {result.replayed} → {result.replayed_state}"
    # Rolled back: nothing of the replays stayed.
    async with db.read() as conn:
        et = RequestEvent.__table__
        assert not (await conn.execute(select(et.c.id).where(et.c.request_id == result.replayed_id))).first()


async def test_distributions_as_configured(db) -> None:
    """On 6,000 requests generated in memory (nothing written), the shares follow the configuration."""
    ctx = await gen.load_context(db)
    now = utcnow()
    g = gen.Generator(ctx, gen.DEFAULT_CONFIG, 7, now, 365)
    cfg = gen.DEFAULT_CONFIG
    recent: list = []
    reqs = []
    for i, (created, channel) in enumerate(g.plan_arrivals(6000)):
        if i % 50 == 0:
            await asyncio.sleep(0)  # don't starve the app's event loop (its bus heartbeat)
        recent = [p for p in recent if p.created_at > created - timedelta(hours=20)]
        r = g.make(created, channel, recent)
        recent.append(r)
        reqs.append(r)
    n = len(reqs)
    kinds = [Counter(e[0] for e in r.events) for r in reqs]
    triaged = [r for r in reqs if r.scope]
    share = lambda xs, pred: sum(1 for x in xs if pred(x)) / max(1, len(xs))
    for scope, p in cfg.scopes.items():
        got = share([r for r in triaged if not r.reject_reason], lambda r, scope=scope: r.scope == scope)
        assert abs(got - p) < 0.03, (scope, got)
    minor = [r for r in reqs if r.tier]
    for tier, p in cfg.tiers.items():
        assert abs(share(minor, lambda r, tier=tier: r.tier == tier) - p) < 0.04, tier
    assert abs(share(reqs, lambda r: r.state == "MERGED") - cfg.merge_rate) < 0.008
    assert abs(share(reqs, lambda r: r.state == "REJECTED") - cfg.reject_rate) < 0.006
    dispatched = [k for r, k in zip(reqs, kinds) if r.scope == "MAJOR" and (k["ACCEPTED"] or k["DISPUTED"])]
    disputed = [k for k in dispatched if k["DISPUTED"]]
    assert 0.05 < len(disputed) / len(dispatched) < 0.12
    assert 0.15 < sum(1 for k in disputed if k["ESCALATED"]) / len(disputed) < 0.45
    ratings = Counter(json.loads(e[7])["rating"] for r in reqs for e in r.events if e[0] == "RATED")
    total = sum(ratings.values())
    for rating, p in cfg.ratings.items():
        assert abs(ratings[rating] / total - p) < 0.03, (rating, ratings)
    resolved = [k for k in kinds if k["RESOLVED"]]
    assert 0.75 < sum(1 for k in resolved if k["RATED"]) / len(resolved) < 0.95
    unsatisfied = [k for r, k in zip(reqs, kinds) if any(e[0] == "RATED" and json.loads(e[7])["rating"] == "UNSATISFIED" for e in r.events)]
    assert sum(1 for k in unsatisfied if k["REOPENED"]) > 0.8 * len(unsatisfied)  # the rest came after the 7-day window
    cats = Counter(ctx.subs[next(c for c, s in ctx.subs.items() if s.id == r.subcategory_id)].category_code
                   for r in triaged)
    assert [c for c, _ in cats.most_common(2)] in (["LIVING", "HOUSING"], ["HOUSING", "LIVING"]), cats
    # Channels: building leaders and grid workers most; QR codes rising; meetings rare.
    channels = Counter(r.channel for r in reqs)
    assert [c for c, _ in channels.most_common(2)] == ["BUILDING_LEADER", "GRID_WORKER"]
    assert channels["MEETING"] / n < 0.03 and channels["MEETING"] > 0
    third = n // 3
    assert share(reqs[-third:], lambda r: r.channel == "QR_CODE") > 1.4 * share(reqs[:third], lambda r: r.channel == "QR_CODE")
    # Rhythm: ~640 a day at 235k a year; busier by day than by night and on weekdays than at weekends.
    local = [r.created_at.astimezone(LOCAL_TZ) for r in reqs]
    assert share(local, lambda t: 8 <= t.hour < 18) > 0.7
    assert share(local, lambda t: t.hour < 6) < 0.03
    weekday = share(local, lambda t: t.weekday() < 5) / 5
    weekend = share(local, lambda t: t.weekday() >= 5) / 2
    assert weekend < 0.75 * weekday
    assert all(t.weekday() == 0 for r, t in zip(reqs, local) if r.channel == "MAILBOX"), "the mailbox is emptied on Mondays"
    leaders = [t for r, t in zip(reqs, local) if r.channel == "BUILDING_LEADER"]
    assert share(leaders, lambda t: t.hour == 17) > 0.15, "log books are collected at 17:00"
    # Some departments answer late more often than others.
    late: dict[str, list[bool]] = defaultdict(list)
    for r in reqs:
        kinds_ = [e[0] for e in r.events]
        if r.scope != "MAJOR" or "DISPATCHED" not in kinds_:
            continue
        i = kinds_.index("DISPATCHED")
        answer = next((j for j in range(i, len(kinds_)) if kinds_[j] in ("ACCEPTED", "DISPUTED")), None)
        if answer is not None:
            lapses = [json.loads(e[7])["dueKind"] for e in r.events[i:answer] if e[0] == "OVERDUE"]
            late[json.loads(r.events[i][7])["units"][0]["name"]].append("RESPONSE" in lapses)
    rates = sorted(sum(v) / len(v) for v in late.values() if len(v) >= 30)
    assert len(rates) >= 3 and rates[-1] > 2 * max(rates[0], 0.02), rates


async def test_a_sweep_right_after_finds_nothing_more(generated, db) -> None:
    """The generator marks overdue exactly what supervision.sweep_overdue would at its `now`."""
    from resolvers.requests.supervision import sweep_overdue

    g = generated
    ours = set(g["ids"])
    async with db.sessions() as session:
        await session.begin()
        try:
            await sweep_overdue(session, g["now"])
            marked = {obj.id for obj in session.identity_map.values() if isinstance(obj, Request) and obj.overdue}
            flagged = {rid for rid, r in g["requests"].items() if r.overdue}
        finally:
            await session.rollback()
    assert not (marked & ours) - flagged
    rt = Request.__table__
    async with db.read() as conn:
        missed = (await conn.execute(select(rt.c.id).where(
            rt.c.id.in_(g["ids"]), rt.c.overdue.is_(False), rt.c.due_at < g["now"], rt.c.state.in_(sorted(OPEN))))).scalars().all()
    assert not missed
