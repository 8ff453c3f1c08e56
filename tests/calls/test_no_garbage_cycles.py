"""Done when: a finished call is freed by reference counting alone. Whatever a call leaves in
reference cycles waits for the garbage collector, and each collection stops every call in
progress for as long as it walks them (a 70-90 ms pause at a few hundred calls a second)."""

from __future__ import annotations

import collections
import gc

from . import flows
from .harness import Harness

CALLERS = ("+13125550141", "+13125550142", "+13125550143", "+13125550144", "+13125550145")


async def test_finished_calls_leave_nothing_for_the_garbage_collector(harness: Harness) -> None:
    await harness.call(flows.auto_call("+13125550140"))  # pools and caches fill here
    assert await harness.switch.writer.flush(5)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # everything found unreachable is kept in gc.garbage
    try:
        for caller in CALLERS:
            report = await harness.call(flows.auto_call(caller))
            assert report.ivr_done
        assert await harness.switch.writer.flush(5)  # the records reached the database too
        gc.collect()
        left = collections.Counter(type(thing).__qualname__ for thing in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == {}
