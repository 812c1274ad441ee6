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
- A signed-in connection is watched by the process's SessionGuard: when its user is disabled,
  has their tokens revoked, or gets another role or password, it is closed with 4403 within
  about a second on this process and a few seconds on the others (see `SessionGuard`).
- A subscription is not executed per subscriber. Its resolver runs once, in strawberry's normal
  pipeline, with a `capture` hook in the context: it checks arguments and rights and hands over
  its Interest (schema/api/subscriptions.py). The subscription then joins the process's hub
  (schema/fanout.py) in a feed of identical subscriptions (schema/live_render.py): each event is
  rendered once per feed and the same serialised payload goes to every member.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
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
from sqlalchemy import select
from strawberry.utils.aio import aclosing

from db.base import utcnow
from db.models import User
from resolvers.auth import actor_for_token, token_expiry
from schema.context import Context
from schema.fanout import Feed, Interest, Member
from schema.http import MAX_QUERY_LENGTH, READS_PER_OPERATION, bearer_token
from schema.live import wait_for_bell
from schema.live_render import group_key, renderer
from schema.loaders import Loaders
from schema.outbox import Outbox

log = logging.getLogger("ehuying.ws")

MAX_SUBSCRIPTIONS = 20  # operations in flight on one connection; one more: error TOO_MANY_SUBSCRIPTIONS
INIT_TIMEOUT_SECONDS = 10  # no connection_init by then: closed with 4408
SLOW = 1013  # Try Again Later
REVOKED = 4403  # as for an expired token: the client signs in again
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
        self._guard: SessionGuard | None = None

    @property
    def _state(self) -> Any:
        return self.context.request.scope["app"].state

    @property
    def hub(self) -> Any:
        return self._state.bus.hub(self._state.db)

    async def send_message(self, message: Any) -> None:
        self.outbox.push(orjson.dumps(message).decode())

    async def handle_subscribe(self, message: Any) -> None:
        """strawberry's, with coded refusals (its own limit error has no code) for one operation
        too many and for an oversized document (schema/http.py's MAX_QUERY_LENGTH, as over HTTP)."""
        refusal = None
        if self.connection_acknowledged and message["id"] not in self.operations:
            if len(self.operations) >= MAX_SUBSCRIPTIONS:
                refusal = {"message": f"每个连接最多 {MAX_SUBSCRIPTIONS} 个订阅", "extensions": {
                    "code": "TOO_MANY_SUBSCRIPTIONS", "messageEn": f"At most {MAX_SUBSCRIPTIONS} subscriptions a connection",
                    "maxSubscriptions": MAX_SUBSCRIPTIONS}}
            elif len(str((message.get("payload") or {}).get("query", ""))) > MAX_QUERY_LENGTH:
                refusal = {"message": f"查询文本过长(最多 {MAX_QUERY_LENGTH} 个字符)", "extensions": {
                    "code": "REQUEST_TOO_LARGE", "messageEn": f"The GraphQL document is longer than {MAX_QUERY_LENGTH} characters"}}
        if refusal is not None:
            await self.send_message({"id": message["id"], "type": "error", "payload": [refusal]})
            return
        await super().handle_subscribe(message)

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:  # strawberry has cancelled the init timer: drop it (and its
            self.connection_init_timeout_task = None  # CancelledError, traceback, frames) now, not at disconnect
        expires = self.context.extra.get("token_expires_at")
        if self.connection_acknowledged and expires is not None and self._expiry is None:
            delay = max(0.0, (expires - utcnow()).total_seconds())
            self._expiry = asyncio.get_running_loop().call_later(delay, self._cut_off, 4403, "token expired; sign in again")
        if self.connection_acknowledged and self.context.actor is not None and self._guard is None:
            self._guard = session_guard(self._state)
            self._guard.watch(self)

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
        if self._guard is not None:
            self._guard.unwatch(self)
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


GUARD_INTERVAL = 1.0  # at most one check a second, however often the bell rings
GUARD_CHUNK = 500  # user ids per query


