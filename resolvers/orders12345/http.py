"""The HTTP routes of this package, mounted by app.py."""

from __future__ import annotations

from starlette.routing import Route

from resolvers.orders12345 import open311
from resolvers.orders12345.routes import receive_order

ROUTES = [
    Route("/api/12345/orders", receive_order, methods=["POST"]),
    Route("/open311/v2/services.json", open311.services, methods=["GET"]),
    Route("/open311/v2/requests.json", open311.post_request, methods=["POST"]),
    Route("/open311/v2/requests/{code}.json", open311.get_request, methods=["GET"]),
]
