"""Memory soak (a script, not a test): one server process of ours under a steady, realistic mixed
load for --minutes, its memory sampled all along, so we can say whether RSS stays bounded (#10).

    .venv/bin/python bench/soak.py --template ehy_bench_235000 --minutes 60 --rate 30 --subscribers 50
    .venv/bin/python bench/soak.py --template ehy_bench_235000 --minutes 3 --rate 30 --subscribers 20 --keep

Database: CREATE DATABASE ehy_soak_<timestamp> TEMPLATE <template> (which must have no other
connections), dropped at the end unless --keep. Server: one .venv/bin/uvicorn app:app with
http_bench.py's env for "ours" (memory:// broadcast) but the overdue sweep at its default period.

Load, open loop at --rate operations/s (a tick finding --inflight busy is skipped, not queued),
drawn by weight, with http_bench.py's bodies: wall (rotating grid filters) 30 %, the console's
WallInit (first 30, rotating grid filter) 8 %, one_request 15 %, node 10 %, unit_queue 4 %,
org_tree 5 %, ranking 3 % (if there is a survey year), submitRequest as `grid` 15 %, triage
(MAJOR) + the console's dispatchRequest of a request the soak submitted 10 %. --subscribers
WebSockets on the dispatcher's wall (subscribers.py's requestCreated); every minute a tenth are
closed, alternately with a close frame and abruptly, and as many opened.

Every --sample-seconds: the server's VmRSS, VmHWM, threads, fds, CPU (/proc/<pid>), PostgreSQL
connections, and per operation ops, errors (HTTP != 200 or "errors"), skipped ticks, p50/p99. A
line a minute on stderr; at the end a Markdown summary on stdout and bench/results/soak-<UTC
timestamp>.json (the server's log beside it). Ctrl-C or SIGTERM ends the load early and still
reports (twice: no report); the server and the database go either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).parent))
import http_bench as hb
import subscribers as subs

HZ = os.sysconf("SC_CLK_TCK")
MIX = {"wall": 30, "wall_console": 8, "one_request": 15, "node": 10, "unit_queue": 4, "org_tree": 5, "ranking": 3,
       "submit": 15, "dispatch": 10}
KINDS = [*MIX, "triage"]  # a dispatch operation sends triage, then dispatch: each timed on its own
MARKS = (1, 5, 10, 20, 30, 45, 60)


class Tally:
    """Ops, errors, skipped ticks and latencies per kind: one for the sample's window, one for the run."""

    def __init__(self) -> None:
        self.ops, self.errors, self.skipped = Counter(), Counter(), Counter()
        self.lat: dict[str, list[float]] = {k: [] for k in KINDS}

    def add(self, kind: str, ms: float | None = None, error: bool = False, skipped: bool = False) -> None:
        if ms is not None:
            self.ops[kind] += 1
            self.lat[kind].append(ms)
        self.errors[kind] += error
        self.skipped[kind] += skipped


class Sub(subs.Sub):
    """subscribers.py's lean client, counting deliveries instead of keeping them (an hour of them
    would be a leak of our own)."""

    received = 0

    def on_message(self, msg: dict, now: float) -> None:
        if msg.get("type") != "next":
            return super().on_message(msg, now)
        ok = (msg["payload"].get("data") or {}).get(self.field) is not None
        self.received += ok
        self.errors += [] if ok else [msg["payload"].get("errors")]

    def close(self, graceful: bool) -> None:
        if graceful and not self.transport.is_closing():
            self.send({"id": "s", "type": "complete"})
            self.transport.write(b"\x88\x82\0\0\0\0\x03\xe8")  # close 1000, masked with zeros
            self.transport.close()
        else:
            self.transport.abort()  # a vanished browser: no close frame


def proc_stats(pid: int) -> dict:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return {"rss_mib": round(int(status["VmRSS"].split()[0]) / 1024, 2), "hwm_mib": round(int(status["VmHWM"].split()[0]) / 1024, 2),
            "threads": int(status["Threads"]), "fds": len(os.listdir(f"/proc/{pid}/fd")), "cpu_s": (int(stat[11]) + int(stat[12])) / HZ}


