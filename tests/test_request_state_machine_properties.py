"""Properties of the request state machine (hypothesis, stateful), over the real domain functions
of resolvers/requests in real units of work (schema/edge.write_unit) on the session database.

Any sequence of actions — submit, triage, dispatch, accept, dispute, second dispatch, escalate,
decide, classify a minor tier, assign a private request, progress, resolve, close, reopen, rate,
merge, reject — by any role (allowed or not, anonymous too), with current, stale or no versions,
keeps the invariants:

* a refused action is refused with a domain error (resolvers.errors) and changes nothing;
* an accepted one raises the version of what it changed, and of nothing else;
* every request has one current state, the to_state of its last event; its events chain
  (each from_state is the previous to_state) and carry versions 1..version, one per change;
* no request holds an assignment while SUBMITTED or TRIAGED;
* the event log only grows: earlier events stay exactly as they were;
* no request is lost or duplicated: exactly the submitted requests exist, a retried submission
  (same idempotency key) returns the first one.

The walk mixes two kinds of steps: `advance` takes a request one natural step on with the role
that may take it (so that deep states — escalated, decided, reopened — are reached), and `act`
tries any action by any role with arbitrary input. Bounded and derandomized, so CI reproduces it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from db.models import Assignment, Building, Community, Department, IdempotencyKey, Request, RequestEvent, SocialOrganisation, StreetSection, Subcategory, VolunteerTeam
from resolvers.actor import Actor
from resolvers.auth import actor_for_token
from resolvers.errors import DomainError
from resolvers.requests import dispatch as dispatch_rules
from resolvers.requests import feedback, handling, intake, triage
from resolvers.requests.dispatch import UnitRef
from resolvers.requests.vocab import TERMINAL, Channel, PrivateKind, Rating, Scope, State, Tier, UnitKind
from resolvers.roles import ScopeKind
from schema.context import Context
from schema.edge import write_unit
from schema.loaders import Loaders

pytestmark = pytest.mark.filterwarnings(
    # See tests/test_ranking_properties.py: objects frozen by schema/gc_policy hide hypothesis's
    # own Random from gc.get_referrers(), so its register_random check raises a false alarm.
    "ignore:It looks like `register_random` was passed an object:hypothesis.errors.HypothesisWarning"
)

RUN = uuid.uuid4().hex[:8]
MAX_EXAMPLES = 40
STEPS = 25
MAX_REQUESTS = 4  # per example: few, so that steps pile up on each and reach deep states
ROLES = ["admin", "dispatcher", "street", "community", "grid", "leader", "fieldhead", "department",
         "district", "partner", "volunteer", "evaluator"]
ANY_ROLE = st.sampled_from([None, *ROLES])
VALID_TEXT = "已核实,按规定办理"
TEXTS = st.sampled_from([VALID_TEXT, "", "  ", "长" * 4001])
VERSIONS = st.sampled_from(["none", "current", "current", "stale", "ahead"])


@dataclass
class World:
    """What the walk runs on: the test's loop and database, the demo logins as actors, and the
    places and units of the demo district it files requests at and sends them to."""

    loop: asyncio.AbstractEventLoop
    app: Any
    actors: dict[str | None, Actor | None]
    qr_tokens: list[tuple[str, int]]  # (token, building id): one in the grid worker's grids, one not
    grid_building: int
    leader_building: int
    subcategories: list[int]
    units: list[UnitRef]
    holders: dict[tuple[str, int], str]  # (unit kind, id) -> the demo login acting for it
    foreign_team: int  # a volunteer team of another community: refused
    organisation: int
    tally: dict[str, Counter] = field(default_factory=lambda: {"steps": Counter(), "accepted": Counter(), "refused": Counter(), "states": Counter()})

    def run(self, coro: Awaitable[Any]) -> Any:
        """Run a coroutine on the test's loop (where the engine lives) from hypothesis's thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    async def unit(self, role: str | None, fn: Callable[..., Awaitable[Any]]) -> Any:
        """One unit of work, as a mutation runs it: committed whole, or rolled back whole."""
        db = self.app.state.db
        ctx = Context(db=db, settings=self.app.state.settings, actor=self.actors[role], loaders=Loaders(db),
                      extra={"bus": self.app.state.bus})
        async with write_unit(ctx) as session:
            return await fn(session, ctx.actor)


