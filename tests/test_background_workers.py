"""Background workers (the overdue sweeper, the refusal sink, the notification sender…) run as
named tasks marked as that worker (schema/observability.py): their log lines say which worker
wrote them, and their statements are told apart from the statements of a request."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from sqlalchemy import event, select

from db.models import AuditEntry
from schema.logs import JsonFormatter, TextFormatter
from schema.observability import current_worker, start_worker


async def _who() -> str | None:
    return current_worker()


async def test_a_worker_and_the_tasks_it_starts_are_marked_and_its_log_lines_say_which() -> None:
    seen: dict[str, Any] = {}

    async def work() -> None:
        seen["own"] = current_worker()
        seen["child"] = await asyncio.create_task(_who())
        record = logging.LogRecord("ehuying.test", logging.INFO, __file__, 1, "swept %d", (3,), None)
        seen["json"] = json.loads(JsonFormatter().format(record))
        seen["text"] = TextFormatter().format(record)

    await start_worker(work(), "test-worker")
    assert seen["own"] == seen["child"] == "test-worker"
    assert current_worker() is None  # whoever started it is not marked
    assert seen["json"]["worker"] == "test-worker" and seen["json"]["message"] == "swept 3"
    assert "request_id" not in seen["json"]
    assert "[test-worker] swept 3" in seen["text"]


async def test_the_refusal_sinks_writes_are_its_own_not_the_code_under_tests(app: Any, db: Any, count_statements: Any) -> None:
    """The app's refusal sink writes on a timer of its own; what it writes while a test counts
    statements is marked as the sink's, and not counted as the test's (seen in CI before it was)."""
    sink = app.state.audit_sink
    client = "worker-" + uuid.uuid4().hex[:12]
    writes: list[tuple[str, str | None]] = []

    def watch(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        writes.append((statement, current_worker()))

    engine = db.write_engine.sync_engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        with count_statements() as counted:
            assert sink.record(actor_user_id=None, client=client, target="anonymous", detail="a refused look")
            async with asyncio.timeout(60):  # the sink's own loop writes it, within FLUSH_SECONDS
                while sink.pending:
                    await asyncio.sleep(0.05)
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert any("audit_entry" in statement and worker == "audit-refusals" for statement, worker in writes), writes
    assert counted.count == 0, counted.statements
    async with db.read() as conn:
        rows = (await conn.execute(select(AuditEntry.__table__.c.detail).where(AuditEntry.__table__.c.client == client))).all()
    assert [r.detail for r in rows] == ["a refused look"]
