"""Who is told when a transaction that wrote staff accounts (`app_user`, `user_scope`) commits.

The HTTP path remembers signed-in callers for a moment (schema/actor_cache.py); whatever changes
an account — an administrative mutation, a password change, a register import, a script — must
make this process forget them, and only once the change is visible: forgetting before the commit
would let a concurrent request read the old row again and remember it. So writes are noticed as
they are flushed or executed in a session, and the listeners are called after that session's
commit (never for a rollback).
"""

from __future__ import annotations

import logging
import weakref
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger("ehuying.db")

TABLES = frozenset({"app_user", "user_scope"})
_FLAG = "ehuying_users_written"


class Listener(Protocol):
    def users_changed(self) -> None: ...


_listeners: weakref.WeakSet[Any] = weakref.WeakSet()


def listen(listener: Listener) -> None:
    """Call `listener.users_changed()` after every commit that wrote accounts (held weakly: an
    app that is gone stops listening)."""
    _listeners.add(listener)


def notify() -> None:
    for listener in list(_listeners):
        try:
            listener.users_changed()
        except Exception:
            log.exception("account-change listener failed")


def _is_account_row(obj: Any) -> bool:
    table = getattr(type(obj), "__table__", None)
    return table is not None and table.name in TABLES


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    if any(_is_account_row(o) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in TABLES:
            state.session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        notify()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
