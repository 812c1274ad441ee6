"""Fuzzing the GraphQL endpoint (schemathesis): every query and mutation of the live schema gets
generated operations — valid ones with arbitrary argument values, and invalid ones — anonymously
and as signed-in staff. No answer may be a server error: no 5xx, no GraphQL error with code
INTERNAL_SERVER_ERROR, and — because a masked internal error still answers 200 — no ERROR record
in the server's log during the run.

Mutations are fuzzed too, so the server runs in its own process on a scratch database (migrated
and seeded like `make run`), never the session's shared one. The run is bounded and reproducible:
a fixed number of examples per operation, derandomized.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import schemathesis
from schemathesis.generation import GenerationMode
from schemathesis.graphql import nodes

from schema.ids import from_global_id, to_global_id
from tests.conftest import BACKEND, _pg_admin, _postgres_admin_url, free_port

pytestmark = pytest.mark.filterwarnings(
    # See tests/test_ranking_properties.py: objects frozen by schema/gc_policy hide hypothesis's
    # own Random from gc.get_referrers(), so its register_random check raises a false alarm.
    "ignore:It looks like `register_random` was passed an object:hypothesis.errors.HypothesisWarning"
)

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = uuid.uuid4().hex[:10]
# Generated operations per root field and role: valid documents with arbitrary values, and
# documents the schema must refuse (wrong types, missing arguments).
POSITIVE_PER_FIELD = 3
NEGATIVE_PER_FIELD = 1
# Who sends them: None is an anonymous resident; the others are demo logins (password "demo").
ROLES = (None, "dispatcher", "admin")
# A bound on the wall clock as well (the run takes about 30–45 s here): on a machine so slow that
# the fuzzing would pass this, it stops early and says where, rather than stretch CI.
BUDGET_SECONDS = 90
GQL_RESPONSE = "application/graphql-response+json"

# The schema's own scalars (schemathesis knows Date and DateTime): an amount of yuan — decimal
# strings of every shape, edge cases first (no exponent too large, no float) — and a file upload,
# which over JSON can only arrive as some other value.
YUAN_EDGES = ["0", "-1", "0.001", "1E+999999", "-9E+999998", "1E-999999", "NaN", "Infinity", " 12.50 ", "1e2", "100000000.01"]
schemathesis.graphql.scalar("Yuan", st.one_of(
    st.sampled_from(YUAN_EDGES).map(nodes.String),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**12, max_value=10**12).map(str).map(nodes.String),
    st.text(max_size=12).map(nodes.String),
    st.integers().map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
))
# Strings: hypothesis's own (short, any characters, NUL included), and text just past the
# lengths columns are declared with — SQLite ignores VARCHAR(n), PostgreSQL refuses the row.
LONG_TEXT = st.builds(lambda ch, n: ch * n, st.sampled_from(["长", "a"]), st.sampled_from([17, 21, 33, 65, 101, 129, 201, 257, 501, 1001, 2001, 4001]))
schemathesis.graphql.scalar("String", st.one_of(st.text(max_size=30), LONG_TEXT).map(nodes.String))
schemathesis.graphql.scalar("Upload", st.one_of(st.text(max_size=20).map(nodes.String), st.integers().map(nodes.Int)))


def register_ids(type_names: list[str]) -> None:
    """IDs that reach the resolvers: global IDs of real rows of every node type (the seeded pks
    start at 1), of rows that cannot exist (0, negative, beyond any integer column), and junk."""
    pks = st.one_of(st.integers(1, 60), st.sampled_from([0, -1, 2**31, 2**63, 10**30]))
    schemathesis.graphql.scalar("ID", st.one_of(
        st.builds(to_global_id, st.sampled_from(sorted(type_names)), pks).map(nodes.String),
        st.text(max_size=24).map(nodes.String),
        st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
    ))


# The server's log: one record a line, its level first, so an ERROR is found by its prefix.
LOG_PREFIX = "@@"


def _log_config(path: Path) -> dict[str, Any]:
    """A file handler of our own on the root logger, which every logger (uvicorn's included)
    propagates to; the app may add its own handlers and formats beside it, this one stays."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": f"{LOG_PREFIX} %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"file": {"class": "logging.FileHandler", "filename": str(path), "formatter": "plain", "encoding": "utf-8"}},
        "root": {"level": "INFO", "handlers": ["file"]},
    }


