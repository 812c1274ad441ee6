"""The per-process hub of live events.

One reader task per process, woken by the doorbell (schema/live.py), reads the log once per
bell — seq above its position, up to the log's top taken in the same snapshot (see read_items:
seqs follow commit order) — together with the rows every subscriber is judged on
(schema/live_log.py), decides in memory which subscriptions want each event
(`visible_in_memory` and `filter_predicate`, twins of the SQL rules), renders each event once per
*feed* and hands the result to the feed's members.

A feed is a group of subscriptions that would render alike: for WebSockets the same document,
variables (but `after`) and operation, seen with the same view of the data (schema/ws.py). Each
member keeps its own cursor. A subscription whose `after` is behind the hub first replays its gap
from the log itself, then joins the hub in the same step of the event loop as its last "caught
up?" check — so no event falls between replay and live, and none is sent twice (`attach`).

The hub's position moves when it *matches* a batch, before it awaits the rendering: whoever joins
during that await has caught up to the new position and skips the batch by its own cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from resolvers.actor import Actor
from resolvers.requests.visibility import visible_in_memory
from schema import metrics
from schema.live_log import LogItem, log_top, primed_loaders, read_items

log = logging.getLogger("ehuying.fanout")

BATCH = 200
FOLLOW_QUEUE = 500  # in-process followers: beyond this they fall back to reading the log


@dataclass(frozen=True, eq=False)
class Interest:
    """What one subscription wants, judged on a LogItem (never by SQL per subscriber)."""

    actor: Actor
    kinds: frozenset[str] | None = None
    request_id: int | None = None
    filter: Callable[[Any, Sequence[Any]], bool] | None = None
    keep: Callable[[LogItem], bool] | None = None
    after: int | None = None

    def matches(self, item: LogItem) -> bool:
        event, request = item.event, item.request
        if self.kinds is not None and event.kind not in self.kinds:
            return False
        if self.request_id is not None and event.request_id != self.request_id:
            return False
        if request is None or not visible_in_memory(self.actor, request, item.assignments, item.section_street):
            return False
        if self.filter is not None and not self.filter(request, item.assignments):
            return False
        return self.keep is None or self.keep(item)


class Feed:
    """Subscriptions that share one rendering per event. `render(item, loaders)` returns what
    members are handed (a serialised payload for WebSockets, the item itself in-process)."""

    def __init__(self, interest: Interest, render: Callable[[LogItem, Any], Awaitable[Any]], key: Hashable | None = None) -> None:
        self.interest, self.render, self.key = interest, render, key
        self.members: set[Member] = set()
        self.refs = 0  # members live or still replaying
        self.joined_upto = 0  # the newest cursor any member joined with

    def wants(self, item: LogItem) -> bool:
        """Whether to render `item` for this feed: it matches, and some member has not had it (a
        member may join ahead of the hub, from a cursor the hub has not read up to yet)."""
        if not self.interest.matches(item):
            return False
        return item.seq > self.joined_upto or any(m.last < item.seq for m in self.members)


class Member:
    """One subscriber: `last` is the newest seq it has been judged on, `delivered` the newest
    cursor actually handed over (what it resumes from after being cut off)."""

    __slots__ = ("feed", "deliver", "backpressure", "last", "delivered", "active")

    def __init__(self, feed: Feed, deliver: Callable[[Member, int, Any], None],
                 backpressure: Callable[[], Awaitable[None]] | None = None) -> None:
        self.feed, self.deliver, self.backpressure = feed, deliver, backpressure
        self.last = 0
        self.delivered = 0
        self.active = True


class Hub:
    def __init__(self, bus: Any, db: Any) -> None:
        self.bus, self.db = bus, db
        self.pos = 0
        self.feeds: set[Feed] = set()  # feeds with live members: the ones the reader matches
        self._keyed: dict[Hashable, Feed] = {}
        self.renders = 0  # executions of a selection (shared ones count once) — see tests/test_fanout.py
        self.deliveries = 0
        self._task: asyncio.Task[None] | None = None
        self._start_lock = asyncio.Lock()
        self._conn: Any = None

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        async with self._start_lock:
            if self._task is not None:
                return
            async with self.db.read() as conn:
                self.pos = await log_top(conn)
            self._task = asyncio.create_task(self._run(), name="live-hub")

    async def stop(self) -> None:
        # Cancel until really done (see EventBus.stop): a cancellation can be swallowed on 3.11.
        while self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=1.0)
        await self._drop_reader()

    async def _run(self) -> None:
        from schema.live import wait_for_bell

        async with self.bus.doorbell() as bell:
            while True:
                await wait_for_bell(bell)
                try:
                    await self._advance()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 — the log is still there: try again shortly
                    log.exception("live hub could not read the event log")
                    await self._drop_reader()
                    await asyncio.sleep(1.0)
                    bell.set()

    # -- membership -------------------------------------------------------------------------

    def feed(self, key: Hashable, make: Callable[[], Feed]) -> Feed:
        """The feed for `key`, made on first use; the caller must attach a member to it."""
        feed = self._keyed.get(key)
        if feed is None:
            feed = self._keyed[key] = make()
            feed.key = key
        feed.refs += 1
        return feed

    async def attach(self, member: Member, after: int | None) -> None:
        """Replay what `member` missed after `after` (None: from now), then join live."""
        await self.start()
        if after is None:
            async with self.db.read() as conn:
                after = await log_top(conn)
        member.last = member.delivered = after
        feed = member.feed
        while member.active and member.last < self.pos:
            upto = self.pos  # all committed and read by the hub: nothing at or below can still appear
            async with self.db.read() as conn:
                items = await read_items(conn, member.last, upto, BATCH)
            loaders = primed_loaders(self.db, items)
            for item in items:
                if member.active and feed.interest.matches(item):
                    payload = await feed.render(item, loaders)
                    member.last = item.seq
                    member.deliver(member, item.seq, payload)
            member.last = items[-1].seq if len(items) == BATCH else upto
            if member.backpressure is not None:
                await member.backpressure()  # a long replay goes at the socket's pace
        if member.active:  # no await since the loop's check: the hub has not moved past us
            feed.members.add(member)
            feed.joined_upto = max(feed.joined_upto, member.last)
            self.feeds.add(feed)

    def detach(self, member: Member) -> None:
        if not member.active:
            return
        member.active = False
        feed = member.feed
        feed.members.discard(member)
        feed.refs -= 1
        if not feed.members:
            self.feeds.discard(feed)
        if feed.refs <= 0 and feed.key is not None and self._keyed.get(feed.key) is feed:
            del self._keyed[feed.key]

    # -- the reader ---------------------------------------------------------------------------

    async def _advance(self) -> None:
        conn = await self._reader()
        while True:
            if not self.feeds:  # nobody to tell; joiners replay themselves
                top = await log_top(conn)
                # Looked at again after the await: a subscriber that joined at the old position
                # meanwhile must be handed what lies below `top`, not skipped past it.
                if not self.feeds:
                    self.pos = max(self.pos, top)
                    return
            items = await read_items(conn, self.pos, None, BATCH)
            if not items:
                return
            feeds = list(self.feeds)
            plan = [(item, feed) for item in items for feed in feeds if feed.wants(item)]
            self.pos = items[-1].seq
            await self._deliver(items, plan)
            if len(items) < BATCH:
                return

    async def _reader(self) -> Any:
        """The reader's own connection, held open in autocommit: no pool checkout, ping, BEGIN or
        ROLLBACK per bell — one round trip a statement (read_items needs no transaction)."""
        if self._conn is None:
            conn = self.db.engine.connect()
            await conn.start()
            self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    async def _drop_reader(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _deliver(self, items: list[LogItem], plan: list[tuple[LogItem, Feed]]) -> None:
        loaders = primed_loaders(self.db, items)
        # Render concurrently, so the DataLoaders batch across feeds; hand over in log order.
        payloads = await asyncio.gather(*(feed.render(item, loaders) for item, feed in plan))
        delivered = 0
        for (item, feed), payload in zip(plan, payloads):
            seq = item.seq
            for member in list(feed.members):  # a delivery may cut a slow member off
                if seq > member.last and member.active:
                    member.last = seq
                    member.deliver(member, seq, payload)
                    delivered += 1
        self.deliveries += delivered
        metrics.observe_deliveries((item for item, _ in plan), delivered)  # the event lag histogram

    # -- in-process followers (strawberry's own subscription execution) ---------------------------

    async def follow(self, interest: Interest) -> AsyncIterator[LogItem]:
        """The items `interest` wants, replayed from its `after` and then live, in log order. A
        follower that does not keep up drops out of the hub and catches up from the log."""
        queue: deque[LogItem] = deque()
        ready = asyncio.Event()

        def deliver(member: Member, seq: int, item: LogItem) -> None:
            if len(queue) >= FOLLOW_QUEUE:
                member.last = member.delivered  # not taken: catch up from the log from here
                self.detach(member)
                ready.set()
                return
            queue.append(item)
            member.delivered = seq
            ready.set()

        async def identity(item: LogItem, loaders: Any) -> LogItem:
            return item

        await self.start()
        after = interest.after
        if after is None:
            async with self.db.read() as conn:
                after = await log_top(conn)
        while True:
            member = Member(self.feed(object(), lambda: Feed(interest, identity)), deliver)
            member.last = member.delivered = after
            try:
                while member.last < self.pos:  # replay at the consumer's own pace
                    upto = self.pos
                    async with self.db.read() as conn:
                        items = await read_items(conn, member.last, upto, BATCH)
                    for item in items:
                        if interest.matches(item):
                            yield item
                    member.last = member.delivered = items[-1].seq if len(items) == BATCH else upto
                member.feed.members.add(member)
                self.feeds.add(member.feed)
                while member.active or queue:
                    if not queue:
                        ready.clear()
                        await ready.wait()
                        continue
                    yield queue.popleft()
                after = member.last
            finally:
                self.detach(member)
