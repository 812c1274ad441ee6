"""GraphQL-over-HTTP conformance: the `graphql-http` audit suite against the real server.

Starts the app with uvicorn on a free port (fresh SQLite database, demo data), runs
`tests/http_audit/audit.mjs` (graphql-http 1.23.1 `auditServer`) against `/graphql`, and requires
every MUST and SHOULD audit to pass; MAY audits are reported but not required.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
AUDIT_DIR = ROOT / "tests" / "http_audit"
AUDIT_SCRIPT = AUDIT_DIR / "audit.mjs"

NPM_CI_TIMEOUT = 600
SETUP_TIMEOUT = 180
STARTUP_TIMEOUT = 60
AUDIT_TIMEOUT = 300

MIN_MUST = 13
MIN_SHOULD = 23


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "<no log>"
    return text[-limit:]


def _ensure_node_modules() -> str:
    """Return the path of `node`, installing the locked audit dependencies when missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm must be on PATH to run the graphql-http audit suite")
    if not (AUDIT_DIR / "node_modules" / "graphql-http" / "package.json").exists():
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=AUDIT_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
        )
        assert proc.returncode == 0, f"npm ci failed in {AUDIT_DIR}:\n{proc.stdout}\n{proc.stderr}"
    return node


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BROADCAST_URL", None)  # the in-memory broadcaster: this test must not need Redis/Postgres
    env.update(
        APP_ENV="development",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'audit.sqlite3'}",
        DEMO="1",
        SECRET_KEY="audit-test",
        VAR_DIR=str(tmp),
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_healthy(proc: subprocess.Popen[Any], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode} before answering /healthz:\n{_tail(log_path)}")
        try:
            response = httpx.get(f"{base}/healthz", timeout=2)
            if response.status_code == 200:
                return
        except httpx.HTTPError as exc:
            last_error = exc
        time.sleep(0.2)
    pytest.fail(f"server did not answer /healthz within {STARTUP_TIMEOUT}s ({last_error!r}):\n{_tail(log_path)}")


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def _describe(result: dict[str, Any]) -> str:
    line = f"- [{result.get('status')}] {result.get('id')} {result.get('name')}\n    reason: {result.get('reason')}"
    response = result.get("response")
    if response:
        line += (
            f"\n    response: {response.get('status')} {response.get('contentType')}"
            f"\n    body: {response.get('body')}"
        )
    return line


def test_graphql_over_http_audit(tmp_path: Path) -> None:
    node = _ensure_node_modules()
    env = _server_env(tmp_path)

    setup = subprocess.run(
        [sys.executable, "-m", "db.manage", "setup"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
    )
    assert setup.returncode == 0, f"db.manage setup failed:\n{setup.stdout}\n{setup.stderr}"

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(proc, base, log_path)
            audit = subprocess.run(
                [node, str(AUDIT_SCRIPT), f"{base}/graphql"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=AUDIT_TIMEOUT,
            )
        finally:
            _stop(proc)

    assert audit.returncode == 0, f"audit.mjs failed ({audit.returncode}):\n{audit.stdout}\n{audit.stderr}"
    results = [json.loads(line) for line in audit.stdout.splitlines() if line.strip()]

    by_level: dict[str, list[dict[str, Any]]] = {"MUST": [], "SHOULD": [], "MAY": []}
    for result in results:
        level = result["name"].split(" ", 1)[0]
        by_level.setdefault(level, []).append(result)

    failing = [
        r for level in ("MUST", "SHOULD") for r in by_level[level] if r["status"] != "ok"
    ]
    may_failing = [r for r in by_level["MAY"] if r["status"] != "ok"]
    summary = (
        f"{len(results)} audits: MUST {len(by_level['MUST'])}, SHOULD {len(by_level['SHOULD'])}, "
        f"MAY {len(by_level['MAY'])} ({len(may_failing)} MAY not met)"
    )
    print(summary)
    for result in may_failing:
        print(_describe(result))

    assert len(by_level["MUST"]) >= MIN_MUST, f"expected at least {MIN_MUST} MUST audits; {summary}"
    assert len(by_level["SHOULD"]) >= MIN_SHOULD, f"expected at least {MIN_SHOULD} SHOULD audits; {summary}"
    assert not failing, (
        f"{len(failing)} required GraphQL-over-HTTP audit(s) failed; {summary}\n"
        + "\n".join(_describe(r) for r in failing)
        + f"\n\nserver log (tail):\n{_tail(log_path)}"
    )
