"""A call does not wait for the release of its claim: the slot is given back behind it, and
nothing of the call (its end, its record) hangs on the database's write queue."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ivr.store import claims

from . import flows
from .harness import Harness

OVERFLOW = "buyer-a-overflow"


async def test_the_call_ends_before_its_release_lands(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = harness.switch.db.writes
    submit, landed = queue.submit, asyncio.Event()
    gate = asyncio.Event()

    def gated_release(job: Any, *args: Any, **kwargs: Any) -> Any:
        done = submit(job, *args, **kwargs)
        if not isinstance(job, claims.GiveBack):
            return done

        async def after_the_gate() -> Any:
            await gate.wait()  # a write queue that is slow to get to the release
            result = await done
            landed.set()
            return result

        return asyncio.ensure_future(after_the_gate())

    monkeypatch.setattr(queue, "submit", gated_release)
    script = flows.auto_call(dial_outcomes={OVERFLOW: flows.ANSWER_95})
    report = await asyncio.wait_for(harness.call(script), 3)  # the store waits 5 s at least

    assert report.commands[-1] == flows.DONE and not landed.is_set()
    assert (await harness.stored(report))["disposition"] == "connected"
    gate.set()
    await harness.switch.store.settle()
    assert landed.is_set() and (await harness.load_of(OVERFLOW)).active == 0
