"""In-process event bus: one publisher (the AMI reader), many subscribers, nobody blocks.

Each subscriber owns a bounded queue. When a subscriber is too slow and its queue is full, the
OLDEST waiting event is dropped to make room: a lagging consumer (a dashboard, a metrics
exporter) is best served by the freshest picture, and the newest events are the ones that
carry the current state of a call (Hangup, Cdr). Consumers that must not lose anything
(reconciliation) read the database, not the bus; their subscription just gets a larger bound.
Drops are counted per subscriber so a lagging one is visible.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Subscription(Generic[T]):
    def __init__(self, bus: Bus[T], name: str, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.name = name
        self.maxsize = maxsize
        self.dropped = 0
        self.delivered = 0
        self.high_water = 0
        self._bus = bus
        self._items: deque[T] = deque()
        self._ready = asyncio.Event()
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, item: T) -> None:
        """Never blocks: drops the oldest queued item when full."""
        if self._closed:
            return
        if len(self._items) >= self.maxsize:
            self._items.popleft()
            self.dropped += 1
        self._items.append(item)
        self.high_water = max(self.high_water, len(self._items))
        self._ready.set()

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        self.delivered += 1
        return self._items.popleft()

    async def get(self) -> T:
        """Next item; raises EOFError once the subscription is closed and drained."""
        while not self._items:
            if self._closed:
                raise EOFError(f"subscription {self.name!r} closed")
            self._ready.clear()
            await self._ready.wait()
        return self.get_nowait()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[T]:
        while True:
            try:
                yield await self.get()
            except EOFError:
                return

    def close(self) -> None:
        """Stop receiving; a waiting `get` wakes up and ends once the queue is drained."""
        self._closed = True
        self._bus._remove(self)
        self._ready.set()


class Bus(Generic[T]):
    def __init__(self) -> None:
        self._subscriptions: list[Subscription[T]] = []
        self.published = 0

    def subscribe(self, name: str, maxsize: int = 10_000) -> Subscription[T]:
        subscription = Subscription(self, name, maxsize)
        self._subscriptions.append(subscription)
        return subscription

    def publish(self, item: T) -> None:
        self.published += 1
        for subscription in tuple(self._subscriptions):
            subscription.offer(item)

    def drops(self) -> dict[str, int]:
        return {s.name: s.dropped for s in self._subscriptions}

    def _remove(self, subscription: Subscription[T]) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    def close(self) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.close()