def pcts(values: list[float]) -> tuple[float | None, float | None]:
    values = sorted(values)
    return (round(subs.pct(values, 50), 2), round(subs.pct(values, 99), 2)) if values else (None, None)


def slope_mib_per_hour(samples: list[dict]) -> float | None:
    """Least-squares slope of RSS over time, in MiB/hour."""
    if len(samples) < 3:
        return None
    return round(statistics.linear_regression([s["t"] for s in samples], [s["rss_mib"] for s in samples]).slope * 3600, 2)


class Soak:
    def __init__(self, args: argparse.Namespace, server: hb.Server, facts: hb.Facts, run_id: str) -> None:
        self.args, self.server, self.facts = args, server, facts
        self.docs = hb.console_documents()
        self.mix = {k: w for k, w in MIX.items() if k != "ranking" or facts.year is not None}
        self.bodies: dict[str, list[str]] = {}
        for q in set(self.mix) & set(hb.OURS_USER):
            loads = hb.loads_for(server, q, facts, self.docs, 1000)
            self.bodies[q] = (loads["rotating"] if isinstance(loads["rotating"], hb.Load) else loads["identical"]).bodies
        self.submit_bodies = hb.submit_bodies(facts, run_id)
        self.rng, self.turn = random.Random(args.seed), Counter()
        self.pending: deque[str] = deque(maxlen=1000)  # submitted by us, not yet dispatched
        self.window, self.total, self.reasons = Tally(), Tally(), Counter()
        self.inflight: set[asyncio.Task] = set()
        self.subs: list[Sub] = []
        self.sub_stats: Counter[str] = Counter()
        self.samples: list[dict] = []
        self.stop = asyncio.Event()

    async def call(self, kind: str, raw: str) -> dict | None:
        user = hb.OURS_USER.get(kind) or ("grid" if kind == "submit" else "dispatcher")
        t0 = time.perf_counter()
        try:
            r = await self.client.post("/graphql", content=raw.encode(),
                                       headers={"content-type": "application/json", **self.server.headers(user)})
            answer = r.json()
            why = (f"HTTP {r.status_code}" if r.status_code != 200 else
                   json.dumps(answer["errors"], ensure_ascii=False)[:200] if answer.get("errors") else "")
        except (httpx.HTTPError, ValueError) as exc:
            answer, why = {}, f"{type(exc).__name__}: {exc}"[:200]
        for t in (self.window, self.total):
            t.add(kind, (time.perf_counter() - t0) * 1000, error=bool(why))
        if why:
            self.reasons[f"{kind}: {why}"] += 1
        return None if why else answer["data"]

    async def op(self, kind: str) -> None:
        try:
            if kind == "dispatch" and not self.pending:
                kind = "submit"  # nothing of ours to dispatch yet: keep the rate
            if kind == "submit":
                # Numbered for the whole run: a repeated idempotencyKey would be a replay, not a submit.
                n = self.turn["submit"] = self.turn["submit"] + 1
                if data := await self.call("submit", self.submit_bodies[n % len(self.submit_bodies)].replace("__SEQ__", f"s{n}")):
                    self.pending.append(data["submitRequest"]["request"]["id"])
                    self.sub_stats["expected"] += sum(s.closed is None for s in self.subs)
            elif kind == "dispatch":
                rid = self.pending.popleft()
                tri = await self.call("triage", hb.body(hb.TRIAGE_DOC, {"i": {
                    "id": rid, "scope": "MAJOR", "subcategoryId": hb.gid("Subcategory", self.facts.subcategory)}}))
                if tri:
                    await self.call("dispatch", hb.body(self.docs["dispatch"], {"i": {
                        "id": rid, "lead": {"id": hb.gid("Department", self.facts.dept)}, "coHandlers": [],
                        "version": tri["triageRequest"]["request"]["version"], "note": ""}}))
            else:
                self.turn[kind] += 1
                await self.call(kind, self.bodies[kind][self.turn[kind] % len(self.bodies[kind])])
        except Exception as exc:  # noqa: BLE001 — a bug of ours must show in the report, not end the run
            self.reasons[f"{kind}: {type(exc).__name__}: {exc}"[:200]] += 1
            for t in (self.window, self.total):
                t.add(kind, error=True)

    async def drive(self, seconds: float) -> None:
        """Ticks on an absolute schedule: a slow server shows as latency and skipped ticks, never as
        a lower offered rate."""
        loop = asyncio.get_running_loop()
        start, kinds, weights, i = loop.time(), list(self.mix), list(self.mix.values()), 0
        while not self.stop.is_set() and i / self.args.rate < seconds:
            await asyncio.sleep(start + i / self.args.rate - loop.time())
            kind, i = self.rng.choices(kinds, weights)[0], i + 1
            if len(self.inflight) >= self.args.inflight:
                for t in (self.window, self.total):
                    t.add(kind, skipped=True)
                continue
            task = asyncio.create_task(self.op(kind))
            self.inflight.add(task)
            task.add_done_callback(self.inflight.discard)
        if self.inflight:
            for task in (await asyncio.wait(self.inflight, timeout=30))[1]:
                task.cancel()

    async def open_sub(self) -> None:
        loop, port, sub = asyncio.get_running_loop(), self.server.port, None
        try:
            _, sub = await asyncio.wait_for(loop.create_connection(lambda: Sub(
                0, f"127.0.0.1:{port}", self.server.tokens["dispatcher"], subs.WALL, {}, False, False), "127.0.0.1", port), 30)
            await asyncio.wait_for(sub.ready, 30)
            self.subs.append(sub)
            self.sub_stats["opened"] += 1
        except (TimeoutError, OSError, RuntimeError) as exc:
            if sub is not None:
                sub.transport.abort()
            self.sub_stats["open_failed"] += 1
            self.reasons[f"subscriber: {type(exc).__name__}: {exc}"[:200]] += 1

    def close_sub(self, sub: Sub, graceful: bool) -> str:
        self.subs.remove(sub)
        self.sub_stats["received_closed"] += sub.received
        self.sub_stats["error_messages"] += len(sub.errors)
        if sub.closed is not None:
            return "closed_by_server"
        sub.close(graceful)
        return "churned_graceful" if graceful else "churned_abrupt"

    async def churn(self) -> None:
        """Connection churn is a classic leak source: every minute a tenth go, as many come."""
        while not self.stop.is_set():
            try:
                await asyncio.wait_for(self.stop.wait(), 60)
                return
            except TimeoutError:
                pass
            live = [s for s in self.subs if s.closed is None]
            leaving = [s for s in self.subs if s.closed is not None] + self.rng.sample(live, min(len(live), max(1, len(live) // 10)))
            for k, sub in enumerate(leaving):
                self.sub_stats[self.close_sub(sub, graceful=k % 2 == 0)] += 1
            await asyncio.gather(*(self.open_sub() for _ in range(self.args.subscribers - len(self.subs))))

    async def sample(self, t: float) -> dict:
        w, self.window = self.window, Tally()
        # The server's pool: connections that pile up would be a leak of their own.
        pg = await self.pg.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        s = {"t": round(t, 1), **proc_stats(self.server.proc.pid), "pg_connections": pg, "ops": dict(w.ops), "errors": dict(+w.errors),
             "skipped": dict(+w.skipped), **dict(zip(("p50_ms", "p99_ms"), pcts([x for xs in w.lat.values() for x in xs]))),
             "sub_received": self.sub_stats["received_closed"] + sum(x.received for x in self.subs),
             "subs_live": sum(x.closed is None for x in self.subs)}
        prev = self.samples[-1] if self.samples else None
        s["cpu_pct"] = round(100 * (s["cpu_s"] - prev["cpu_s"]) / max(t - prev["t"], 1e-9), 1) if prev else None
        self.samples.append(s)
        return s

    async def sampler(self, seconds: float, t0: float) -> None:
        k, next_line = 1, 60.0
        while True:
            try:
                await asyncio.wait_for(self.stop.wait(), max(0.0, t0 + k * self.args.sample_seconds - time.monotonic()))
            except TimeoutError:
                pass
            k += 1
            if self.server.proc.poll() is not None:
                hb.log(f"the server exited with {self.server.proc.returncode}; see {self.server.logfile}")
                self.stop.set()
                return
            t = time.monotonic() - t0
            s = await self.sample(t)
            if t >= next_line - 0.5 or self.stop.is_set():
                next_line += 60
                done, err, skip = (sum(sum(x[f].values()) for x in self.samples) for f in ("ops", "errors", "skipped"))
                hb.log(f"[{int(t) // 60:3d}:{int(t) % 60:02d}] RSS {s['rss_mib']:.1f} MiB (HWM {s['hwm_mib']:.1f})  CPU {s['cpu_pct']}%  "
                       f"fds {s['fds']} pg {s['pg_connections']}  ops {done} err {err} skipped {skip}  p50 {hb.fmt(s['p50_ms'])} "
                       f"p99 {hb.fmt(s['p99_ms'])} ms  subs {s['subs_live']} msgs {s['sub_received']:,}")
            if self.stop.is_set() or t >= seconds:
                return

    async def run(self, db_url: str) -> None:
        seconds = self.args.minutes * 60
        self.pg = await asyncpg.connect(db_url, timeout=30)
        try:
            async with httpx.AsyncClient(base_url=self.server.base, timeout=30,
                                         limits=httpx.Limits(max_connections=self.args.inflight)) as self.client:
                # Every kind once, and the queries' bodies sampled by http_bench's check (200, no
                # errors, data not empty): a broken mix fails here, not an hour later.
                for kind in self.mix:
                    await self.op(kind)
                    if kind in self.bodies:
                        load = hb.Load(self.bodies[kind], hb.OURS_USER[kind])
                        if why := await asyncio.to_thread(hb.check, self.server, kind, load):
                            self.reasons[f"{kind}: {why}"] += 1
                await asyncio.gather(*(self.open_sub() for _ in range(self.args.subscribers)))
                if self.reasons:
                    raise SystemExit("preflight failed:\n  " + "\n  ".join(self.reasons))
                self.window, self.total = Tally(), Tally()
                t0 = time.monotonic()
                await self.sample(0.0)
                tasks = [asyncio.create_task(c) for c in (self.sampler(seconds, t0), self.churn())]
                await self.drive(seconds)
                self.stop.set()
                await asyncio.gather(*tasks)
                for sub in list(self.subs):
                    self.close_sub(sub, graceful=True)
        finally:
            await self.pg.close()


def summarise(soak: Soak, ready: dict, log_errors: list[str]) -> tuple[str, dict]:
    samples, total, ss, end = soak.samples, soak.total, soak.sub_stats, soak.samples[-1]
    rows = [("ready (before any request)", ready), ("0 (load starts)", samples[0])]
    rows += [(str(m), min(samples, key=lambda s: abs(s["t"] - 60 * m))) for m in MARKS if 60 * m <= end["t"] + soak.args.sample_seconds / 2]
    if rows[-1][1] is not end:
        rows.append((f"{end['t'] / 60:.1f} (end)", end))
    lines = ["| minute | RSS MiB | VmHWM MiB | fds | threads |", "|---|---|---|---|---|"]
    lines += [f"| {m} | {s['rss_mib']:.1f} | {s['hwm_mib']:.1f} | {s['fds']} | {s['threads']} |" for m, s in rows]
    half = slope_mib_per_hour([s for s in samples if s["t"] >= end["t"] / 2])
    third = slope_mib_per_hour([s for s in samples if s["t"] >= end["t"] * 2 / 3])
    cpu = 100 * (end["cpu_s"] - samples[0]["cpu_s"]) / max(end["t"], 1e-9)
    signed = lambda x: "—" if x is None else f"{x:+.1f}"
    top = max(samples, key=lambda s: s["rss_mib"])
    # VmHWM includes the sign-ins before the load: argon2 takes 64 MiB a hash (resolvers/passwords.py).
    lines += ["", (f"Peak: RSS **{top['rss_mib']:.1f} MiB** (at {top['t'] / 60:.1f} min), VmHWM {end['hwm_mib']:.1f} MiB. RSS slope "
                   f"(least squares): second half **{signed(half)} MiB/h**, last third **{signed(third)} MiB/h**. Server CPU "
                   f"{cpu:.1f} % of one core (mean)."), "",
              "| operation | ops | errors | skipped | p50 ms | p99 ms |", "|---|---|---|---|---|---|"]
    per_kind = {}
    for k in KINDS:
        p50, p99 = pcts(total.lat[k])
        per_kind[k] = {"ops": total.ops[k], "errors": total.errors[k], "skipped": total.skipped[k], "p50_ms": p50, "p99_ms": p99}
        if total.ops[k] or total.errors[k] or total.skipped[k]:
            lines.append(f"| {k} | {total.ops[k]:,} | {total.errors[k]} | {total.skipped[k]} | {hb.fmt(p50)} | {hb.fmt(p99)} |")
    lines += ["", (f"Subscriptions: {soak.args.subscribers} on the dispatcher's wall; churn closed {ss['churned_graceful']} with a close "
                   f"frame and {ss['churned_abrupt']} abruptly; {ss['opened']} opened in all ({ss['open_failed']} failed); "
                   f"{ss['closed_by_server']} closed by the server; {end['sub_received']:,} messages received (≈ {ss['expected']:,} "
                   f"expected: submits × subscribers open at the time), {ss['error_messages']} error messages.")]
    if soak.reasons:
        lines += ["", "Errors: " + "; ".join(f"{n}× {r}" for r, n in soak.reasons.most_common(8))]
    lines += ["", f"Server log: {len(log_errors)} error line(s)" + (":\n\n    " + "\n    ".join(log_errors[:10]) if log_errors else ".")]
    return "\n".join(lines), {"rss_at": {m: s["rss_mib"] for m, s in rows}, "peak_rss_mib": top["rss_mib"], "peak_hwm_mib": end["hwm_mib"],
                              "slope_second_half_mib_h": half, "slope_last_third_mib_h": third, "cpu_pct": cpu,
                              "operations": per_kind, "subscriptions": dict(ss), "errors": dict(soak.reasons)}


async def admin(server: str, sql: str) -> None:
    conn = await asyncpg.connect(f"{server}/postgres", timeout=30)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--template", required=True, help="database to copy, e.g. ehy_bench_235000 (bench/dataset.py)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no database")
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=30, help="operations a second, open loop")
    parser.add_argument("--inflight", type=int, default=16, help="most operations in flight; a tick beyond it is skipped")
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--results", default=str(hb.BENCH / "results"), help="folder for the JSON and the server log")
    args = parser.parse_args()
    if not (0 < args.minutes <= 1440 and 0 < args.rate <= 1000 and args.sample_seconds > 0 and args.inflight > 0
            and 0 <= args.subscribers <= 5000 and re.fullmatch(r"\w+", args.template)):
        parser.error("keep --minutes, --rate, --sample-seconds, --inflight, --subscribers bounded and --template a plain name")
    server_url, started = args.server.rstrip("/"), datetime.now(UTC)
    run_id = started.strftime("%Y%m%dT%H%M%S") + secrets.token_hex(2)
    db_name = f"ehy_soak_{started:%Y%m%d_%H%M%S}"
    Path(args.results).mkdir(parents=True, exist_ok=True)
    stem = Path(args.results) / f"soak-{started:%Y%m%dT%H%M%SZ}"
    try:
        asyncio.run(admin(server_url, f'CREATE DATABASE "{db_name}" TEMPLATE "{args.template}"'))
    except asyncpg.ObjectInUseError:
        hb.log(f"{args.template} has other connections (a server, psql, bench/dataset.py?): close them and run again")
        return 2
    except (OSError, asyncpg.PostgresError) as exc:
        hb.log(f"cannot copy {args.template} on {server_url}: {exc}")
        return 2
    db_url, var_dir = f"{server_url}/{db_name}", Path(tempfile.mkdtemp(prefix="ehy-soak-"))
    hb.migrate(db_url)
    env = {**os.environ, "DATABASE_URL": db_url, "BROADCAST_URL": "memory://", "SECRET_KEY": secrets.token_urlsafe(48), "VAR_DIR": str(var_dir)}
    for k in ("COMPILED_QUERIES", "APP_ENV", "DEMO_REQUESTS", "SWEEP_SECONDS"):
        env.pop(k, None)
    server = hb.Server("ours", "ours", "default", [str(hb.VENV_BIN / "uvicorn"), "app:app", "--host", "127.0.0.1", "--port",
                       str(port := hb.free_port()), "--log-level", "warning"], env, hb.ROOT, Path(f"{stem}.server.log"), port)
    soak: Soak | None = None
    try:
        facts = asyncio.run(hb.read_facts(db_url, 1000, args.seed))
        hb.log(f"{db_name} (copy of {args.template}): {facts.requests:,} requests; server log {server.logfile}")
        server.start()
        server.wait_ready(120)
        if "python" not in (exe := os.readlink(f"/proc/{server.proc.pid}/exe")):  # we must sample the server, not a wrapper
            raise SystemExit(f"server pid {server.proc.pid} is {exe}, not python")
        ready = proc_stats(server.proc.pid)
        hb.login(server, ["dispatcher", "department", "evaluator", "grid"])

        async def go() -> None:
            nonlocal soak
            soak = Soak(args, server, facts, run_id)
            loop, me = asyncio.get_running_loop(), asyncio.current_task()

            def on_signal() -> None:
                hb.log("stopping (again: no report)")
                if soak.stop.is_set():
                    me.cancel()
                soak.stop.set()

            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, on_signal)
            hb.log(f"load: {args.rate:g} ops/s for {args.minutes:g} min, {args.subscribers} subscribers; mix "
                   + ", ".join(f"{k} {w}" for k, w in soak.mix.items()))
            await soak.run(db_url)

        try:
            asyncio.run(go())
        except asyncio.CancelledError:
            raise SystemExit(130) from None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # bounded, and must not be cut short: the server, the database
            signal.signal(sig, signal.SIG_IGN)
        server.stop()
        if args.keep:
            hb.log(f"kept {db_name}")
        else:
            try:
                asyncio.run(admin(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
            except (OSError, asyncpg.PostgresError) as exc:
                hb.log(f"could not drop {db_name}: {exc}")
        shutil.rmtree(var_dir, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _term)

    text = server.logfile.read_text(errors="replace") if server.logfile.exists() else ""
    log_errors = [ln for ln in text.splitlines() if re.search(r"Traceback|ERROR|CRITICAL|Exception", ln)]
    table, summary = summarise(soak, ready, log_errors)
    print(f"\n### Memory soak — {args.template} ({facts.requests:,} requests), {started:%Y-%m-%d %H:%M} UTC\n")
    print(f"One `uvicorn app:app` process (overdue sweep on, default period), {args.rate:g} ops/s open loop (≤ {args.inflight} in "
          f"flight), {args.subscribers} WebSocket subscribers, {soak.samples[-1]['t'] / 60:.1f} min, a sample every {args.sample_seconds:g} s.\n")
    print(table)
    out = Path(f"{stem}.json")
    out.write_text(json.dumps({
        "started": started.isoformat(), "template": args.template, "database": db_name, "requests": facts.requests, "args": vars(args),
        "commit": hb.git("rev-parse", "HEAD"), "dirty": bool(hb.git("status", "--porcelain", "--untracked-files=no")),
        "server_cmd": server.cmd, "server_log": str(server.logfile), "mix": soak.mix, "ready": ready, "summary": summary,
        "table": table, "log_errors": log_errors[:200], "samples": soak.samples}, ensure_ascii=False, indent=1, default=str))
    hb.log(f"results: {out}")
    return 0


def _term(signum: int, frame: object) -> None:  # outside the event loop: unwind through the finally blocks
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _term)
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:  # before the load: the finally blocks have cleaned up
        raise SystemExit(130) from None
