"""An unfinished record read back for reconciliation carries its stored timeline."""

from __future__ import annotations

from ivr.calls.record import CallEvent
from ivr.store.db import Database
from ivr.store.stored_calls import SqlStoredCalls
from store_calls.support import Wiring, new_call


async def test_an_unfinished_call_comes_back_with_its_events_in_order(
    db: Database, wiring: Wiring
) -> None:
    call = new_call(1)  # open: its session died with the process
    call.event(call.started_at + 2.5, "menu.step", node="welcome", result="played")
    call.event(call.started_at + 7.125, "dial.start", target="t-all")
    await wiring.store.checkpoint(call)
    assert await wiring.writer.flush(5)

    found = await SqlStoredCalls(db, dict).find_unfinished(call.uniqueid)

    assert found is not None and found.id == call.id
    assert found.events == call.events
    assert found.events[1] == CallEvent(
        round(call.started_at + 2.5, 3), "menu.step", {"node": "welcome", "result": "played"}
    )