async def build_world(app: Any, tokens: dict[str, str]) -> World:
    db, settings_ = app.state.db, app.state.settings
    b, c = Building.__table__, Community.__table__
    async with db.read() as conn:
        actors: dict[str | None, Actor | None] = {None: None}
        for role in ROLES:
            actors[role] = await actor_for_token(conn, settings_.secret_key, tokens[role])
        futai = (await conn.execute(select(c.c.id, c.c.street_id).where(c.c.name == "福泰社区"))).one()
        buildings = (await conn.execute(select(b.c.id, b.c.qr_token, b.c.grid_id).where(b.c.community_id == futai.id).order_by(b.c.id))).all()
        # Offsets no other test files a QR request at (each building's QR code is rate limited).
        qr = [(buildings[29].qr_token, buildings[29].id), (buildings[90].qr_token, buildings[90].id)]
        subs = list((await conn.execute(select(Subcategory.id).where(Subcategory.name.in_(["噪音扰民", "绿化养护", "邻里纠纷"])).order_by(Subcategory.id))).scalars())
        depts = dict((await conn.execute(select(Department.name, Department.id).where(Department.name.in_(["区城市管理局", "区生态环境分局"])))).all())
        section = (await conn.execute(select(StreetSection.id).where(StreetSection.street_id == futai.street_id).order_by(StreetSection.id))).scalars().first()
        team = (await conn.execute(select(VolunteerTeam.id).where(VolunteerTeam.community_id != futai.id).order_by(VolunteerTeam.id))).scalars().first()
        org = (await conn.execute(select(SocialOrganisation.id).where(SocialOrganisation.active.is_(True)).order_by(SocialOrganisation.id))).scalars().first()
    assert all(actors[role] is not None for role in ROLES), "a demo login's session token no longer works"
    grid, leader = actors["grid"], actors["leader"]
    assert grid is not None and leader is not None
    assert buildings[29].grid_id in grid.ids(ScopeKind.GRID) and buildings[90].grid_id not in grid.ids(ScopeKind.GRID)
    units = [UnitRef(UnitKind.DEPARTMENT, depts["区城市管理局"]), UnitRef(UnitKind.DEPARTMENT, depts["区生态环境分局"]),
             UnitRef(UnitKind.STREET, futai.street_id), UnitRef(UnitKind.SECTION, section),
             UnitRef(UnitKind.COMMUNITY, futai.id)]  # not a MAJOR lead: refused
    holders = {("DEPARTMENT", depts["区城市管理局"]): "department", ("STREET", futai.street_id): "street",
               ("SECTION", section): "street", ("COMMUNITY", futai.id): "community"}
    for g in grid.ids(ScopeKind.GRID):
        holders[("GRID", g)] = "grid"
    return World(loop=asyncio.get_running_loop(), app=app, actors=actors, qr_tokens=qr, grid_building=buildings[20].id,
                 leader_building=next(iter(leader.ids(ScopeKind.BUILDING))), subcategories=subs, units=units,
                 holders=holders, foreign_team=team if team is not None else 10**6, organisation=org if org is not None else 0)


@dataclass(frozen=True)
class Snapshot:
    state: str
    version: int
    tracking_code: str
    events: tuple[tuple[Any, ...], ...]  # (id, seq, kind, from_state, to_state, version, note, data, actor)
    row: tuple[Any, ...]  # every column of the request: a refusal changes none of them
    assignments: tuple[tuple[Any, ...], ...]  # and none of its assignments


