"""WebSocket sign-in: {"Authorization": "Bearer …"} in connection_init; a bad token closes 4403."""

import asyncio
import json
from typing import Any

import pytest
import websockets


async def _connect(server: Any) -> Any:
    return await websockets.connect(server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=30)


async def test_connection_init_with_a_valid_token_is_acknowledged(live_server: Any, tokens: dict[str, str]) -> None:
    ws = await _connect(live_server)
    try:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {tokens['dispatcher']}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { username } }"}}))
        message = json.loads(await ws.recv())
        assert message["type"] == "next"
        assert message["payload"]["data"]["me"]["username"] == "dispatcher"
    finally:
        await ws.close()


async def test_connection_init_with_a_bad_token_closes_with_4403(live_server: Any) -> None:
    ws = await _connect(live_server)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}}))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd.code == 4403


async def test_a_socket_that_never_sends_connection_init_is_closed_with_4408(live_server: Any) -> None:
    ws = await _connect(live_server)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 60)  # the server's init timeout is 10 s
    assert closed.value.rcvd.code == 4408
