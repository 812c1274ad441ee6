"""The Starlette application: lifespan (engine, broadcaster), routes, nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import event, text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from starlette.routing import Route, WebSocketRoute

from config import Settings, load_settings
from db.engine import Database
from resolvers import photos
from resolvers.audit_refusals import RefusalSink
from resolvers.audit_retention import retention_worker
from resolvers.notifications import worker as notify_worker
from resolvers.orders12345.delivery import callback_worker
from resolvers.orders12345.http import ROUTES as city_order_routes
from resolvers.production_checks import refuse_demo_logins
from schema import build_schema
from schema.actor_cache import ActorCache
from schema.api.imports import serve_import_download
from schema.api.qr import serve_sticker_sheet
from schema.compiled import CompiledQueries
from schema.exports import serve_export
from schema.http import graphql_http
from schema.live import EventBus
from schema.logs import configure_logging
from schema.metrics import serve_metrics
from schema.observability import ObservabilityMiddleware, start_worker
from schema.response_cache import ResponseCache
from schema.sweeper import overdue_sweeper
from schema.ws import GraphQLWebSocket

log = logging.getLogger("ehuying")
CONSOLE = Path(__file__).resolve().parent / "console"
CONSOLE_DIST = CONSOLE / "dist"

# The console's pages load nothing from elsewhere: every script, style, font and editor worker
# is in console/dist (district intranets are often offline; SPEC §10). The policy makes the
# browser enforce it.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
CONSOLE_MISSING = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>e呼应 · 控制台尚未构建</title>
<style>body{font-family:system-ui,sans-serif;margin:0;background:#0b1d33;color:#f4f7fb}
main{max-width:760px;margin:12vh auto;padding:2rem}h1{font-size:2rem}code{background:#163057;padding:.1em .4em;border-radius:4px}a{color:#ffd166}</style>
</head><body><main>
<h1>e呼应 控制台尚未构建</h1>
<p>找不到 <code>console/dist/index.html</code>。在仓库根目录运行 <code>make console</code>(或 <code>make run</code>,
它会先构建控制台;需要 Node.js 20.19+ 和 npm)。</p>
<p>The console has not been built: run <code>make console</code> (or <code>make run</code>) in the repository root.</p>
<p>GraphQL 接口不受影响:<a href="/graphql">/graphql</a>(POST / GET;订阅使用 WebSocket graphql-transport-ws)。</p>
</main></body></html>
"""


# What a cross-origin client may send: the bearer token, JSON, and the upload preflight header.
CORS_HEADERS = ["authorization", "content-type", "graphql-preflight", "apollo-require-preflight", "x-requested-with"]


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    if settings.log_format:
        configure_logging(settings.log_format, settings.log_level)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.db = Database.from_url(settings.database_url)
        if settings.env == "production":
            try:
                await refuse_demo_logins(app.state.db)
            except BaseException as exc:
                log.critical("refusing to start: %s", exc)
                await app.state.db.dispose()
                raise
        app.state.bus = EventBus(settings.broadcast_url, settings.channel_prefix)
        if app.state.actor_cache is not None:
            app.state.bus.on_access(app.state.actor_cache.invalidate)
        if app.state.responses is not None:
            app.state.bus.on_change(app.state.responses.changed)
            # Every commit of the write engine, units of work and plain connections alike, as it starts.
            event.listen(app.state.db.write_engine.sync_engine, "commit", app.state.responses.changed)
        await app.state.bus.start()
        sweeper = start_worker(overdue_sweeper(app.state.db, app.state.bus, settings.sweep_seconds), "overdue-sweep")
        # Background workers (each a long-running coroutine over app.state): cancelled at shutdown.
        workers: list[asyncio.Task] = [sweeper]
        workers += [start_worker(coro, name) for name, coro in notify_worker.workers(app.state).items()]
        # <notify-workers>
        workers.append(start_worker(callback_worker(app.state.db), "12345-callbacks"))
        # <orders-workers>
        app.state.audit_sink = RefusalSink(app.state.db).register()
        workers.append(start_worker(app.state.audit_sink.run(), "audit-refusals"))
        workers.append(start_worker(retention_worker(app.state.db, settings.audit_retention_days), "audit-retention"))
        try:
            yield
        finally:
            for task in workers:
                task.cancel()
            for task in workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
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

    async def console(request: Request) -> Response:
        """The console's single-page app from console/dist: hashed assets cached for a year,
        every other path under /console (qr/<token>, track/<code>, explorer, …) gets index.html
        and the app's router decides."""
        path = request.path_params.get("path", "")
        dist = CONSOLE_DIST.resolve()
        if path:
            candidate = (dist / path).resolve()
            if candidate.is_relative_to(dist) and candidate.is_file() and candidate.name != "index.html":
                immutable = candidate.parent == dist / "assets"
                cache = "public, max-age=31536000, immutable" if immutable else "public, max-age=300"
                return FileResponse(candidate, headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})
            if path.startswith("assets/"):
                return PlainTextResponse("not found", status_code=404, headers={"Cache-Control": "no-store"})
        if path.strip("/") == "explorer" and not settings.explorer:
            return PlainTextResponse("接口调试器未开启(EXPLORER=0) / the explorer is turned off", status_code=404)
        index = dist / "index.html"
        if not index.is_file():
            return HTMLResponse(CONSOLE_MISSING, status_code=503, headers={"Cache-Control": "no-store", "Retry-After": "30"})
        return FileResponse(index, headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONSOLE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        })

    schema = build_schema(introspection=settings.introspection)
    app = Starlette(
        routes=[
            Route("/graphql", graphql_http, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", GraphQLWebSocket(schema)),
            Route("/media/photos/{name}", photo),
            Route("/exports/report", export_report),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", serve_metrics),
            Route("/imports/{what}", serve_import_download),
            # <import-routes>
            Route("/exports/qr-stickers", serve_sticker_sheet),
            # <qr-routes>
            # <notify-routes>
            *city_order_routes,
            # <orders-routes>
            Route("/console", console),
            Route("/console/{path:path}", console),
        ],
        lifespan=lifespan,
        # Request ids, HTTP metrics and HTTP-level refusals (schema/observability.py).
        middleware=[Middleware(ObservabilityMiddleware),
                    # Cross-origin calls only from CORS_ORIGINS (none by default): preflights from other origins get 400.
                    Middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                               allow_headers=CORS_HEADERS, max_age=600)],
    )
    app.state.settings = settings
    app.state.schema = schema
    app.state.compiled = CompiledQueries(schema) if settings.compiled_queries else None
    app.state.actor_cache = ActorCache(settings.actor_cache_seconds) if settings.actor_cache_seconds > 0 else None
    app.state.responses = (ResponseCache(settings.response_cache_seconds)
                           if settings.response_cache_seconds > 0 and app.state.compiled is not None else None)
    return app


def __getattr__(name: str):  # `uvicorn app:app` builds the app on first access, after env is set
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