async def snapshot(app: Any, marker: str) -> dict[int, Snapshot]:
    """Every request of this example as the database has it, found by the marker in its text."""
    r, e, a = Request.__table__, RequestEvent.__table__, Assignment.__table__
    async with app.state.db.read() as conn:
        rows = (await conn.execute(select(r).where(r.c.text.contains(marker)))).all()
        ids = [row.id for row in rows]
        events: dict[int, list[tuple[Any, ...]]] = {i: [] for i in ids}
        assignments: dict[int, list[tuple[Any, ...]]] = {i: [] for i in ids}
        if ids:
            for ev in (await conn.execute(
                select(e.c.id, e.c.seq, e.c.request_id, e.c.kind, e.c.from_state, e.c.to_state, e.c.version, e.c.note, e.c.data, e.c.actor_user_id)
                .where(e.c.request_id.in_(ids)).order_by(e.c.seq)
            )).all():
                events[ev.request_id].append((ev.id, ev.seq, ev.kind, ev.from_state, ev.to_state, ev.version, ev.note, ev.data, ev.actor_user_id))
            for row in (await conn.execute(select(a).where(a.c.request_id.in_(ids)).order_by(a.c.id))).all():
                assignments[row.request_id].append(tuple(row))
    assert len(ids) == len(set(ids))
    return {row.id: Snapshot(row.state, row.version, row.tracking_code, tuple(events[row.id]), tuple(row), tuple(assignments[row.id]))
            for row in rows}


async def lead_holder(world: World, request_id: int) -> str:
    """The demo login acting for the request's active lead (a named assignee: its community)."""
    async with world.app.state.db.read() as conn:
        lead = (await conn.execute(select(Assignment.unit_kind, Assignment.unit_id).where(
            Assignment.request_id == request_id, Assignment.active.is_(True), Assignment.role == "LEAD"))).first()
    if lead is None:
        return "department"
    if lead.unit_kind in ("BUILDING_LEADER", "PEACEMAKER", "VOLUNTEER_TEAM", "SOCIAL_ORG"):
        return "community"
    return world.holders.get((lead.unit_kind, lead.unit_id), "department")


# Who may take each action (the rules in resolvers/requests); `act` also tries everyone else.
ALLOWED = {
    "triage": ["dispatcher"], "dispatch": ["dispatcher"], "close": ["dispatcher"], "reopen": ["dispatcher"],
    "reject": ["dispatcher"], "classify": ["community", "grid"], "assign_private": ["community", "grid"],
    "accept": ["department", "street", "community", "grid"], "progress": ["department", "street", "community", "grid"],
    "resolve": ["department", "street", "community", "grid"], "dispute": ["department", "street"],
    "redispatch": ["street"], "escalate": ["street"], "decide": ["district"], "merge": ["dispatcher", "community", "grid"],
    "rate": [None, "grid", "community", "leader", "dispatcher"],
}
ACTIONS = sorted(ALLOWED)


