import asyncio

from ivr.ami.bus import Bus

FLOOD = 100_000


async def test_flood_with_stalled_subscriber_stays_bounded_and_fast_one_gets_all() -> None:
    bus: Bus[int] = Bus()
    stalled = bus.subscribe("stalled", maxsize=500)
    fast = bus.subscribe("fast", maxsize=1_000)
    received: list[int] = []

    async def consume() -> None:
        async for item in fast:
            received.append(item)

    consumer = asyncio.create_task(consume())
    for n in range(FLOOD):
        bus.publish(n)
        assert len(stalled) <= 500
        if n % 200 == 199:  # the AMI reader yields between socket reads
            await asyncio.sleep(0)
    await asyncio.sleep(0)
    fast.close()
    await asyncio.wait_for(consumer, 5)

    assert received == list(range(FLOOD))
    assert fast.dropped == 0
    assert stalled.high_water == 500
    assert stalled.dropped == FLOOD - 500
    assert bus.drops() == {"stalled": FLOOD - 500}  # the closed one is gone
    # Oldest dropped: what is left is the newest 500.
    assert [stalled.get_nowait() for _ in range(500)] == list(range(FLOOD - 500, FLOOD))


async def test_publish_never_blocks_without_consumers() -> None:
    bus: Bus[str] = Bus()
    sub = bus.subscribe("idle", maxsize=1)
    bus.publish("a")
    bus.publish("b")
    assert sub.dropped == 1
    assert await sub.get() == "b"


async def test_closed_subscription_ends_iteration_after_draining() -> None:
    bus: Bus[int] = Bus()
    sub = bus.subscribe("s", maxsize=10)
    bus.publish(1)
    sub.close()
    bus.publish(2)
    assert [item async for item in sub] == [1]
