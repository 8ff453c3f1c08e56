"""Small asyncio helpers shared by the long-running parts of the switch."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has really ended (None: nothing to stop)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def free_closed_transport(transport: asyncio.BaseTransport | None) -> None:
    """Let reference counting free a connection's transport (and its socket) once it is lost.

    Why: CPython's selector socket transport keeps a bound method of itself in
    ``_read_ready_cb`` (asyncio/selector_events.py, 3.11 to 3.13), so every closed connection
    stays a reference cycle until the garbage collector finds it. At hundreds of calls a second
    those cycles were most of what each collection walked (bench/README.md, round 5). Call it
    once the transport reads no more: in ``connection_lost``, or after ``close()`` (which stops
    reading at once)."""
    if getattr(transport, "_read_ready_cb", None) is not None:
        transport._read_ready_cb = None  # type: ignore[union-attr]