class RequestLoop(RuleBasedStateMachine):
    world: World  # set before the run
    examples = 0

    requests = Bundle("requests")

    def __init__(self) -> None:
        super().__init__()
        type(self).examples += 1
        self.marker = f"[状态机 {RUN}-{type(self).examples}]"
        self.ids: list[int] = []
        self.keys: dict[tuple[int, str], int] = {}  # (reporter, idempotency key) -> the request it made
        self.seen: dict[int, Snapshot] = {}
        self.world.tally["steps"]["examples"] += 1

    # -- the steps -------------------------------------------------------------------------

    def _submit(self, reporter: int, text: str, key: int | None) -> Any:
        w = self.world
        idem = f"sm-{RUN}-{type(self).examples}-{key}" if key is not None else None
        # Reporters: anonymous by QR (inside and outside the grid worker's grids), the grid worker,
        # the building leader, the community worker's hotline (no building), the center.
        role, data = [
            (None, intake.SubmitInput(text=text, qr_token=w.qr_tokens[0][0], idempotency_key=idem)),
            (None, intake.SubmitInput(text=text, qr_token=w.qr_tokens[1][0], idempotency_key=idem)),
            ("grid", intake.SubmitInput(text=text, channel=Channel.GRID_WORKER, building_id=w.grid_building, idempotency_key=idem)),
            ("leader", intake.SubmitInput(text=text, channel=Channel.BUILDING_LEADER, building_id=w.leader_building, idempotency_key=idem)),
            ("community", intake.SubmitInput(text=text, channel=Channel.HOTLINE, location_note="福泰小区北门", idempotency_key=idem)),
            ("dispatcher", intake.SubmitInput(text=text, channel=Channel.HOTLINE, building_id=w.qr_tokens[1][1], idempotency_key=idem)),
        ][reporter]
        scope = reporter  # each reporter retries under a key scope of its own (a building's QR code, a user)
        data.text = text and f"{text} {self.marker}"
        before = self.before()

        async def submit(session: Any, actor: Any) -> Any:
            return await intake.submit_request(session, actor, data, limit_per_token=(10**6, 3600), limit_per_client=(10**6, 3600))

        try:
            result = w.run(w.unit(role, submit))
        except DomainError as exc:
            w.tally["refused"][exc.code] += 1
            assert w.run(snapshot(w.app, self.marker)) == before, "a refused submission changed something"
            return multiple()
        after = w.run(snapshot(w.app, self.marker))
        rid = result.request.id
        if idem is not None and (scope, idem) in self.keys:
            # A retry: the first request, replayed; nothing new, nothing changed.
            assert result.replayed and rid == self.keys[(scope, idem)], (result.replayed, rid, self.keys)
            assert after == before
            w.tally["accepted"]["submit (replayed)"] += 1
            return multiple()
        assert not result.replayed
        assert rid not in before and set(after) == set(before) | {rid}
        assert after[rid].state == State.SUBMITTED.value and after[rid].version == 1
        assert all(after[i] == before[i] for i in before)
        if idem is not None:
            self.keys[(scope, idem)] = rid
        self.ids.append(rid)
        w.tally["accepted"]["submit"] += 1
        w.tally["states"]["SUBMITTED"] += 1
        return rid

    @initialize(target=requests, reporter=st.integers(0, 5))
    def first_request(self, reporter: int) -> Any:
        return self._submit(reporter, "楼道噪音扰民,夜间施工", None)

    @precondition(lambda self: len(self.ids) < MAX_REQUESTS)
    @rule(target=requests, reporter=st.integers(0, 5), text=st.sampled_from(["小区门口下水道堵塞", "", "门口垃圾没人清"]),
          key=st.one_of(st.none(), st.integers(0, 1)))
    def submit(self, reporter: int, text: str, key: int | None) -> Any:
        return self._submit(reporter, text, key)

    @precondition(lambda self: any(State(snap.state) not in TERMINAL for snap in self.seen.values()))
    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """One natural next step for an open request, by the role that may take it."""
        w = self.world
        request = data.draw(st.sampled_from(sorted(rid for rid, snap in self.seen.items() if State(snap.state) not in TERMINAL)))
        state = State(self.seen[request].state)
        if state in (State.SUBMITTED, State.TRIAGED) and data.draw(st.integers(0, 9)) == 9:
            action = data.draw(st.sampled_from(["merge", "reject"]))
        elif state is State.TRIAGED:
            action = {"MAJOR": "dispatch", "MINOR": "classify", "PRIVATE": "assign_private"}[w.run(_scope_of(w, request))]
        elif state is State.DISPUTED:
            action = "redispatch" if w.run(_dispatch_rounds(w, request)) == 1 else "escalate"
        else:
            action = data.draw(st.sampled_from({
                State.SUBMITTED: ["triage"], State.DISPATCHED: ["dispute", "accept"], State.REDISPATCHED: ["dispute", "accept"],
                State.ESCALATED: ["decide"], State.DECIDED: ["accept"],
                State.ACCEPTED: ["progress", "resolve"], State.IN_PROGRESS: ["progress", "resolve"], State.REOPENED: ["progress", "resolve"],
                State.RESOLVED: ["rate", "reopen", "close"],
            }[state]))
        if action in ("accept", "dispute", "progress", "resolve"):
            role = w.run(lead_holder(w, request))
        elif action in ("classify", "assign_private"):
            role = "community"  # the grid worker's turn comes in `act`: only some of these requests are in its grids
        else:
            role = ALLOWED[action][0]
        w.tally["steps"]["advance"] += 1
        # Mostly good input; now and then bad input from the right role at the right time, where
        # a check that comes after a first change would show (the change must not survive).
        self._act(action, request, role, data, version="current", valid=data.draw(st.integers(0, 2)) != 2)

    @rule(request=requests, action=st.sampled_from(ACTIONS), version=VERSIONS, data=st.data())
    def act(self, request: int, action: str, version: str, data: st.DataObject) -> None:
        """Any action by anyone (half the time by a role that may take it), with arbitrary input."""
        role = data.draw(st.one_of(st.sampled_from(ALLOWED[action]), ANY_ROLE))
        self._act(action, request, role, data, version=version, valid=False)

    # -- one action and its checks ---------------------------------------------------------

    def before(self) -> dict[int, Snapshot]:
        """The requests as the invariant read them after the previous step: nothing else writes
        to this example's requests, so that is how they stand now."""
        assert sorted(self.seen) == sorted(self.ids)
        return self.seen

    def _act(self, action: str, request: int, role: str | None, data: st.DataObject, *, version: str, valid: bool) -> None:
        w = self.world
        before = self.before()
        v = {"none": None, "current": before[request].version, "stale": before[request].version - 1,
             "ahead": before[request].version + 1}[version]
        text = VALID_TEXT if valid else data.draw(TEXTS)
        changes = {request}
        fn: Callable[[Any, Any], Awaitable[Any]]
        if action == "triage":
            scope = data.draw(st.sampled_from(list(Scope)))
            sub = data.draw(st.sampled_from(w.subcategories if valid else [*w.subcategories, 10**6]))
            fn = lambda s, a: triage.triage(s, a, request, scope=scope, subcategory_id=sub, version=v, note="")  # noqa: E731
        elif action in ("dispatch", "redispatch", "decide"):
            units = w.units[:4] if valid else w.units
            lead = data.draw(st.sampled_from(units))
            co = data.draw(st.lists(st.sampled_from(units), max_size=0 if valid else 2))
            rule_fn = {"dispatch": dispatch_rules.dispatch, "redispatch": dispatch_rules.redispatch, "decide": dispatch_rules.decide}[action]
            fn = lambda s, a: rule_fn(s, a, request, lead=lead, co=co, version=v, note=text)  # noqa: E731
        elif action == "accept":
            fn = lambda s, a: dispatch_rules.accept(s, a, request, version=v, note=text)  # noqa: E731
        elif action == "dispute":
            fn = lambda s, a: dispatch_rules.dispute(s, a, request, reason=text, version=v)  # noqa: E731
        elif action == "escalate":
            fn = lambda s, a: dispatch_rules.escalate(s, a, request, joint_explanation=text, version=v)  # noqa: E731
        elif action == "classify":
            plan = data.draw(minor_plans(valid))
            fn = lambda s, a: triage.classify_minor(s, a, request, plan, version=v)  # noqa: E731
        elif action == "assign_private":
            kind, unit_kind, unit_id, label = data.draw(private_assignments(w, valid))
            fn = lambda s, a: triage.assign_private(s, a, request, kind=kind, unit_kind=unit_kind, unit_id=unit_id,  # noqa: E731
                                                    assignee_label=label, version=v)
        elif action == "progress":
            fn = lambda s, a: handling.report_progress(s, a, request, note=text, version=v)  # noqa: E731
        elif action == "resolve":
            fn = lambda s, a: handling.resolve(s, a, request, resolution=text, version=v)  # noqa: E731
        elif action == "close":
            fn = lambda s, a: handling.close(s, a, request, note=text, version=v)  # noqa: E731
        elif action == "reopen":
            fn = lambda s, a: handling.reopen(s, a, request, reason=text, version=v)  # noqa: E731
        elif action == "reject":
            fn = lambda s, a: triage.reject(s, a, request, reason=text, version=v)  # noqa: E731
        elif action == "merge":
            into = data.draw(st.sampled_from(self.ids))
            changes.add(into)
            fn = lambda s, a: triage.merge(s, a, request, into, version=v, note=text)  # noqa: E731
        elif action == "rate":
            rating = data.draw(st.sampled_from(list(Rating)))
            by_code = valid or data.draw(st.booleans())
            code = before[request].tracking_code
            fn = lambda s, a: feedback.rate(s, a, rating=rating, comment=text or None,  # noqa: E731
                                            tracking_code=code if by_code else None, request_id=None if by_code else request)
        else:  # pragma: no cover
            raise AssertionError(action)

        w.tally["steps"][action] += 1
        try:
            w.run(w.unit(role, fn))
        except DomainError as exc:
            # Refused: a domain error, and nothing changed — no state, version or event anywhere.
            w.tally["refused"][exc.code] += 1
            after = w.run(snapshot(w.app, self.marker))
            assert after == before, f"{action} by {role} was refused ({exc.code}) but changed something"
            return
        after = w.run(snapshot(w.app, self.marker))
        w.tally["accepted"][action] += 1
        assert set(after) == set(before), "an action created or lost a request"
        assert after[request].version > before[request].version, f"{action} by {role} changed nothing"
        for rid, snap in after.items():
            if rid not in changes:
                assert snap == before[rid], f"{action} on {request} changed request {rid}"
            else:
                assert snap.version >= before[rid].version
        w.tally["states"][after[request].state] += 1

    # -- the invariants ----------------------------------------------------------------------

    @invariant()
    def every_request_is_consistent_with_its_log(self) -> None:
        w = self.world
        now = w.run(snapshot(w.app, self.marker))
        # No request lost or duplicated: exactly the ones submitted, each once.
        assert sorted(now) == sorted(self.ids), (sorted(now), sorted(self.ids))
        for rid, snap in now.items():
            events = snap.events
            assert events, f"request {rid} has no events"
            assert State(snap.state) and snap.state == events[-1][4], f"request {rid} is {snap.state}, its log says {events[-1][4]}"
            assert [e[5] for e in events] == list(range(1, snap.version + 1)), f"request {rid}: versions {[e[5] for e in events]} for version {snap.version}"
            assert events[0][2] == "SUBMITTED" and events[0][3] is None
            # Only requests past triage hold assignments: a unit's queue walks the open requests
            # in hand, not the untriaged backlog (db/models/requests.py IN_HAND_STATES).
            if snap.assignments:
                assert snap.state not in (State.SUBMITTED.value, State.TRIAGED.value), f"request {rid}: {snap.state} with assignments"
            for earlier, later in zip(events, events[1:]):
                assert later[3] == earlier[4], f"request {rid}: {later[2]} from {later[3]} after an event to {earlier[4]}"
                assert later[1] > earlier[1]
            # Append-only: what was in the log stays exactly as it was.
            previous = self.seen.get(rid)
            if previous is not None:
                assert events[:len(previous.events)] == previous.events, f"request {rid}: earlier events changed"
                assert snap.version >= previous.version
        self.seen = now
        # A retried submission never made a second request: each key names one of ours.
        if self.keys:
            w.run(_check_keys(w, self.keys))


