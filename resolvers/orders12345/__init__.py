"""Work orders from the city's 12345 platform (市民热线工单), and Open311 GeoReport v2 intake.

Inbound: ``POST /api/12345/orders``
-----------------------------------
The body is one JSON object (UTF-8, at most 64 KiB)::

    {
      "orderNo":    "SD12345-20261126-000123",      # required; 1–64 of A–Z a–z 0–9 - _ (the idempotency key)
      "receivedAt": "2026-11-26T09:30:00+08:00",    # required; ISO 8601 with a zone; when the platform took the call
      "caller":     {"name": "张三", "phone": "13800001234"},   # required object; name ≤ 32 chars, phone a
                                                    # mobile or landline (+86, spaces, full-width digits accepted); both optional
      "text":       "楼下烧烤店油烟很大……",          # required; 1–2000 characters
      "address":    "胜利路12号3号楼2单元301室",     # required; ≤ 200 characters
      "category":   "噪音扰民",                      # optional; a taxonomy subcategory name (or "大类/小类") or code
      "attachments": ["https://…/a.jpg"]            # optional; ≤ 10 http(s) URLs, kept as links, never fetched
    }

Authentication: the shared secret ``CITY12345_SECRET`` signs ``<timestamp>.<raw body>`` with
HMAC-SHA256. Headers: ``X-12345-Timestamp: <unix seconds>`` and
``X-12345-Signature: sha256=<lower-case hex>``. The timestamp is part of what is signed (so a
captured body cannot be replayed later under a fresh timestamp) and must be within ±5 minutes.

Answers (JSON):

* ``201`` a new request; ``200`` the same order number again (a retry, or two deliveries at once):
  ``{"orderNo", "requestId", "trackingCode", "state", "match", "building": {"id", "name", "address"} | null,
  "replayed"}``. Never a second request for one order number.
* ``401`` ``{"error": {"code": "UNSIGNED" | "BAD_SIGNATURE" | "STALE_TIMESTAMP", "message", "messageEn"}}``.
* ``400`` ``{"error": {"code": "MALFORMED_JSON" | "INVALID_ORDER", …, "problems": [{"field", "code", "message",
  "messageEn"}]}}`` — every problem at once (codes REQUIRED, MALFORMED, TOO_LONG, TOO_MANY, IN_FUTURE).
* ``413`` ``TOO_LARGE``; ``503`` ``NOT_CONFIGURED`` when no secret is set. Nothing is written on any error.

The request gets channel ``CITY_HOTLINE``, the caller as its reporter (contact name and phone),
and a building when the address names one (exact address, then the normalised address —
full-width digits, 栋/幢/座/# for 号楼, Chinese numerals, spaces, unit and room dropped —, then a
unique match with an administrative prefix such as 烟台市芝罘区 or a door number with only one
building). Otherwise it has no place and waits for the center's ``placeRequest``. A category that
names a subcategory becomes the request's suggested subcategory; the center triages as usual.

Outbound: outcome reports
-------------------------
When a request created from an order ends — ``CLOSED``, ``REJECTED`` (with the reason) or
``MERGED`` into another request — and again when the request an order was merged into is closed
or rejected, a report is written to an outbox in the same transaction and POSTed by a background
worker to ``CITY12345_CALLBACK_URL``::

    {"orderNo", "trackingCode", "state", "resolution", "closedAt", "rating"?, "mergedInto"?}

signed the same way (``X-12345-Timestamp``, ``X-12345-Signature``) with ``Idempotency-Key:
<orderNo>:<state>``. One report per order and end state; a non-2xx answer or a network error is
retried with exponential backoff (``CITY12345_RETRY_BASE_SECONDS``, default 30 s, doubling, at most
an hour apart, ``CITY12345_MAX_ATTEMPTS`` default 10, then FAILED until retried from the console).
A crash between the platform's 2xx and our bookkeeping can repeat a delivery: the platform should
drop a repeated Idempotency-Key.

Open311 GeoReport v2
--------------------
``GET /open311/v2/services.json``, ``POST /open311/v2/requests.json`` (form-encoded; ``api_key``
from ``OPEN311_API_KEYS``, comma-separated) and ``GET /open311/v2/requests/{service_request_id}.json``
— see ``resolvers.orders12345.open311``.
"""