class SessionGuard:
    """Closes the sockets of users whose access changed, on this process.

    Every request and every new socket re-reads its user (resolvers/auth.py), so a disabled
    user's or a revoked token stops at once over HTTP; an open socket, though, was signed in once
    and would stream on. The guard holds this process's signed-in sockets by user and, whenever
    the event bus's doorbell rings, reads those users' `is_active` and `token_version` (one query
    per 500 users, at most once a second) and closes with 4403 every socket whose user is gone,
    disabled, or at another token version. The bell rings on every committed event, on the bus's
    heartbeat (every 2 s, so a change made anywhere is seen within seconds even if its own ring
    was lost), and on `access_changed` — which an administrative change calls after its commit,
    on its own process and, through the bus, on all others.
    """

    def __init__(self, bus: Any, db: Any) -> None:
        self.bus, self.db = bus, db
        self.sockets: dict[int, set[LiveTransportHandler]] = {}
        self.checks = 0
        self._bell: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def watch(self, handler: LiveTransportHandler) -> None:
        self.sockets.setdefault(handler.context.actor.user_id, set()).add(handler)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="session-guard")

    def unwatch(self, handler: LiveTransportHandler) -> None:
        user_id = handler.context.actor.user_id
        handlers = self.sockets.get(user_id)
        if handlers is not None:
            handlers.discard(handler)
            if not handlers:
                del self.sockets[user_id]
        if not self.sockets and self._task is not None:
            # Nobody to watch: no task outlives the last socket (nor the app at shutdown).
            self._task.cancel()
            self._task = None

    def poke(self) -> None:
        if self._bell is not None:
            self._bell.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        async with self.bus.doorbell() as bell:
            self._bell = bell
            try:
                while True:
                    await wait_for_bell(bell)
                    started = loop.time()
                    try:
                        await self.check()
                    except asyncio.CancelledError:
                        raise
                    except Exception:  # noqa: BLE001 — try again at the next bell
                        log.exception("session guard could not read users")
                    await asyncio.sleep(max(0.0, GUARD_INTERVAL - (loop.time() - started)))
            finally:
                self._bell = None

    async def check(self) -> None:
        ids = sorted(self.sockets)
        if not ids:
            return
        self.checks += 1
        t = User.__table__
        rows: dict[int, Any] = {}
        async with self.db.read() as conn:
            for i in range(0, len(ids), GUARD_CHUNK):
                stmt = select(t.c.id, t.c.is_active, t.c.token_version).where(t.c.id.in_(ids[i:i + GUARD_CHUNK]))
                rows.update({r.id: r for r in (await conn.execute(stmt)).all()})
        for user_id in ids:
            row = rows.get(user_id)
            for handler in list(self.sockets.get(user_id, ())):
                if row is None or not row.is_active or row.token_version != handler.context.actor.token_version:
                    self.unwatch(handler)
                    handler._guard = None
                    handler._cut_off(REVOKED, "access revoked; sign in again")


def session_guard(state: Any) -> SessionGuard:
    """The process's guard (one per app, kept on its state)."""
    guard = getattr(state, "session_guard", None)
    if guard is None:
        guard = state.session_guard = SessionGuard(state.bus, state.db)
    return guard


async def access_changed(ctx: Context) -> None:
    """Call after committing a change to who may do what (a user disabled, revoked, given another
    role or password): this process's guard checks at once, and the bus rings the others'."""
    with suppress(AttributeError, KeyError, TypeError):
        state = ctx.request.scope["app"].state
        cache = getattr(state, "actor_cache", None)
        if cache is not None:
            cache.invalidate()
        guard = getattr(state, "session_guard", None)
        if guard is not None:
            guard.poke()
    bus = ctx.extra.get("bus")
    if bus is None:
        return
    if bus.broadcast is None:
        bus.ring_all()
        return
    try:
        await bus.broadcast.publish(bus.channel, '{"access":1}')
    except Exception:  # noqa: BLE001 — the other processes still see it at their next heartbeat bell
        log.warning("could not ring the bus after an access change", exc_info=True)


class GraphQLWebSocket(GraphQL):
    graphql_transport_ws_handler_class = LiveTransportHandler

    def __init__(self, schema: Any) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=INIT_TIMEOUT_SECONDS),
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS,
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
