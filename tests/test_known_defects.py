"""Regression tests for the dependency defects we work around (../shared/KNOWN-DEFECTS.md)."""

import asyncio
import os
from typing import Any

import pytest
from broadcaster import Broadcast
from graphql import build_schema, parse
from graphql.execution.executor import Executor

import schema  # noqa: F401 — installs the graphql-core shim
from schema.broadcast_shims import FixedRedisBackend


def test_1_per_event_executors_do_not_share_a_growing_memo() -> None:
    gql = build_schema("type Query { a: String } type Item { x: Int } type Subscription { items: [Item] }")
    executor = Executor.build(gql, parse("subscription { items { x } }"))
    for i in range(50):
        event = executor.build_per_event_executor({"items": [{"x": i}, {"x": i + 1}]})
        result = event.execute_operation(False)
        assert result.data == {"items": [{"x": i}, {"x": i + 1}]}
    # Before the shim, the subscription's executor held one memo entry per event.
    assert len(executor._relevant_sub_fields) == 0


REDIS = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS, reason="needs Redis (the CI's second pass)")
async def test_3_a_single_redis_subscriber_receives_events() -> None:
    channel = f"ehy-defect3-{os.getpid()}"
    broadcast = Broadcast(backend=FixedRedisBackend(REDIS))
    await broadcast.connect()
    try:
        async with broadcast.subscribe(channel) as sub:
            await asyncio.sleep(0.1)
            await broadcast.publish(channel, "hello")
            event = await asyncio.wait_for(sub.get(), 5)
            assert event.message == "hello"
    finally:
        await broadcast.disconnect()


@pytest.mark.skipif(not REDIS, reason="needs Redis (the CI's second pass)")
async def test_2_one_bus_subscription_serves_many_concurrent_subscribers() -> None:
    """Concurrent first subscribers used to overwrite each other's queue; our bus holds one
    subscription per process and fans out locally, so all 100 are rung."""
    from schema.live import EventBus

    bus = EventBus(REDIS, prefix=f"ehy-defect2-{os.getpid()}:")
    await bus.start()
    try:
        rung = 0

        async def subscriber() -> None:
            nonlocal rung
            async with bus.doorbell() as bell:
                bell.clear()
                await asyncio.wait_for(bell.wait(), 10)
                rung += 1

        tasks = [asyncio.create_task(subscriber()) for _ in range(100)]
        await asyncio.sleep(0.2)
        from resolvers.events import CommittedEvent

        await bus.ring([CommittedEvent(seq=1, request_id=1, kind="SUBMITTED", street_id=None, community_id=None)])
        await asyncio.gather(*tasks)
        assert rung == 100
    finally:
        await bus.stop()
