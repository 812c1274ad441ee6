"""The Starlette application: lifespan (engine, broadcaster), routes, nothing else."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import asyncio
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute

from config import Settings, load_settings
from db.engine import Database
from resolvers import photos
from schema import build_schema
from schema.http import graphql_http
from schema.exports import serve_export
from schema.live import EventBus
from schema.sweeper import overdue_sweeper
from schema.ws import GraphQLWebSocket

log = logging.getLogger("ehuying")
CONSOLE = Path(__file__).resolve().parent / "console"


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.db = Database.from_url(settings.database_url)
        app.state.bus = EventBus(settings.broadcast_url, settings.channel_prefix)
        await app.state.bus.start()
        sweeper = asyncio.create_task(overdue_sweeper(app.state.db, app.state.bus, settings.sweep_seconds), name="overdue-sweep")
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await app.state.bus.stop()
            await app.state.db.dispose()

    async def healthz(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> JSONResponse:
        try:
            async with request.app.state.db.read() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 — readiness must answer, not raise
            log.exception("readiness check failed")
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ready", "database": "up"})

    async def photo(request: Request) -> Response:
        name = request.path_params["name"]
        q = request.query_params
        if not photos.check_signature(settings.secret_key, name, q.get("exp", ""), q.get("sig", "")):
            return PlainTextResponse("链接无效或已过期 / invalid or expired link", status_code=403)
        path = settings.photo_dir / name[:2] / name
        if "/" in name or not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "private, max-age=600"})

    async def export_report(request: Request) -> Response:
        return await serve_export(request, settings)

    async def console(request: Request) -> FileResponse:
        return FileResponse(CONSOLE / "index.html")

    schema = build_schema(introspection=settings.introspection)
    app = Starlette(
        routes=[
            Route("/graphql", graphql_http, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", GraphQLWebSocket(schema)),
            Route("/media/photos/{name}", photo),
            Route("/exports/report", export_report),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/console", console),
            Route("/console/{path:path}", console),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.schema = schema
    return app


def __getattr__(name: str):  # `uvicorn app:app` builds the app on first access, after env is set
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
