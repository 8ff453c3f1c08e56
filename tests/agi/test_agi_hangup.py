"""Hang-up at every position of a 12-command call: no reply ever shifts, the socket closes."""

from __future__ import annotations

from typing import Any

import pytest
from agi_fake_asterisk import ScriptedAsterisk, StartServer

from ivr.agi.api import ChannelHungUp, DigitInput, Playback
from ivr.agi.channel import AgiChannel
from ivr.agi.router import Router
from ivr.sim.asterisk_parse import find_command, runs_on_dead_channel

# (step, needs a live channel, what a live channel answers)
STEPS: list[tuple[str, bool, Any]] = [
    ("answer", True, None),
    ("get A", False, "value-of-A"),
    ("stream", True, Playback(None, 8000)),
    ("get_data 123", True, DigitInput("123", False)),
    ("set X", False, None),
    ("get X", False, "x-value"),
    ("wait", True, "1"),
    ("get B", False, "value-of-B"),
    ("exec", False, 0),
    ("get_data 77", True, DigitInput("77", False)),
    ("verbose", False, None),
    ("get C", False, "value-of-C"),
]
DEAD_OK_COMMANDS = [
    ["GET", "VARIABLE", "A"],
    ["SET", "VARIABLE", "X", "x-value"],
    ["GET", "VARIABLE", "X"],
    ["GET", "VARIABLE", "B"],
    ["EXEC", "Playback", "beep,noanswer"],
    ["VERBOSE", "step done", "1"],
    ["GET", "VARIABLE", "C"],
]


async def run_step(channel: AgiChannel, step: str) -> Any:
    kind, _, arg = step.partition(" ")
    match kind:
        case "answer":
            return await channel.answer()
        case "get":
            return await channel.get_variable(arg)
        case "stream":
            return await channel.stream_file("ivr/ivr-welcome", "12")
        case "get_data":
            return await channel.get_data(f"digits-{arg}", 2.0, 5)
        case "set":
            return await channel.set_variable(arg, "x-value")
        case "wait":
            return await channel.wait_for_digit(1.0)
        case "exec":
            return await channel.exec("Playback", "beep", "noanswer")
        case "verbose":
            return await channel.verbose("step done")
    raise AssertionError(step)


def handler(outcomes: list[Any]) -> Any:
    async def run(channel: AgiChannel) -> None:
        for step, _, _ in STEPS:
            try:
                outcomes.append(await run_step(channel, step))
            except ChannelHungUp:
                outcomes.append(ChannelHungUp)

    return run


def expected(position: int, mode: str) -> list[Any]:
    """Live answers before the hang-up; afterwards ChannelHungUp for channel commands."""
    outcomes = []
    for index, (_, live, answer) in enumerate(STEPS):
        gone = index > position or (index == position and (mode == "idle" or live))
        outcomes.append(ChannelHungUp if gone and live else answer)
    return outcomes


@pytest.mark.parametrize("split", [False, True], ids=["one-write", "split-writes"])
@pytest.mark.parametrize("mode", ["idle", "during"])
@pytest.mark.parametrize("position", range(len(STEPS)))
async def test_hangup_at_every_position(
    position: int, mode: str, split: bool, start_server: StartServer
) -> None:
    outcomes: list[Any] = []
    router = Router()
    router.register("test", handler(outcomes))
    server, host, port = await start_server(router, command_timeout_s=2.0)
    asterisk = ScriptedAsterisk(hangup_at=(position, mode), split_writes=split)
    await asterisk.run(host, port)  # returns once the app closed the socket
    assert outcomes == expected(position, mode)
    # every command that works on a dead channel was sent, in order, exactly once
    dead_ok = [argv for argv in asterisk.received if runs_on_dead_channel(find_command(argv))]
    assert dead_ok == DEAD_OK_COMMANDS
    # a channel command reached Asterisk after the hang-up only if the app had not seen it yet
    live_sent = len(asterisk.received) - len(dead_ok)
    live_before = sum(1 for index, (_, live, _) in enumerate(STEPS) if live and index < position)
    assert live_before <= live_sent <= live_before + 2
    assert asterisk.dead
    assert server.active_calls == 0


async def test_no_hangup_runs_every_step(start_server: StartServer) -> None:
    outcomes: list[Any] = []
    router = Router()
    router.register("test", handler(outcomes))
    _, host, port = await start_server(router)
    asterisk = ScriptedAsterisk()
    await asterisk.run(host, port)
    assert outcomes == [answer for _, _, answer in STEPS]
    assert len(asterisk.received) == len(STEPS)
    assert asterisk.received[8] == ["EXEC", "Playback", "beep,noanswer"]
