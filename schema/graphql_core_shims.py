"""Work-around for graphql-core 3.3.2 (../shared/KNOWN-DEFECTS.md §1).

`Executor.build_per_event_executor` makes a shallow copy, so every subscription event adds
entries to the `_relevant_sub_fields` memo shared for the life of the subscription (keyed by
the id() of per-event lists): memory grows with every event and GC pauses grow with it. Each
per-event executor gets its own fresh memo here. Installed once at import; idempotent.
"""

from __future__ import annotations

from typing import Any

from graphql.execution.executor import Executor

_original = Executor.build_per_event_executor


def _per_event_executor_with_fresh_memo(self: Executor, payload: Any) -> Executor:
    executor = _original(self, payload)
    executor._relevant_sub_fields = {}
    return executor


def install() -> None:
    if getattr(Executor.build_per_event_executor, "_ehuying_shim", False):
        return
    _per_event_executor_with_fresh_memo._ehuying_shim = True  # type: ignore[attr-defined]
    Executor.build_per_event_executor = _per_event_executor_with_fresh_memo  # type: ignore[method-assign]