async def _scope_of(world: World, request_id: int) -> str:
    async with world.app.state.db.read() as conn:
        return (await conn.execute(select(Request.scope).where(Request.id == request_id))).scalar_one()


async def _dispatch_rounds(world: World, request_id: int) -> int:
    async with world.app.state.db.read() as conn:
        return (await conn.execute(select(func.max(Assignment.round)).where(Assignment.request_id == request_id))).scalar() or 0


async def _check_keys(world: World, keys: dict[tuple[int, str], int]) -> None:
    """Each (reporter, key) stored once, naming the request its first submission made."""
    async with world.app.state.db.read() as conn:
        for key in {k for _, k in keys}:
            stored = sorted((await conn.execute(select(IdempotencyKey.request_id).where(IdempotencyKey.key.endswith(":" + key)))).scalars())
            assert stored == sorted(rid for (_, k), rid in keys.items() if k == key), (key, stored, keys)


@st.composite
def minor_plans(draw: st.DrawFn, valid: bool) -> triage.MinorPlan:
    tier = draw(st.sampled_from(list(Tier)))
    future = datetime.now(timezone.utc) + timedelta(days=3)
    if valid:
        return triage.MinorPlan(tier=tier, assignee_name="王芳", assignee_title="社区主任", assignee_phone="13800001234",
                                deadline=future, work_plan="每周巡检一次", progress_interval_days=7)
    return triage.MinorPlan(
        tier=tier,
        assignee_name=draw(st.sampled_from([None, "", "王芳"])),
        assignee_title=draw(st.sampled_from([None, "社区主任"])),
        assignee_phone=draw(st.sampled_from([None, "12", "13800001234"])),
        deadline=draw(st.sampled_from([None, future, future - timedelta(days=10), future.replace(tzinfo=None)])),
        work_plan=draw(st.sampled_from([None, "", "每周巡检一次"])),
        progress_interval_days=draw(st.sampled_from([None, 0, 7, 32])),
    )


