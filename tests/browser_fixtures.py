"""Module-scoped fixtures for the console's browser tests (a pytest plugin, see conftest.py): the
console built once, the app under uvicorn on the session's database, an HTTP client on it, a
network recorder, and Debian's Chromium. Each test module gets its own server and browser, so a
module's pages never see another module's state."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.browser_helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Recorder, ensure_console_built, require_chromium
from tests.conftest import BACKEND, LiveServer

LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def shot(name: str) -> str:
    """Where a screenshot goes (test-artifacts/console/<name>-<backend>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}-{BACKEND}.png")


@pytest.fixture(scope="module")
def console_dist() -> None:
    require_chromium()
    ensure_console_built()


@pytest_asyncio.fixture(scope="module")
async def server(app: Any, settings: Any, console_dist: None) -> Any:
    srv = LiveServer(settings)
    await asyncio.to_thread(srv.wait_ready)
    yield srv
    srv.stop()


@pytest_asyncio.fixture(scope="module")
async def api(server: Any) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def net() -> Recorder:
    return Recorder()


@pytest_asyncio.fixture(scope="module")
async def browser(console_dist: None) -> Any:
    from playwright.async_api import async_playwright

    pw = await async_playwright().start()
    chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    await chromium.close()
    await pw.stop()


async def new_page(browser: Any, net: Recorder, viewport: dict = LAPTOP) -> tuple[Any, Any]:
    """A fresh context (zh-CN, Asia/Shanghai, downloads allowed) and page, both recorded by `net`."""
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport, accept_downloads=True)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page)
    return context, page


async def sign_in(page: Any, base: str, username: str, password: str = "demo") -> None:
    """Through the login form; waits until the console has left it."""
    await page.goto(base + "/console/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("form[aria-label=登录] button[type=submit]")
    await page.wait_for_selector("form[aria-label=登录]", state="detached", timeout=15_000)
