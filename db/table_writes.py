"""Who is told when a transaction that wrote certain tables commits.

Some reads are remembered in the process for a moment — signed-in callers (`app_user`,
`user_scope`: schema/actor_cache.py), the subcategories' keywords (resolvers/requests/keywords.py).
Whatever changes those rows — an administrative mutation, a password change, a register import, a
script using the app's sessions — must make this process forget them, and only once the change is
visible: forgetting before the commit would let a concurrent request read the old rows again and
remember them. So writes are noticed as they are flushed or executed in a session, and the
listeners of the tables written are called after that session's commit (never for a rollback).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger("ehuying.db")

_FLAG = "ehuying_tables_written"
# table name → callbacks (bound methods held weakly: an app that is gone stops listening)
_listeners: dict[str, list[weakref.WeakMethod | Callable[[], None]]] = {}


def listen(tables: set[str] | frozenset[str], callback: Callable[[], None]) -> None:
    """Call `callback()` after every commit that wrote any of `tables`."""
    ref: Any = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else callback
    for table in tables:
        _listeners.setdefault(table, []).append(ref)


ANY = "*"  # listeners of every commit that wrote anything


def listen_any(callback: Callable[[], None]) -> None:
    """Call `callback()` after every commit of a unit of work that wrote anything."""
    listen({ANY}, callback)


def notify(tables: set[str]) -> None:
    called: set[Any] = set()
    for table in (*tables, ANY):
        refs = _listeners.get(table, [])
        for ref in list(refs):
            callback = ref() if isinstance(ref, weakref.WeakMethod) else ref
            if callback is None:
                refs.remove(ref)
                continue
            if ref in called:
                continue
            called.add(ref)
            try:
                callback()
            except Exception:  # noqa: BLE001 — one broken listener must not fail a committed write
                log.exception("table-change listener failed")


def _written(session: Session) -> set[str]:
    return session.info.setdefault(_FLAG, set())


def wrote(session: Session, table: str) -> None:
    """Note a write the session did not see itself (a statement run on the driver: db/direct.py)."""
    _written(session).add(table)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    written = _written(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__table__", None)
        if table is not None:
            written.add(table.name)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        name = getattr(getattr(state.statement, "table", None), "name", None)
        _written(state.session).add(name or "?")


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    written = session.info.pop(_FLAG, None)
    if written:
        notify(written)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