@st.composite
def private_assignments(draw: st.DrawFn, world: World, valid: bool) -> tuple[PrivateKind, UnitKind, int | None, str]:
    options = [
        (PrivateKind.MEDIATION, UnitKind.GRID, None, ""),
        (PrivateKind.MEDIATION, UnitKind.PEACEMAKER, None, "老李调解员"),
        (PrivateKind.RESOURCE, UnitKind.VOLUNTEER_TEAM, None, "福泰志愿服务队"),
        (PrivateKind.RESOURCE, UnitKind.SOCIAL_ORG, world.organisation, ""),
    ]
    if not valid:
        options += [(PrivateKind.RESOURCE, UnitKind.VOLUNTEER_TEAM, world.foreign_team, ""), (PrivateKind.RESOURCE, UnitKind.GRID, None, ""), (PrivateKind.MEDIATION, UnitKind.PEACEMAKER, None, ""),
                    (PrivateKind.RESOURCE, UnitKind.SOCIAL_ORG, 10**6, ""), (PrivateKind.MEDIATION, UnitKind.DEPARTMENT, 1, "x")]
    return draw(st.sampled_from(options))


SETTINGS = settings(max_examples=MAX_EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], print_blob=False)


async def test_any_sequence_of_actions_by_any_roles_keeps_the_invariants(app: Any, tokens: dict[str, str]) -> None:
    world = await build_world(app, tokens)
    machine = type("RequestLoopMachine", (RequestLoop,), {"world": world, "examples": 0})
    # Hypothesis drives the walk from a thread; each step's coroutines run here, on this loop.
    await asyncio.to_thread(run_state_machine_as_test, machine, settings=SETTINGS)
    t = world.tally
    print(f"\nstate machine: {t['steps']['examples']} examples, {sum(t['accepted'].values()) + sum(t['refused'].values())} actions")
    print("  accepted: " + ", ".join(f"{k}={n}" for k, n in sorted(t["accepted"].items())))
    print("  refused: " + ", ".join(f"{k}={n}" for k, n in t["refused"].most_common()))
    print("  states reached: " + ", ".join(f"{k}={n}" for k, n in sorted(t["states"].items())))
    # The walk went deep, not only round the first steps.
    assert {"DISPATCHED", "ACCEPTED", "RESOLVED", "DISPUTED"} <= set(t["states"]), t["states"]
    assert t["refused"] and sum(t["accepted"].values()) > 100
