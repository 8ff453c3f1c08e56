"""What sits between the caller's last key press and the Dial: the loads were read while the
menu ran, and the routed checkpoint goes to disk while the claim runs, yet is durable before
the Dial starts. A refused claim strikes its attempt out of the record again."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from ivr.agi.channel import AgiChannel
from ivr.calls import bridge
from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.sim.script import DialOutcome, Press

from . import flows
from .harness import Harness

NY_PRESSES = (Press("1"), Press("1"), Press("10001"))  # ranks buyer-a-main, then overflow
MAIN, OVERFLOW = "buyer-a-main", "buyer-a-overflow"
FULL = TargetLoad(active=10**6, hourly=10**6, daily=10**6, monthly=10**6)


def _ny_call(**outcomes: DialOutcome) -> Any:
    return flows.auto_call(caller=flows.NEW_YORK, presses=NY_PRESSES, dial_outcomes=outcomes)


def _attempt_targets(snapshot: Mapping[str, Any]) -> list[str | None]:
    return [a["target_id"] for a in snapshot["attempts"]]


async def test_routed_checkpoint_runs_beside_the_claim_and_is_durable_before_the_dial(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    routed_writing = asyncio.Event()
    append_soon, store_claim, real_dial = (
        harness.switch.journal.append_soon, harness.switch.store.claim, bridge.dial
    )  # fmt: skip

    def slow_append_soon(data: dict[str, Any], then: Any = None) -> Any:
        durable = append_soon(data, then)
        if not data["attempts"]:
            return durable
        routed_writing.set()  # the routed snapshot

        async def slow_disk() -> Any:
            entry = await durable
            await asyncio.sleep(0.05)  # a slow disk: the Dial must still wait for it
            steps.append(f"durable {_attempt_targets(data)}")
            return entry

        return asyncio.ensure_future(slow_disk())

    async def claim(call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        steps.append(f"claim {target.id}")
        # The claim can only answer once the routed snapshot is being written beside it.
        await asyncio.wait_for(routed_writing.wait(), 2)
        return await store_claim(call_id, target, campaign, at)

    async def dial(channel: Any, clock: Any, dial_string: str, *args: Any) -> Any:
        steps.append(f"dial {dial_string}")
        return await real_dial(channel, clock, dial_string, *args)

    monkeypatch.setattr(harness.switch.journal, "append_soon", slow_append_soon)
    monkeypatch.setattr(harness.switch.store, "claim", claim)
    monkeypatch.setattr(bridge, "dial", dial)
    report = await harness.call(_ny_call(**{MAIN: flows.ANSWER_95}))

    call = await harness.stored(report)
    assert call["disposition"] == "connected" and call["target_id"] == MAIN
    assert steps[:3] == [f"claim {MAIN}", f"durable ['{MAIN}']", f"dial PJSIP/{MAIN}"]


async def test_a_refused_claim_leaves_no_attempt_in_the_record(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    journaled: list[list[str | None]] = []
    append_soon, store_claim = harness.switch.journal.append_soon, harness.switch.store.claim

    def spied_append_soon(data: dict[str, Any], then: Any = None) -> Any:
        journaled.append(_attempt_targets(data))
        return append_soon(data, then)

    async def claim(call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        await asyncio.sleep(0)  # as a real claim does: the routed snapshot is taken meanwhile
        return target.id != MAIN and await store_claim(call_id, target, campaign, at)

    monkeypatch.setattr(harness.switch.journal, "append_soon", spied_append_soon)
    monkeypatch.setattr(harness.switch.store, "claim", claim)
    report = await harness.call(_ny_call(**{OVERFLOW: flows.ANSWER_95}))

    call = await harness.stored(report)
    assert [MAIN] in journaled  # the speculative routed snapshot was written...
    assert [(a["target_id"], a["dial_status"], a["seq"]) for a in call.attempts] == [
        (OVERFLOW, "ANSWER", 1)
    ]  # ...and superseded: main was never dialled
    assert [e["target"] for e in call.events_of("dial.start")] == [OVERFLOW]
    assert call.events_of("route.claim_lost") == [{"target": MAIN}]
    assert call["disposition"] == "connected" and call["target_id"] == OVERFLOW
    assert sum(line.startswith('EXEC "Dial"') for line in report.commands) == 1


class LoadSpy:
    """Wraps ``target_loads``: notes whether the caller was answered and whether the menu had
    ended at each read, and can answer the first read with every target full (as if they had
    been full when the menu began)."""

    def __init__(self, harness: Harness, *, first_full: bool) -> None:
        self.harness, self.first_full = harness, first_full
        self.real = harness.switch.store.target_loads
        self.answered: list[bool] = []
        self.menu_ended: list[bool] = []

    async def __call__(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        [call] = self.harness.switch.deps.live.values()
        self.answered.append(call.answered_at is not None)
        self.menu_ended.append(getattr(call, "ivr_ended_at", None) is not None)
        if self.first_full and len(self.menu_ended) == 1:
            await asyncio.sleep(0)
            return dict.fromkeys((t.id for t in targets), FULL)
        return await self.real(campaign, targets, at)


async def test_loads_are_read_while_the_call_is_screened_and_not_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = LoadSpy(harness, first_full=False)
    monkeypatch.setattr(harness.switch.store, "target_loads", spy)
    report = await harness.call(_ny_call(**{MAIN: flows.ANSWER_95}))

    call = await harness.stored(report)
    assert spy.answered == [False] and spy.menu_ended == [False]
    assert call["disposition"] == "connected" and call["target_id"] == MAIN


async def test_a_target_full_when_the_menu_began_is_read_again_and_dialled(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = LoadSpy(harness, first_full=True)
    monkeypatch.setattr(harness.switch.store, "target_loads", spy)
    report = await harness.call(_ny_call(**{MAIN: flows.ANSWER_95}))

    call = await harness.stored(report)
    assert spy.answered == [False, True]
    assert spy.menu_ended == [False, True]  # the early read excluded targets: read again
    [route] = call.events_of("route.decision")
    assert MAIN not in {e["target"] for e in route["excluded"]}
    assert call["disposition"] == "connected" and call["target_id"] == MAIN


async def test_nothing_is_sent_between_the_last_key_press_and_the_dial(harness: Harness) -> None:
    """With no hold prompt and no announcement, the reply to the last GET DATA is followed by
    EXEC Dial itself: the recording rides on the Dial (U() argument) and the answer moment needs
    no clearing, so no round trip adds to the post-dial delay."""

    def straight_to_the_buyer(plan: dict[str, Any]) -> None:
        nodes = plan["menus"][0]["nodes"]
        nodes["zip"]["next"] = nodes["zip"]["failure"] = "connect"
        plan["campaigns"][0]["recording"]["announce"] = False  # still recorded

    await harness.apply(straight_to_the_buyer)
    report = await harness.call(flows.auto_call(dial_outcomes={OVERFLOW: flows.ANSWER_95}))

    call = await harness.stored(report)
    last_key = report.commands.index(flows.ZIP)
    assert report.commands[last_key + 1 :] == [
        *flows.dial_commands(f"PJSIP/{OVERFLOW}", 20, f"PJSIP/{OVERFLOW}-00000001",
                             flows.recording_path(call.recording_file)),
        flows.DONE,
    ]  # fmt: skip
    assert call["disposition"] == "connected" and call["recording_path"] == call.recording_file
    assert call.seconds("talk_s") == Decimal("95.000")


async def test_the_opened_record_goes_to_disk_beside_the_screening_read_and_before_the_answer(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One wait instead of two before the caller is answered: the caller's history is read
    while the opened snapshot is written, and the answer still waits for it to be durable."""
    steps: list[str] = []
    append_soon, read_history = (
        harness.switch.journal.append_soon, harness.switch.store.caller_history
    )  # fmt: skip

    def slow_first_append(data: dict[str, Any], then: Any = None) -> Any:
        durable = append_soon(data, then)
        if data["version"] != 1:
            return durable

        async def slow_disk() -> Any:
            entry = await durable
            await asyncio.sleep(0.05)
            steps.append("opened durable")
            return entry

        return asyncio.ensure_future(slow_disk())

    async def caller_history(*args: Any, **kwargs: Any) -> Any:
        steps.append("history read")
        return await read_history(*args, **kwargs)

    async def answer(channel: AgiChannel) -> None:
        steps.append("answer")
        await real_answer(channel)

    real_answer = AgiChannel.answer
    monkeypatch.setattr(harness.switch.journal, "append_soon", slow_first_append)
    monkeypatch.setattr(harness.switch.store, "caller_history", caller_history)
    monkeypatch.setattr(AgiChannel, "answer", answer)
    report = await harness.call(_ny_call(**{MAIN: flows.ANSWER_95}))

    assert (await harness.stored(report))["disposition"] == "connected"
    assert steps[:3] == ["history read", "opened durable", "answer"]


async def test_the_loads_read_asks_for_the_targets_of_the_plan_in_force(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A campaign's targets are listed once per plan: a plan that drops one from the campaign
    is what the next call's loads read asks about."""
    asked: list[list[str]] = []
    real = harness.switch.store.target_loads

    async def spy(campaign: Campaign, targets: Sequence[Target], at: datetime) -> Any:
        asked.append([t.id for t in targets])
        return await real(campaign, targets, at)

    monkeypatch.setattr(harness.switch.store, "target_loads", spy)
    await harness.call(_ny_call(**{MAIN: flows.ANSWER_95}))

    def drop_overflow(plan: dict[str, Any]) -> None:
        campaign = plan["campaigns"][0]
        campaign["targets"] = [t for t in campaign["targets"] if t["target"] != OVERFLOW]

    await harness.apply(drop_overflow)
    await harness.call(_ny_call(**{MAIN: flows.ANSWER_95}))

    assert OVERFLOW in asked[0] and asked[1] == [t for t in asked[0] if t != OVERFLOW]
