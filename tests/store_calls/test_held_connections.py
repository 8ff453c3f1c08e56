"""PostgreSQL: the call path's held connections (``HeldConnections``): one connection per use,
kept for the next use, never more than the set's size at once; a use that fails or is cancelled
drops its connection, and later uses still get one."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Connection, text

from ivr.store.held_connections import HeldConnections


def _backend_after(conn: Connection, seconds: float) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid() FROM pg_sleep(:s)"), {"s": seconds})
               .scalar_one())  # fmt: skip


def _fail(conn: Connection) -> None:
    conn.execute(text("SELECT 1/0"))


async def test_uses_share_at_most_size_connections_kept_between_uses(
    held: HeldConnections,
) -> None:
    first = await held.run_sync(_backend_after, 0)
    again = await held.run_sync(_backend_after, 0)
    together = await asyncio.gather(*(held.run_sync(_backend_after, 0.05) for _ in range(6)))

    assert again == first  # kept, not opened again
    assert len(set(together)) == 2 and first in together  # six uses, two connections


async def test_a_failed_or_cancelled_use_drops_its_connection(held: HeldConnections) -> None:
    first = await held.run_sync(_backend_after, 0)
    with pytest.raises(Exception, match="division by zero"):
        await held.run_sync(_fail)
    after_failure = await held.run_sync(_backend_after, 0)

    slow = asyncio.ensure_future(held.run_sync(_backend_after, 5))
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    after_cancel = await asyncio.wait_for(held.run_sync(_backend_after, 0), 2)

    assert len({first, after_failure, after_cancel}) == 3


async def test_a_use_waits_for_a_connection_and_close_ends_the_wait(
    held: HeldConnections,
) -> None:
    busy = [asyncio.ensure_future(held.run_sync(_backend_after, 0.3)) for _ in range(2)]
    await asyncio.sleep(0.1)
    waiting = asyncio.ensure_future(held.run_sync(_backend_after, 0))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # both connections are lent out

    await held.close()
    with pytest.raises(RuntimeError, match="closed"):
        await waiting
    assert len(set(await asyncio.gather(*busy))) == 2  # uses under way still finish
