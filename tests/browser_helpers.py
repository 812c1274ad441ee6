"""Helpers for the console's browser tests: Debian's Chromium under Playwright, a recorder of
every URL and WebSocket frame a page sees, and the console build."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = ROOT / "console"
DIST_INDEX = CONSOLE / "dist" / "index.html"
ARTIFACTS = ROOT / "test-artifacts" / "console"

# Debian's Chromium from apt — never a browser downloaded by `playwright install`.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def require_chromium() -> None:
    """Skip (or, in CI with EHY_REQUIRE_BROWSER=1, fail) when the browser is missing."""
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (pip install '.[test]')"
    if problem:
        if os.environ.get("EHY_REQUIRE_BROWSER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)


def _newest_source_mtime() -> float:
    files = [p for p in (CONSOLE / "src").rglob("*") if p.is_file()]
    files += [CONSOLE / n for n in ("index.html", "vite.config.js", "package.json", "package-lock.json")]
    return max(p.stat().st_mtime for p in files if p.exists())


def ensure_console_built() -> None:
    """`make test` builds the console first; a bare pytest run builds it here when missing or stale."""
    if DIST_INDEX.exists() and DIST_INDEX.stat().st_mtime >= _newest_source_mtime():
        return
    npm = shutil.which("npm")
    if npm is None:
        if DIST_INDEX.exists():
            return  # stale but usable
        message = "console/dist is missing and npm is not on PATH (make console)"
        if os.environ.get("EHY_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    steps = [[npm, "run", "build"]]
    if not (CONSOLE / "node_modules" / ".package-lock.json").exists():
        steps.insert(0, [npm, "ci", "--no-audit", "--no-fund"])
    for cmd in steps:
        proc = subprocess.run(cmd, cwd=CONSOLE, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def is_local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return (urlsplit(url).hostname or "") in {h.strip("[]") for h in LOCAL_HOSTS}


@dataclass
class Socket:
    url: str
    opened: float
    sent: list[tuple[float, Any]] = field(default_factory=list)
    received: list[tuple[float, Any]] = field(default_factory=list)
    closed: float | None = None

    def messages(self, direction: str, type_: str | None = None) -> list[tuple[float, dict]]:
        frames = self.sent if direction == "sent" else self.received
        out = []
        for at, raw in frames:
            try:
                msg = json.loads(raw)
            except (TypeError, ValueError):
                continue
            if type_ is None or msg.get("type") == type_:
                out.append((at, msg))
        return out


class Recorder:
    """Everything a set of pages fetched, over HTTP and WebSocket, plus their errors."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.sockets: list[Socket] = []
        self.graphql_responses: list[tuple[float, str]] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []

    def attach_context(self, context: Any) -> None:
        context.on("request", lambda req: self.urls.append(req.url))

    def attach_page(self, page: Any, *, keep_bodies: bool = False) -> None:
        page.on("websocket", self._on_socket)
        page.on("pageerror", lambda err: self.page_errors.append(f"{page.url}: {err}"))
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(f"{page.url}: {msg.text}"))
        if keep_bodies:
            async def on_response(response: Any) -> None:
                if urlsplit(response.url).path == "/graphql" and response.request.method == "POST":
                    try:
                        body = await response.text()
                    except Exception:  # noqa: BLE001 — a page navigating away drops bodies
                        return
                    self.graphql_responses.append((time.time(), body))

            page.on("response", on_response)

    def _on_socket(self, ws: Any) -> None:
        sock = Socket(url=ws.url, opened=time.time())
        self.sockets.append(sock)
        self.urls.append(ws.url)
        ws.on("framesent", lambda payload: sock.sent.append((time.time(), payload)))
        ws.on("framereceived", lambda payload: sock.received.append((time.time(), payload)))
        ws.on("close", lambda _ws: setattr(sock, "closed", time.time()))


def subscription_ids(sock: Socket, field_name: str) -> dict[str, dict]:
    """The subscribe messages on this socket whose query asks for `field_name`, by id."""
    pattern = re.compile(rf"\b{re.escape(field_name)}\s*[({{]")
    return {m["id"]: m for _, m in sock.messages("sent", "subscribe") if pattern.search(m["payload"]["query"])}


def events_received(sock: Socket, field_name: str) -> list[tuple[float, dict]]:
    """(time, event envelope) of every `next` message carrying `field_name`."""
    out = []
    for at, m in sock.messages("received", "next"):
        data = (m.get("payload") or {}).get("data") or {}
        if field_name in data:
            out.append((at, data[field_name]))
    return out


def tiny_png(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (235, 240, 246))
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 60, 280, 200), fill=color)
    draw.rectangle((60, 80, 140, 180), fill=(250, 250, 250))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
