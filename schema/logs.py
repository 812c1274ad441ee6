"""Logging set up once at start-up: JSON lines (LOG_FORMAT=json, the default in production) or
plain text, on stderr, every record carrying the request id of the HTTP request or WebSocket
connection it was logged under, or the name of the background worker it was logged by
(schema/observability.py).

A JSON line is one object: time (UTC, ISO 8601), level, logger, message, request_id (when
known), worker (when logged by a background worker), then any `extra={...}` fields of the
record, and exception (the formatted traceback) when there is one. uvicorn's own loggers are given the same format; its access lines also get
method, path and status as fields.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

import orjson

from schema.observability import current_request_id, current_worker

# Attributes every LogRecord has; anything else on a record came from `extra=` and is emitted.
_STANDARD = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message", "asctime", "taskName", "color_message"}  # uvicorn's coloured twin of the message
_OURS = "_ehuying_handler"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def _request_id(record: logging.LogRecord) -> str | None:
    return getattr(record, "request_id", None) or current_request_id()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = _request_id(record)
        if rid:
            entry["request_id"] = rid
        worker = current_worker()
        if worker:
            entry["worker"] = worker
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            _client, method, path, _version, status = record.args
            entry.update(method=method, path=path, status=status)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = _request_id(record) or current_worker() or "-"
        return super().format(record)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners and supervisors swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(log_format: str, level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Install (or replace) this app's handler on the root logger; other handlers stay."""
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _OURS, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    handler._ehuying_previous_level = root.level  # type: ignore[attr-defined]
    root.setLevel(level)
    for name in UVICORN_LOGGERS:  # uvicorn's handlers keep their streams, take our format
        for h in logging.getLogger(name).handlers:
            h.setFormatter(handler.formatter)
    return handler


def remove_logging(handler: logging.Handler) -> None:
    root = logging.getLogger()
    root.removeHandler(handler)
    root.setLevel(getattr(handler, "_ehuying_previous_level", root.level))