def error_records(text: str) -> list[str]:
    """The ERROR and CRITICAL records of the log, each with the traceback lines that follow it."""
    records: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(LOG_PREFIX + " "):
            if current is not None:
                records.append("\n".join(current))
            level = line.split(" ", 2)[1]
            current = [line] if level in ("ERROR", "CRITICAL") else None
        elif current is not None:
            current.append(line)
    if current is not None:
        records.append("\n".join(current))
    return records


# Units a request is dispatched to, and the names of ID arguments that do not name their type.
UNIT_TYPES = ("Department", "Street", "StreetSection")
ID_ALIASES = {
    "into": ("Request",), "actor": ("User",), "leader": ("User", "Resident"), "member": ("Volunteer",),
    "defaultDepartment": ("Department",), "unit": (*UNIT_TYPES, "VolunteerTeam", "SocialOrganisation"),
    "lead": UNIT_TYPES, "coHandlers": UNIT_TYPES, "staffAccount": ("User",), "renameUnit": UNIT_TYPES, "setUnitActive": UNIT_TYPES,
}


def _id_targets(names: list[str], root_field: str, type_names: list[str]) -> tuple[str, ...]:
    """The node types an ID argument or input field probably means, from its name and place."""
    key = names[-1] if names else "id"
    if key in ("id", "ids"):
        for outer in reversed(names[:-1]):
            if outer in ID_ALIASES:
                return ID_ALIASES[outer]
        if root_field in ID_ALIASES:
            return ID_ALIASES[root_field]
        found = [t for t in type_names if t.lower() in root_field.lower()]
        return (max(found, key=len),) if found else ()
    stem = key[:-3] if key.endswith("Ids") else key[:-2] if key.endswith("Id") else ""
    if not stem:
        return ()
    if stem in ID_ALIASES:
        return ID_ALIASES[stem]
    for match in (lambda t: t.lower() == stem.lower(), lambda t: t.lower().endswith(stem.lower()), lambda t: stem.lower() in t.lower()):
        found = tuple(t for t in type_names if match(t))
        if found:
            return found
    return ()


def aim_ids(body: str, root_field: str, type_names: list[str]) -> str:
    """Point most generated global IDs at the type their argument expects, keeping the pk.

    Drawn blindly, an ID is of the right type one time in thirty, and the resolvers behind the
    type check would go unfuzzed. The choice depends only on the document, so the run stays
    reproducible; one ID in five keeps its drawn type (a wrong type must be refused cleanly too).
    """
    import zlib

    import graphql
    from graphql.language import ArgumentNode, ObjectFieldNode, StringValueNode, Visitor, visit

    known = set(type_names)

    class Aim(Visitor):
        def enter_string_value(self, node: Any, key: Any, parent: Any, path: Any, ancestors: Any) -> Any:
            try:
                type_name, pk = from_global_id(node.value)
            except Exception:  # noqa: BLE001 — not a global ID: junk stays junk
                return None
            digest = zlib.crc32(node.value.encode())
            if type_name not in known or digest % 5 == 0:
                return None
            names = [n.name.value for n in [*ancestors, parent] if isinstance(n, (ArgumentNode, ObjectFieldNode))]
            targets = _id_targets(names, root_field, type_names)
            if not targets:
                return None
            return StringValueNode(value=to_global_id(targets[digest % len(targets)], pk))

    return graphql.print_ast(visit(graphql.parse(body), Aim()))


