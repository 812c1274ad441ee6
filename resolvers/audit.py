"""The audit trail of personal data: who saw it whole (READ_PERSONAL) and who changed it
(CHANGE_PERSONAL). Sign-ins are audited by resolvers/auth.py, refusals by
resolvers/audit_refusals.py, administrative changes by their resolvers.

Reads: each whole read is committed before the data is returned (a read must be audited even
when the rest of the operation is a query, and a crash must not leave unaudited data on a
screen). Reads resolved side by side — a page of 100 requests each showing its reporter — share
one transaction and one row per reader and kind, not a transaction each (`_ReadBatch`).

Changes: every flush of an ORM session made during a GraphQL operation is looked at after it is
written; a new, changed or deleted row of a model with personal fields (PERSONAL_FIELDS) adds
one CHANGE_PERSONAL row in the same transaction — so it commits or rolls back with the change —
naming the actor, the row and which fields changed (never their values: the trail is read by
administrators, who see personal data masked). The actor comes from the operation
(`operation_scope`, entered by schema/errors.py's extension for every operation). Bulk writes
outside the ORM (register imports) are audited as a whole by their own IMPORT row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import AuditEntry, DualReport, MeetingParticipant, Request, RequestReporter, Resident, Volunteer
from db.engine import Database, ReadOnlyDatabase, WriteRefused
from resolvers.actor import Actor

T = AuditEntry.__table__
READ_PERSONAL = "READ_PERSONAL"
CHANGE_PERSONAL = "CHANGE_PERSONAL"
DETAIL_LIMIT = 4000


# -- the operation in progress ----------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    actor: Actor | None
    client: str
    request_id: str | None


_OPERATION: ContextVar[Operation | None] = ContextVar("audit_operation", default=None)


@contextmanager
def operation_scope(actor: Actor | None, client: str, request_id: str | None) -> Iterator[None]:
    token = _OPERATION.set(Operation(actor, client, request_id))
    try:
        yield
    finally:
        try:
            _OPERATION.reset(token)
        except ValueError:  # left in another context than it was entered: just end it here
            _OPERATION.set(None)


# -- reads ------------------------------------------------------------------------------------

class _ReadBatch:
    """Rows of one engine that callers are waiting to see committed; written together."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int | None, str, str], list[int]] = {}
        self.at: datetime = utcnow()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def rows_to_write(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for (actor_id, kind, client), ids in self.rows.items():
            for detail in _chunks(sorted(set(ids))):
                out.append({"at": self.at, "actor_user_id": actor_id, "action": READ_PERSONAL, "target": kind,
                            "detail": detail, "client": client})
        return out


_OPEN: dict[Any, _ReadBatch] = {}
_WRITING: set[asyncio.Task[None]] = set()


def _chunks(ids: Sequence[int]) -> Iterator[str]:
    """Comma-joined ids in pieces that fit the detail column (none is ever cut off)."""
    part: list[str] = []
    size = 0
    for i in ids:
        s = str(i)
        if part and size + len(s) + 1 > DETAIL_LIMIT:
            yield ",".join(part)
            part, size = [], 0
        part.append(s)
        size += len(s) + 1
    if part:
        yield ",".join(part)


async def record_personal_read(
    db: Database, actor: Actor | None, kind: str, ids: Sequence[int], client: str = ""
) -> None:
    """Audit a whole read of `kind` rows `ids`; returns once the row is committed (raises if it
    could not be, so the caller shows nothing unaudited)."""
    if not ids:
        return
    if isinstance(db, ReadOnlyDatabase):  # a compiled query: refuse before joining anyone's batch
        raise WriteRefused("a personal read is audited by the full executor")
    key_engine = db.write_engine
    batch = _OPEN.get(key_engine)
    if batch is None:
        batch = _OPEN[key_engine] = _ReadBatch()
        task = asyncio.get_running_loop().create_task(_write(db, key_engine, batch))
        _WRITING.add(task)
        task.add_done_callback(_WRITING.discard)
    batch.rows.setdefault((actor.user_id if actor else None, kind, client[:64]), []).extend(ids)
    await asyncio.shield(batch.done)


async def _write(db: Database, key_engine: Any, batch: _ReadBatch) -> None:
    # Let sibling fields of the same operation (resolved in the same turns of the loop) join.
    for _ in range(2):
        await asyncio.sleep(0)
    if _OPEN.get(key_engine) is batch:
        del _OPEN[key_engine]
    try:
        # Deliberately not under the SQLite write turn: a field resolved inside a unit of work
        # that holds the turn would wait for itself. A short insert on its own.
        async with db.write() as session:
            await session.execute(insert(T), batch.rows_to_write())
    except asyncio.CancelledError:
        batch.done.cancel()
        raise
    except Exception as exc:  # noqa: BLE001 — every waiting reader must learn it failed
        batch.done.set_exception(exc)
        batch.done.exception()  # retrieved: a batch nobody awaits any more must not warn
    else:
        batch.done.set_result(None)


# -- changes ----------------------------------------------------------------------------------

# The personal fields of each model whose changes are audited here. Requests' and reporters'
# contacts are given by the residents themselves when a request is made (the event log records
# that); only a later change of them is audited. Social organisations' contacts are audited by
# resolvers/society/organisations.py itself; staff accounts by resolvers/admin and resolvers/auth.
PERSONAL_FIELDS: dict[type, tuple[tuple[str, ...], bool]] = {
    # model: (fields, audit creation and deletion too)
    Resident: (("name", "phone", "room"), True),
    Volunteer: (("name", "phone"), True),
    DualReport: (("name", "phone"), True),
    MeetingParticipant: (("name", "phone"), True),
    Request: (("contact_name", "contact_phone"), False),
    RequestReporter: (("contact_name", "contact_phone"), False),
}


def _changed_fields(obj: Any, fields: tuple[str, ...]) -> list[str]:
    state = inspect(obj)
    return [f for f in fields if state.attrs[f].history.has_changes()]


def _personal_changes(session: Session) -> list[tuple[str, str]]:
    """(target, what) for every personal row this flush created, changed or deleted."""
    out: list[tuple[str, str]] = []
    for objects, verb in ((session.new, "created"), (session.dirty, "changed"), (session.deleted, "deleted")):
        for obj in objects:
            spec = PERSONAL_FIELDS.get(type(obj))
            if spec is None:
                continue
            fields, whole_rows = spec
            if verb == "changed":
                changed = _changed_fields(obj, fields)
                if changed:
                    out.append((f"{type(obj).__name__}:{obj.id}", "changed " + ",".join(changed)))
            elif whole_rows:
                present = [f for f in fields if getattr(obj, f, None)]
                if present or verb == "deleted":
                    out.append((f"{type(obj).__name__}:{obj.id}", f"{verb} " + ",".join(present or fields)))
    return out


@event.listens_for(Session, "after_flush")
def _audit_personal_changes(session: Session, _flush_context: Any) -> None:
    operation = _OPERATION.get()
    if operation is None:  # seeding, workers, migrations: no one to name
        return
    changes = _personal_changes(session)
    if not changes:
        return
    now = utcnow()
    suffix = f" request_id={operation.request_id}" if operation.request_id else ""
    rows = [{"at": now, "actor_user_id": operation.actor.user_id if operation.actor else None, "action": CHANGE_PERSONAL,
             "target": target[:128], "detail": (what + suffix)[:DETAIL_LIMIT], "client": operation.client[:64]}
            for target, what in changes]
    session.connection().execute(insert(T), rows)
