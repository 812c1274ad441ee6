"""Prometheus metrics of this process, at GET /metrics (text exposition format).

Counted as things happen: HTTP requests by method, route template and status, with latency
(schema/observability.py); GraphQL operations by type and errors by type and code
(schema/errors.py); open WebSocket connections; live events handed to subscribers and their lag —
seconds from the event (stamped as its change is made, just before the commit) to its hand-over
to the subscribers of this process (schema/fanout.py).

Read when scraped: live subscriptions on this process; events published (the event log's top
sequence number: one count for the whole deployment, whichever process committed them); outbox
depths — residents' notifications PENDING and SENDING, 12345 outcome reports PENDING; the audit
refusal queue. The database part costs three indexed queries a scrape.

Who may read it: callers on loopback (with no proxy's forwarding headers — a proxy on the same
host must not make the world "local"), and anyone presenting `Authorization: Bearer
<METRICS_TOKEN>` when that is set. Each process has its own numbers: scrape every process
directly, not through the load-balancing proxy.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from db.base import utcnow
from db.models import CityOrderCallback, Notification, RequestEvent

log = logging.getLogger("ehuying.metrics")

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

_METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
HTTP_REQUESTS = Counter("ehuying_http_requests", "HTTP requests answered, by method, route template and status.",
                        ["method", "route", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram("ehuying_http_request_duration_seconds", "Time to answer an HTTP request, by method and route template.",
                         ["method", "route"], registry=REGISTRY,
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
GRAPHQL_OPERATIONS = Counter("ehuying_graphql_operations", "GraphQL operations run, by type (query, mutation, subscription).",
                             ["type"], registry=REGISTRY)
COMPILED_QUERIES = Counter("ehuying_compiled_queries", "Queries of compiled documents: answered by the compiled executor (ran), "
                           "or handed to the full executor (fallback).", ["outcome"], registry=REGISTRY)
ACTOR_LOOKUPS = Counter("ehuying_actor_lookups", "Bearer tokens of HTTP operations: the caller remembered (schema/actor_cache.py) "
                        "or read from the database (read).", ["outcome"], registry=REGISTRY)
RESPONSE_CACHE = Counter("ehuying_response_cache", "Compiled read queries of signed-in callers: answered from the response cache "
                         "(hit) or run (miss).", ["outcome"], registry=REGISTRY)
GRAPHQL_ERRORS = Counter("ehuying_graphql_errors", "GraphQL errors answered, by operation type and extensions.code.",
                         ["type", "code"], registry=REGISTRY)
WS_CONNECTIONS = Gauge("ehuying_websocket_connections", "Open WebSocket connections on this process.", registry=REGISTRY)
EVENT_DELIVERIES = Counter("ehuying_event_deliveries", "Live events handed to subscribers on this process (one per subscriber).",
                           registry=REGISTRY)
EVENT_LAG = Histogram("ehuying_event_lag_seconds", "Seconds from a request event's commit to its delivery to this process's subscribers.",
                      registry=REGISTRY, buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0))


_http_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_http(method: str, route: str, status: int, seconds: float) -> None:
    # The labelled children found once per (method, route template, status): labels() takes a
    # lock and builds its key on every call. Few: methods and statuses are few, routes are templates.
    label = method if method in _METHODS else "OTHER"
    children = _http_children.get((label, route, status))
    if children is None:
        children = _http_children[(label, route, status)] = (HTTP_REQUESTS.labels(label, route, str(status)),
                                                              HTTP_LATENCY.labels(label, route))
    children[0].inc()
    children[1].observe(seconds)


def observe_deliveries(items: Iterable[Any], delivered: int) -> None:
    """After a round of live delivery: the lag of each event delivered (once per event)."""
    if not delivered:
        return
    EVENT_DELIVERIES.inc(delivered)
    now = utcnow()
    seen: set[int] = set()
    for item in items:
        if item.seq not in seen:
            seen.add(item.seq)
            EVENT_LAG.observe(max(0.0, (now - item.event.at).total_seconds()))


class _ReadAtScrape:
    """The numbers read when /metrics is fetched; `refresh` fills them, `collect` reports them."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def refresh(self, state: Any) -> None:
        values: dict[str, Any] = {}
        hub = getattr(getattr(state, "bus", None), "_hub", None)  # never start a hub just to count it
        values["subscriptions"] = sum(len(feed.members) for feed in hub.feeds) if hub is not None else 0
        sink = getattr(state, "audit_sink", None)
        if sink is not None:
            values["audit"] = (sink.pending, sink.suppressed, sink.dropped)
        try:
            e, n, c = RequestEvent.__table__, Notification.__table__, CityOrderCallback.__table__
            async with state.db.read() as conn:
                values["events"] = (await conn.execute(select(func.coalesce(func.max(e.c.seq), 0)))).scalar_one()
                counts = dict((await conn.execute(
                    select(n.c.state, func.count()).where(n.c.state.in_(("PENDING", "SENDING"))).group_by(n.c.state))).all())
                values["notifications"] = {s: counts.get(s, 0) for s in ("PENDING", "SENDING")}
                values["callbacks"] = (await conn.execute(select(func.count()).where(c.c.status == "PENDING"))).scalar_one()
            values["db_up"] = 1
        except Exception:  # noqa: BLE001 — the process's own numbers are still worth answering
            log.warning("metrics: could not read the database", exc_info=True)
            values["db_up"] = 0
        self.values = values

    def collect(self) -> Iterator[Metric]:
        v = self.values
        yield GaugeMetricFamily("ehuying_subscriptions", "Live subscriptions on this process.", value=v.get("subscriptions", 0))
        yield GaugeMetricFamily("ehuying_metrics_database_up", "1 when the last scrape could read the database.", value=v.get("db_up", 0))
        if "events" in v:
            yield CounterMetricFamily("ehuying_events_published", "Request events committed (the event log's top sequence number).",
                                      value=v["events"])
            outbox = GaugeMetricFamily("ehuying_notification_outbox", "Notifications to residents not yet sent, by state.",
                                       labels=["state"])
            for state, count in v["notifications"].items():
                outbox.add_metric([state], count)
            yield outbox
            yield GaugeMetricFamily("ehuying_city12345_callbacks_pending", "Outcome reports owed to the 12345 platform, not yet delivered.",
                                    value=v["callbacks"])
        if "audit" in v:
            pending, suppressed, dropped = v["audit"]
            yield GaugeMetricFamily("ehuying_audit_refusals_pending", "Refusal audit rows waiting to be written.", value=pending)
            yield CounterMetricFamily("ehuying_audit_refusals_suppressed",
                                      "Anonymous refusals over the per-address limit, recorded as summaries only.", value=suppressed)
            yield CounterMetricFamily("ehuying_audit_refusals_dropped", "Refusal audit rows dropped because the queue was full.",
                                      value=dropped)


_AT_SCRAPE = _ReadAtScrape()
REGISTRY.register(_AT_SCRAPE)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed(request: Request, token: str) -> bool:
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    if any(h in request.headers for h in ("forwarded", "x-forwarded-for", "x-real-ip")):
        return False
    return request.client is not None and _loopback(request.client.host)


async def serve_metrics(request: Request) -> Response:
    state = request.app.state
    if not allowed(request, state.settings.metrics_token):
        return PlainTextResponse("仅限本机或持有 METRICS_TOKEN / loopback or METRICS_TOKEN only", status_code=403)
    await _AT_SCRAPE.refresh(state)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
