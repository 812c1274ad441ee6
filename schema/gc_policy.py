"""The cyclic garbage collector, tuned for a process that holds thousands of WebSocket connections.

A full collection walks every tracked object and stops the event loop — and every live delivery
— for as long as it takes. Measured with 1,000 subscribers: ~280k tracked objects (start-up
~110k, then ~150 per connection across uvicorn, starlette and strawberry), 60–100 ms of CPU per
full collection, several a minute: the largest single cause of p99 delivery latency
(bench/README.md).

So after each full collection its survivors are frozen (`gc.freeze()`): they are long-lived —
modules, the schema, open connections — and the next full collections only walk what became
long-lived since (5–30 ms). Something frozen that later dies inside a reference cycle (a closed
connection, say) is not freed while frozen, so every SWEEP_EVERY-th full collection is a sweep:
unfrozen first, it walks everything once and frees what died. That bounds what is held back to
what dies between two sweeps, and pays the long pause once per sweep instead of every time.

(Counting collections, not the frozen set's size: `gc.get_freeze_count()` walks the whole frozen
list, and calling it after every full collection cost more p99 than it saved — measured.)
"""

from __future__ import annotations

import gc
from typing import Any

SWEEP_EVERY = 20


class _FreezeSurvivors:
    def __init__(self) -> None:
        self.full_collections = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info.get("generation") != 2:
            return
        self.full_collections += 1
        if self.full_collections % SWEEP_EVERY == 0:
            gc.unfreeze()  # the next full collection walks everything once
        else:
            gc.freeze()


def install() -> None:
    """Once per process; start-up's objects are frozen at once."""
    if any(isinstance(cb, _FreezeSurvivors) for cb in gc.callbacks):
        return
    gc.collect()
    gc.freeze()
    gc.callbacks.append(_FreezeSurvivors())
