"""GraphQL over WebSocket (graphql-transport-ws).

The bearer token comes in the connection_init payload as {"Authorization": "Bearer …"}; a bad
token closes with 4403, and so does the token's expiry later (sign in again, resume with `after`).

Design: strawberry's protocol handler stays in charge of the protocol — connection_init and its
timeout (4408), ping/pong, complete, 4400/4401/4409/4429, the limit of subscriptions per
connection, parsing, validation, cost limits and error formatting — with two changes:

- Every message leaves through the connection's Outbox (schema/outbox.py): written straight
  through while the socket keeps up, queued (bounded) when it lags, and a connection that falls
  too far behind is closed with 1013 "try again later" naming the cursors to resume from (1013,
  not 4429: graphql-ws clients retry 1013 but treat 4429 as fatal).
- A subscription is not executed per subscriber. Its resolver runs once, in strawberry's normal
  pipeline, with a `capture` hook in the context: it checks arguments and rights and hands over
  its Interest (schema/api/subscriptions.py). The subscription then joins the process's hub
  (schema/fanout.py) in a feed of identical subscriptions (schema/live_render.py): each event is
  rendered once per feed and the same serialised payload goes to every member.
"""

from __future__ import annotations

import asyncio
import dataclasses
from contextlib import suppress
from datetime import timedelta
from typing import Any

import orjson
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,  # raised by strawberry's own _send_result_stream: the socket was closed
)
from strawberry.utils.aio import aclosing

from db.base import utcnow
from resolvers.auth import actor_for_token, token_expiry
from schema.context import Context
from schema.fanout import Feed, Interest, Member
from schema.http import READS_PER_OPERATION, bearer_token
from schema.live_render import group_key, renderer
from schema.loaders import Loaders
from schema.outbox import Outbox

SLOW = 1013  # Try Again Later
REASON_BYTES = 123  # the most a close frame's reason may hold


class SocketMember(Member):
    __slots__ = ("outbox", "prefix", "operation_id")


def _send_next(member: SocketMember, seq: int, payload: str) -> None:
    member.outbox.push(member.prefix + payload + "}", member, seq)


def _resume_reason(why: str, members: dict[str, SocketMember]) -> str:
    """`why`, then the cursor each subscription resumes from with `after`, within 123 bytes."""
    if len(members) == 1:
        return f"{why}; resume with after={next(iter(members.values())).delivered}"
    text = f"{why}; resume with after ="
    for op_id, member in members.items():
        more = f" {op_id}:{member.delivered}"
        if len((text + more).encode()) > REASON_BYTES:
            break
        text += more
    return text


class LiveTransportHandler(BaseGraphQLTransportWSHandler[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbox = Outbox(self.websocket.ws.send, self._too_slow)
        self.members: dict[str, SocketMember] = {}
        self._expiry: asyncio.TimerHandle | None = None

    @property
    def _state(self) -> Any:
        return self.context.request.scope["app"].state

    @property
    def hub(self) -> Any:
        return self._state.bus.hub(self._state.db)

    async def send_message(self, message: Any) -> None:
        self.outbox.push(orjson.dumps(message).decode())

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:  # strawberry has cancelled the init timer: drop it (and its
            self.connection_init_timeout_task = None  # CancelledError, traceback, frames) now, not at disconnect
        expires = self.context.extra.get("token_expires_at")
        if self.connection_acknowledged and expires is not None and self._expiry is None:
            delay = max(0.0, (expires - utcnow()).total_seconds())
            self._expiry = asyncio.get_running_loop().call_later(delay, self._cut_off, 4403, "token expired; sign in again")

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """strawberry's run_operation, with a context of its own per operation (fresh loaders)
        and the hand-over of a subscription's Interest to the hub."""
        taken: list[Interest] = []
        context = dataclasses.replace(self.context, db=self._state.db.gated(READS_PER_OPERATION), loaders=Loaders(self._state.db),
                                      extra={**self.context.extra, "capture": taken.append})
        try:
            source = await self.schema.stream(operation.query, variable_values=operation.variables, context_value=context,
                                              root_value=self.root_value, operation_name=operation.operation_name)
            async with aclosing(source):
                await self._send_result_stream(operation, source)
            if taken and not operation.completed and self.operations.get(operation.id) is operation:
                await self._go_live(operation, taken[0])
                return
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    async def _go_live(self, operation: Operation[Context, None], interest: Interest) -> None:
        state, client = self._state, self.context.client
        key, shape = group_key(operation.query, operation.variables, operation.operation_name, interest.actor, client)
        hub = self.hub

        def make() -> Feed:
            render = renderer(self.schema, shape, operation.variables, operation.operation_name, actor=interest.actor,
                              client=client, hub=hub, settings=state.settings, bus=state.bus)
            return Feed(interest, render)

        member = SocketMember(hub.feed(key, make), _send_next, self.outbox.drained)
        member.outbox = self.outbox
        member.operation_id = operation.id
        member.prefix = '{"id":' + orjson.dumps(operation.id).decode() + ',"type":"next","payload":'
        self.members[operation.id] = member
        try:
            await hub.attach(member, interest.after)
        except BaseException:
            self.members.pop(operation.id, None)
            hub.detach(member)
            raise

    async def cleanup_operation(self, operation_id: str) -> None:
        member = self.members.pop(operation_id, None)
        if member is not None:
            self.hub.detach(member)
        await super().cleanup_operation(operation_id)

    async def shutdown(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        await super().shutdown()
        self.outbox.discard()

    def _too_slow(self) -> None:
        self._cut_off(SLOW, "slow consumer")

    def _cut_off(self, code: int, why: str) -> None:
        """Stop every subscription of this connection now and close it after what was written."""
        members = dict(self.members)
        self.members.clear()
        for member in members.values():
            self.hub.detach(member)
        self.outbox.close(code, lambda: _resume_reason(why, members) if members else why)


class GraphQLWebSocket(GraphQL):
    graphql_transport_ws_handler_class = LiveTransportHandler

    def __init__(self, schema: Any) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=20,
        )

    async def get_context(self, request: Any, response: Any) -> Context:
        """The connection's context: who is signed in. Operations get their own, with fresh
        DataLoaders (run_operation); none are built here — a connection lives for hours, and
        thousands of idle loader sets would only lengthen every full garbage collection."""
        state = request.scope["app"].state
        client = request.client.host if getattr(request, "client", None) else ""
        return Context(db=state.db, settings=state.settings, actor=None, loaders=None, client=client, request=request,  # type: ignore[arg-type]
                       extra={"bus": state.bus})

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        raw = params.get("Authorization") or params.get("authorization")
        token = bearer_token(raw) if isinstance(raw, str) else None
        if token is None:
            return None  # anonymous: may only run what anonymous residents may
        async with context.db.read() as conn:
            actor = await actor_for_token(conn, context.settings.secret_key, token, context.client)
        if actor is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "messageEn": "invalid or expired token"})
        context.actor = actor
        context.extra["token_expires_at"] = token_expiry(context.settings.secret_key, token)
        return None
