"""GraphQL over WebSocket (graphql-transport-ws): the bearer token comes in the
connection_init payload as {"Authorization": "Bearer …"}; a bad token closes with 4403."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from resolvers.auth import actor_for_token
from schema.context import Context
from schema.http import READS_PER_OPERATION, bearer_token
from schema.loaders import Loaders


class GraphQLWebSocket(GraphQL):
    def __init__(self, schema: Any) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=20,
        )

    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.scope["app"].state
        client = request.client.host if getattr(request, "client", None) else ""
        return Context(db=state.db.gated(READS_PER_OPERATION), settings=state.settings, actor=None, loaders=Loaders(state.db), client=client, request=request,
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
        return None