class FuzzServer:
    """The app under uvicorn on a scratch database of its own: migrated, demo-seeded, logged to a file."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp  # pytest's own temporary directory: kept for the last few runs, then removed
        self.log_path = self.tmp / "server.log"
        self.pg_name: str | None = None
        if BACKEND == "postgres":
            self.pg_name = f"ehy_fuzz_{RUN_ID}"
            _in_thread(_pg_admin(f'CREATE DATABASE "{self.pg_name}"'))
            database_url = _postgres_admin_url().rsplit("/", 1)[0] + f"/{self.pg_name}"
        else:
            database_url = f"sqlite+aiosqlite:///{self.tmp / 'fuzz.sqlite3'}"
        broadcast = os.environ["TEST_REDIS_URL"] if BACKEND == "postgres" and os.environ.get("TEST_REDIS_URL") else "memory://"
        self.env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": database_url,
            "BROADCAST_URL": broadcast,
            "CHANNEL_PREFIX": f"ehy-fuzz-{RUN_ID}:",
            "SECRET_KEY": "fuzz-secret-" + RUN_ID,
            "DEMO": "1",
            # A few generated requests, so that lists, reports and request fields have rows to read.
            "DEMO_REQUESTS": "60",
            "VAR_DIR": str(self.tmp),
            "PHOTO_DIR": str(self.tmp / "photos"),
            "QR_LIMIT_PER_CLIENT": "100000",
            "PYTHONUNBUFFERED": "1",
        }
        self.proc: subprocess.Popen | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        setup = subprocess.run([sys.executable, "-m", "db.manage", "setup"], cwd=ROOT, env=self.env,
                               capture_output=True, text=True, timeout=300)
        assert setup.returncode == 0, f"db.manage setup failed:\n{setup.stdout}\n{setup.stderr[-3000:]}"
        config = self.tmp / "logging.json"
        config.write_text(json.dumps(_log_config(self.log_path)))
        self.console = (self.tmp / "console.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-config", str(config), "--no-access-log"],
            cwd=ROOT, env=self.env, stdout=self.console, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("fuzz server exited: " + self.log_text()[-3000:] + (self.tmp / "console.log").read_text()[-3000:])
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("fuzz server did not start: " + self.log_text()[-3000:])

    def log_text(self) -> str:
        return self.log_since(0)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        if self.pg_name:
            _in_thread(_pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))


def _in_thread(coro: Any) -> None:
    """Run a coroutine to completion on its own loop, whatever loop the test session runs."""
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 — re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    server = FuzzServer(tmp_path_factory.mktemp("fuzz"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@dataclass
class Tally:
    """What the fuzzer sent and what came back."""

    operations: int = 0
    by_role: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    signed_out: dict[str, str] = field(default_factory=dict)
    fields: Counter = field(default_factory=Counter)  # root fields fuzzed, per role
    cut_short: str = ""

    def report(self) -> str:
        lines = [f"fuzzing: {self.operations} generated operations",
                 "  by role: " + ", ".join(f"{r}={n}" for r, n in sorted(self.by_role.items())),
                 "  responses by status: " + ", ".join(f"{s}={n}" for s, n in sorted(self.statuses.items())),
                 "  GraphQL errors by code: " + ", ".join(f"{c}={n}" for c, n in self.codes.most_common()),
                 f"  server errors found: {len(self.findings)}"]
        lines.insert(1, "  root fields fuzzed per role: " + ", ".join(f"{r}={n}" for r, n in sorted(self.fields.items())))
        lines += [f"  {role} was signed out for good at {label}" for role, label in self.signed_out.items()]
        if self.cut_short:
            lines.append(f"  stopped by the {BUDGET_SECONDS} s budget at {self.cut_short}")
        return "\n".join(lines)


# Mutations that can end the fuzzer's own session (its token revoked, its password or username
# changed, its account disabled): fuzzed last, so that what comes before runs signed in.
SESSION_ENDING = {"changeMyPassword", "renameUser", "disableUser", "resetUserPassword", "revokeUserTokens", "changeUserRole"}


def login(client: httpx.Client, username: str) -> str | None:
    response = client.post("/graphql", json={"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                                             "variables": {"i": {"username": username, "password": "demo"}}})
    body = response.json()
    return None if body.get("errors") else body["data"]["login"]["token"]


def fuzz_role(schema: Any, client: httpx.Client, role: str | None, tally: Tally, server: FuzzServer, type_names: list[str],
              deadline: float) -> None:
    token = login(client, role) if role else None
    assert token or not role, f"{role} cannot sign in"

    def send(case: Any) -> None:
        nonlocal token
        headers = {"accept": GQL_RESPONSE}
        if token:
            headers["authorization"] = f"Bearer {token}"
        log_before = server.log_size()
        query = aim_ids(case.body, case.operation.definition.field_name, type_names)
        response = client.post("/graphql", json={"query": query}, headers=headers)
        tally.operations += 1
        tally.by_role[role or "anonymous"] += 1
        tally.statuses[response.status_code] += 1
        problems: list[str] = []
        if response.status_code >= 500:
            problems.append(f"HTTP {response.status_code}: {response.text[:500]}")
        try:
            body = response.json()
        except ValueError:
            body = {}
            problems.append(f"not JSON: {response.text[:300]}")
        for error in (body.get("errors") or []) if isinstance(body, dict) else []:
            code = (error.get("extensions") or {}).get("code", "<none>")
            tally.codes[code] += 1
            if code == "INTERNAL_SERVER_ERROR" or code == "<none>":
                problems.append(f"{code} at {error.get('path')}")
        logged = error_records(server.log_since(log_before))
        problems += logged
        if problems:
            tally.findings.append(f"[{role or 'anonymous'}] {case.operation.label}\n{query}\n" + "\n".join(problems))
        if role and token and response.status_code == 401:
            # A fuzzed mutation signed this session out: sign in again; if the account itself was
            # changed (password, name, disabled), the rest of this role's run is anonymous.
            token = login(client, role)
            if token is None:
                tally.signed_out[role] = case.operation.label

    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: op.definition.field_name in SESSION_ENDING)
    for operation in operations:
        if time.monotonic() > deadline:
            tally.cut_short = f"{role or 'anonymous'}: {operation.label}"
            return
        tally.fields[role or "anonymous"] += 1
        for mode, examples in ((GenerationMode.POSITIVE, POSITIVE_PER_FIELD), (GenerationMode.NEGATIVE, NEGATIVE_PER_FIELD)):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=examples, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck), print_blob=False)
            @given(case=strategy)
            def run(case: Any) -> None:
                send(case)

            run()


def test_fuzzing_the_graphql_endpoint_finds_no_server_error(fuzz_server: FuzzServer) -> None:
    schema = schemathesis.graphql.from_url(fuzz_server.url + "/graphql")
    client_schema = schema.client_schema
    type_names = [t.name for t in client_schema.get_possible_types(client_schema.get_type("Node"))] + ["MeetingParticipant"]
    register_ids(type_names)
    tally = Tally()
    deadline = time.monotonic() + BUDGET_SECONDS
    with httpx.Client(base_url=fuzz_server.url, timeout=30.0) as client:
        for role in ROLES:
            fuzz_role(schema, client, role, tally, fuzz_server, type_names, deadline)
    print(tally.report())
    # Anything logged at ERROR outside a request (workers, shutdown of nothing yet) counts too.
    findings_file = fuzz_server.tmp / "findings.txt"
    findings_file.write_text("\n\n".join(tally.findings), encoding="utf-8")
    summary = sorted({f.splitlines()[0] + " → " + f.strip().splitlines()[-1] for f in tally.findings})
    assert not tally.findings, (tally.report() + "\n" + "\n".join(summary) + f"\n\n(every query and traceback: {findings_file})\n\n"
                                + "\n\n".join(tally.findings[:3]))
    log = fuzz_server.log_text()
    assert not error_records(log), log[-5000:]
    # The capture is live (the server's own start-up record reached it), so "no ERROR" means none.
    assert f"{LOG_PREFIX} INFO uvicorn.error: Application startup complete" in log, log[:2000]
    # Every query and mutation was fuzzed for every role (unless the time budget stopped the run).
    fields = len(client_schema.query_type.fields) + len(client_schema.mutation_type.fields)
    assert tally.cut_short or set(tally.fields.values()) == {fields}, tally.report()
    assert tally.operations >= min(tally.fields.values()) * (POSITIVE_PER_FIELD + NEGATIVE_PER_FIELD)


def test_error_records_are_read_with_their_tracebacks() -> None:
    log = (f"{LOG_PREFIX} INFO uvicorn.error: Application startup complete.\n"
           f"{LOG_PREFIX} ERROR ehuying.errors: internal error at ['x']\nTraceback (most recent call last):\n  boom\n"
           f"{LOG_PREFIX} WARNING ehuying.http: slow\n{LOG_PREFIX} CRITICAL ehuying: down\n")
    assert error_records(log) == [
        f"{LOG_PREFIX} ERROR ehuying.errors: internal error at ['x']\nTraceback (most recent call last):\n  boom",
        f"{LOG_PREFIX} CRITICAL ehuying: down",
    ]


# Found by this fuzzer: a well-formed global ID whose number no INTEGER column can hold reached the
# database and overflowed there (SQLite: "Python int too large to convert to SQLite INTEGER";
# PostgreSQL: int4 out of range): a masked INTERNAL_SERVER_ERROR instead of a refusal.
@pytest.mark.parametrize("pk", [2**31, 2**63, 10**30, 0, -1])
async def test_an_id_number_no_row_can_have_is_bad_input_not_an_internal_error(gql: Any, tokens: dict[str, str], pk: int) -> None:
    meeting = to_global_id("Meeting", pk)
    body = await gql.post("mutation($i: HoldMeetingInput!) { holdMeeting(input: $i) { meeting { id } } }",
                          {"i": {"meetingId": meeting}}, token=tokens["community"])
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    body = await gql.post("query($id: ID!) { request(id: $id) { id } }", {"id": to_global_id("Request", pk)}, token=tokens["dispatcher"])
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    item = to_global_id("CatalogueItem", pk)
    body = await gql.post("mutation($i: UpdateCatalogueItemInput!) { updateCatalogueItem(input: $i) { item { id } } }",
                          {"i": {"id": item, "name": "x"}}, token=tokens["community"])
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body


# Found with this fuzzer's edge values for the Yuan scalar: "1E+999999" is a finite decimal, but
# converting it to fen (× 100) overflowed the decimal context — decimal.Overflow, which is not an
# InvalidOperation, escaped as a masked INTERNAL_SERVER_ERROR.
@pytest.mark.parametrize("amount", ["1E+999999", "-9E+999998"])
async def test_an_amount_beyond_the_decimal_range_is_bad_input(gql: Any, tokens: dict[str, str], amount: str) -> None:
    body = await gql.post("mutation($i: SetFundBudgetInput!) { setFundBudget(input: $i) { fund { id } } }",
                          {"i": {"kind": "SPECIAL_FUND", "year": 2099, "budget": amount}}, token=tokens["admin"])
    assert [(e["extensions"]["code"], e["extensions"].get("field")) for e in body["errors"]] == [("BAD_USER_INPUT", "budget")], body


# Found by this fuzzer on PostgreSQL: a NUL (U+0000) in a string argument — `login(username:)`,
# `requestByTrackingCode(code:)` — made PostgreSQL refuse the query itself ("invalid byte sequence
# for encoding UTF8: 0x00"), a masked INTERNAL_SERVER_ERROR; SQLite stored such text. Now any
# NUL, in a variable or in a literal (raw or escaped), is BAD_USER_INPUT on both backends.
NUL_CASES = [
    ("mutation($i: LoginInput!) { login(input: $i) { token } }", {"i": {"username": "\x00批K", "password": "demo"}}),
    ('mutation { login(input: {username: "dispatcher\\u0000", password: "demo"}) { token } }', None),
    ("query($c: String!) { requestByTrackingCode(code: $c) { trackingCode } }", {"c": "\x00批K"}),
    ('{ requestByTrackingCode(code: "ZF\\u{0}") { trackingCode } }', None),
    ('{ requestByTrackingCode(code: "ZF\x00") { trackingCode } }', None),
]


@pytest.mark.parametrize(("query", "variables"), NUL_CASES)
async def test_text_with_a_nul_character_is_bad_input(gql: Any, query: str, variables: dict | None) -> None:
    body = await gql.post(query, variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert body.get("data") is None


async def test_a_nul_in_submitted_text_stores_nothing(gql: Any, db: Any) -> None:
    from sqlalchemy import func, select

    from db.models import Request
    from tests.loop_helpers import qr_token_in

    marker = f"fuzz-nul-{RUN_ID}"
    body = await gql.post("mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }",
                          {"i": {"qrToken": await qr_token_in(db, "胜利路社区", 77), "text": f"{marker}\x00楼道灯坏了"}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(Request).where(Request.text.contains(marker)))).scalar_one() == 0


async def test_a_nul_over_websocket_is_bad_input_too(live_server: Any, tokens: dict[str, str]) -> None:
    import websockets

    ws = await websockets.connect(live_server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=30)
    try:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {tokens['dispatcher']}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "query($c: String!) { requestByTrackingCode(code: $c) { trackingCode } }", "variables": {"c": "ZF\x00"}}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors")
        assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], message
    finally:
        await ws.close()
