"""The console's password change, in a real browser: a dispatcher signed in with the temporary
password an admin made sees only the change-password form, is told which rule a weak password
breaks, then lands on the wall (and stays there on reload); any signed-in user changes theirs from
the top bar's "修改密码" and keeps working in the same tab with the fresh token."""

from __future__ import annotations

import uuid
from typing import Any

from tests.browser_fixtures import new_page, shot, sign_in
from tests.browser_helpers import Recorder, is_local
from tests.conftest import GQL

CREATE = """mutation($i: CreateUserInput!) { createUser(input: $i) { temporaryPassword account { user { username } } } }"""
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token mustChangePassword } }"


async def dispatcher(api: Any, password: str | None = None) -> tuple[str, str]:
    """A new CENTER_DISPATCHER made by the demo admin through the server; (username, password)."""
    gql = GQL(api)
    admin = await gql.login("admin")
    data = await gql.ok(CREATE, {"i": {"username": f"t-cpw-{uuid.uuid4().hex[:8]}", "displayName": "改密调度员",
                                       "role": "CENTER_DISPATCHER", "scopes": [], **({"password": password} if password else {})}},
                        token=admin)
    created = data["createUser"]
    return created["account"]["user"]["username"], password or created["temporaryPassword"]


async def signs_in(api: Any, username: str, password: str) -> dict | None:
    body = await GQL(api).post(LOGIN, {"i": {"username": username, "password": password}})
    return None if body.get("errors") else body["data"]["login"]


async def test_a_temporary_password_leads_to_the_form_then_to_the_wall(browser: Any, server: Any, api: Any, net: Recorder) -> None:
    username, temporary = await dispatcher(api)
    ctx, page = await new_page(browser, net)
    sockets_before = len(net.sockets)
    await sign_in(page, server.url, username, temporary)
    await page.wait_for_selector("[data-testid=must-change-password]", timeout=15_000)
    assert await page.locator("[data-testid=wall]").count() == 0  # nothing else before the form

    assert len(net.sockets) == sockets_before  # the wall would have opened its live socket: it has not

    form = "form[aria-label=修改密码]"
    await page.fill(f"{form} input[name=currentPassword]", temporary)
    await page.fill(f"{form} input[name=newPassword]", f"{username}-Abc1")
    await page.fill(f"{form} input[name=newPasswordAgain]", f"{username}-Abc1")
    await page.click(f"{form} button[type=submit]")
    await page.wait_for_selector("[data-testid=error-newPassword]", timeout=15_000)
    assert "用户名" in await page.inner_text("[data-testid=error-newPassword]")
    await page.screenshot(path=shot("password-must-change"), full_page=True)

    await page.fill(f"{form} input[name=newPassword]", "Lighthouse-42")
    await page.fill(f"{form} input[name=newPasswordAgain]", "Lighthouse-42")
    await page.click(f"{form} button[type=submit]")
    await page.wait_for_selector("[data-testid=wall]", timeout=15_000)
    assert await page.locator("[data-testid=must-change-password]").count() == 0
    await page.wait_for_selector("[data-testid=live-status][data-status=online]", timeout=20_000)
    await page.reload()
    await page.wait_for_selector("[data-testid=wall]", timeout=15_000)
    await ctx.close()

    assert await signs_in(api, username, temporary) is None
    assert (await signs_in(api, username, "Lighthouse-42"))["mustChangePassword"] is False


async def test_the_top_bar_changes_the_password_and_the_tab_keeps_working(browser: Any, server: Any, api: Any, net: Recorder) -> None:
    username, password = await dispatcher(api, "Chosen-by-admin-1")
    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, username, password)
    await page.wait_for_selector("[data-testid=live-status][data-status=online]", timeout=20_000)
    await page.click("[data-testid=change-password]")
    form = "[role=dialog] form[aria-label=修改密码]"
    await page.fill(f"{form} input[name=currentPassword]", "Not-my-password-1")
    await page.fill(f"{form} input[name=newPassword]", "Second-harbour-7")
    await page.fill(f"{form} input[name=newPasswordAgain]", "Second-harbour-7")
    await page.click(f"{form} button[type=submit]")
    await page.wait_for_selector("[data-testid=error-currentPassword]", timeout=15_000)

    await page.fill(f"{form} input[name=currentPassword]", password)
    await page.click(f"{form} button[type=submit]")
    # The old token's socket is closed (4403) and the page starts over with the new session.
    await page.wait_for_selector("[role=dialog]", state="detached", timeout=15_000)
    await page.wait_for_selector("[data-testid=wall]", timeout=15_000)
    await page.wait_for_selector("[data-testid=live-status][data-status=online]", timeout=20_000)
    await page.wait_for_timeout(2_500)  # longer than the session guard takes to close a revoked socket
    assert await page.locator("form[aria-label=登录]").count() == 0
    assert await page.locator("[data-testid=wall]").count() == 1
    await page.screenshot(path=shot("password-changed"), full_page=True)
    await ctx.close()

    assert await signs_in(api, username, password) is None
    assert await signs_in(api, username, "Second-harbour-7")


async def test_nothing_came_from_the_internet(net: Recorder) -> None:
    assert net.urls, "the pages loaded something"
    assert not [u for u in net.urls if not is_local(u)]
    assert not net.page_errors, net.page_errors
