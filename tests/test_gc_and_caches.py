"""Heap hygiene for a process holding thousands of WebSockets (schema/gc_policy.py), and the
validation cache actually caching (schema/__init__.py): both showed up as full-GC pauses in the
live fan-out's p99 (bench/README.md)."""

from __future__ import annotations

import gc
from typing import Any

from strawberry.extensions.validation_cache import _get_validate_cache

from schema import CACHE_SIZE, gc_policy


async def test_a_repeated_operation_is_validated_once(app: Any) -> None:
    """strawberry's QueryDepthLimiter/MaxAliasesLimiter made a new rule class per operation, so
    the ValidationCache (keyed by the rules) never hit and kept 512 entries of dead classes."""
    cache = _get_validate_cache(CACHE_SIZE)
    query = "query RepeatedForTheCache { __typename }"
    await app.state.schema.execute(query)
    before = cache.cache_info()
    for _ in range(3):
        result = await app.state.schema.execute(query)
        assert result.errors is None
    after = cache.cache_info()
    assert after.hits - before.hits == 3 and after.misses == before.misses


async def test_limits_still_hold_with_shared_rules(app: Any) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(40))
    result = await app.state.schema.execute("{ " + aliases + " }")
    assert result.errors and "aliases" in result.errors[0].message


async def test_survivors_of_full_collections_are_frozen_and_swept_now_and_then(app: Any) -> None:
    policy = next(cb for cb in gc.callbacks if isinstance(cb, gc_policy._FreezeSurvivors))  # installed at start-up
    gc.disable()  # only the collections below
    try:
        hoard = [[i] for i in range(10_000)]  # long-lived
        for _ in range(gc_policy.SWEEP_EVERY + 1):
            gc.collect()
            if policy.full_collections % gc_policy.SWEEP_EVERY == 0:
                assert gc.get_freeze_count() == 0  # unfrozen: the next full collection walks everything
            else:
                assert gc.get_freeze_count() >= len(hoard)  # survivors frozen: full collections skip them
        del hoard
    finally:
        gc.enable()
