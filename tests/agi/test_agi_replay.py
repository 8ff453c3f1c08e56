"""The server and the typed channel against Asterisk played back from the real transcripts.

For each recorded call, a handler issues the recorded commands through ``AgiChannel``'s typed
methods while ``ReplayAsterisk`` answers with the recorded replies (HANGUP where it happened).
Each typed result is checked against an independent reading of the reply meant for it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from agi_fake_asterisk import ReplayAsterisk, StartServer
from agi_transcripts import Exchange, all_logs, case_name, load

from ivr.agi.api import AgiCommandError, ChannelHungUp, DigitInput, Playback
from ivr.agi.channel import AgiChannel
from ivr.agi.quoting import UnsafeAgiArgument, build_command
from ivr.agi.router import Router
from ivr.sim.asterisk_parse import find_command, parse_args

SHARED = Path(__file__).resolve().parents[3] / "shared" / "asterisk"
LOGS = [path for path in all_logs(SHARED) if load(path) is not None]


def sendable(exchange: Exchange) -> bool:
    """Commands the app can produce at all (the lab also sent CR on purpose)."""
    argv = parse_args(exchange.sent)
    command = find_command(argv)
    size = len(command) if command else len(argv)
    try:
        return parse_args(build_command(argv[:size], argv[size:])) == argv
    except UnsafeAgiArgument:
        return False


TYPED_CALLS: dict[
    tuple[tuple[str, ...], int], Callable[[AgiChannel, list[str]], Awaitable[Any]]
] = {
    (("answer",), 0): lambda ch, a: ch.answer(),
    (("get", "variable"), 1): lambda ch, a: ch.get_variable(a[0]),
    (("get", "full", "variable"), 1): lambda ch, a: ch.get_full_variable(a[0]),
    (("set", "variable"), 2): lambda ch, a: ch.set_variable(a[0], a[1]),
    (("get", "data"), 3): lambda ch, a: ch.get_data(a[0], int(a[1]) / 1000, int(a[2])),
    (("stream", "file"), 2): lambda ch, a: ch.stream_file(a[0], a[1]),
    (("wait", "for", "digit"), 1): lambda ch, a: ch.wait_for_digit(int(a[0]) / 1000),
    (("say", "digits"), 2): lambda ch, a: ch.say_digits(a[0], a[1]),
    (("exec",), 1): lambda ch, a: ch.exec(a[0]),
    (("exec",), 2): lambda ch, a: ch.exec(a[0], *a[1].split(",")),
    (("verbose",), 2): lambda ch, a: ch.verbose(a[0], int(a[1])),
    (("channel", "status"), 0): lambda ch, a: ch.channel_status(),
}


def typed_call(argv: list[str]) -> Callable[[AgiChannel, list[str]], Awaitable[Any]] | None:
    command = find_command(argv)
    return TYPED_CALLS.get((command, len(argv) - len(command))) if command else None


async def call_typed(channel: AgiChannel, argv: list[str]) -> Any:
    """The recorded command through the typed API when one fits, else ``command()``."""
    command = find_command(argv)
    call = typed_call(argv)
    if call is not None and command is not None:
        return await call(channel, argv[len(command) :])
    size = len(command) if command else len(argv)
    return (await channel.command(tuple(argv[:size]), *argv[size:])).code


def expected_result(argv: list[str], reply: list[str]) -> Any:
    """What the typed call must give for this recorded reply, read with plain regexes."""
    first = reply[0]
    if first.startswith("511"):
        return ChannelHungUp
    if not first.startswith("200"):
        return (AgiCommandError, int(first[:3]))
    if typed_call(argv) is None:
        return 200  # sent through command(): its reply code
    result = re.match(r"200 result=(\S*)", first)
    assert result is not None
    return expected_value(find_command(argv), result.group(1), first)


def expected_value(command: tuple[str, ...] | None, value: str, first: str) -> Any:
    data = re.fullmatch(r"200 result=\S* \((.*)\)", first, re.S)
    if command in {("get", "variable"), ("get", "full", "variable")}:
        return None if value == "0" else data.group(1) if data else ""
    if command == ("get", "data"):
        if value == "-1":
            return ChannelHungUp
        return DigitInput(value, first.endswith(" (timeout)"))
    if command == ("stream", "file"):
        endpos = int(first.rsplit("endpos=", 1)[1])
        if value == "-1":
            return Playback(None, 0, missing=True) if endpos == 0 else ChannelHungUp
        return Playback(chr(int(value)) if value != "0" else None, endpos)
    if command in {("wait", "for", "digit"), ("say", "digits")}:
        return ChannelHungUp if value == "-1" else (chr(int(value)) if value != "0" else None)
    if command in {("channel", "status"), ("exec",)}:
        return int(value)
    if command == ("answer",) and value == "-1":
        return ChannelHungUp
    return None  # ANSWER, SET VARIABLE, VERBOSE


def replay_handler(argvs: list[list[str]], outcomes: list[Any]) -> Any:
    async def handler(channel: AgiChannel) -> None:
        for argv in argvs:
            try:
                outcomes.append(await call_typed(channel, argv))
            except ChannelHungUp:
                outcomes.append(ChannelHungUp)
            except AgiCommandError as exc:
                outcomes.append((AgiCommandError, exc.code))

    return handler


@pytest.mark.parametrize("path", LOGS, ids=case_name)
async def test_replay(path: Path, start_server: StartServer) -> None:
    transcript = load(path)
    assert transcript is not None
    exchanges = [e for e in transcript.exchanges if sendable(e)]
    argvs = [parse_args(e.sent) for e in exchanges]
    outcomes: list[Any] = []
    router = Router()
    script = dict(line.decode().split(": ", 1) for line in transcript.header if b": " in line)
    router.register(script["agi_network_script"].split("?")[0], replay_handler(argvs, outcomes))
    server, host, port = await start_server(router, command_timeout_s=2.0)
    asterisk = ReplayAsterisk(transcript.header, exchanges)
    await asterisk.run(host, port)
    expected = [
        expected_result(argv, [line.decode() for line in e.reply])
        for argv, e in zip(argvs, exchanges, strict=True)
    ]
    assert outcomes == expected
    assert len(asterisk.received) + len(asterisk.skipped) == len(exchanges)
    assert server.active_calls == 0


async def _replay_one(name: str, start_server: StartServer) -> list[Any]:
    transcript = load(SHARED / name / "agi.log")
    assert transcript is not None
    exchanges = [e for e in transcript.exchanges if sendable(e)]
    outcomes: list[Any] = []
    router = Router()
    script = next(line for line in transcript.header if line.startswith(b"agi_network_script"))
    name_only = script.decode().split(": ", 1)[1].split("?")[0]
    router.register(name_only, replay_handler([parse_args(e.sent) for e in exchanges], outcomes))
    _, host, port = await start_server(router, command_timeout_s=2.0)
    await ReplayAsterisk(transcript.header, exchanges).run(host, port)
    return outcomes


async def test_typed_results_of_getdata_and_streamfile(start_server: StartServer) -> None:
    """Hand-written expectations, independent of the regex reading above."""
    assert (await _replay_one("corpus/01a-getdata-no-input", start_server))[1:] == [
        DigitInput("", True),
        DigitInput("", True),
    ]
    assert (await _replay_one("corpus/01d-getdata-pound-only", start_server))[1] == DigitInput(
        "", False
    )
    assert (await _replay_one("corpus/01e-getdata-partial-then-timeout", start_server))[1] == (
        DigitInput("42", True)
    )
    streams = await _replay_one("corpus/02a-streamfile-escape-digit-pressed", start_server)
    assert streams[1:] == [Playback("5", 9600), "FAILED", Playback(None, 16184), "SUCCESS"]


async def test_typed_results_of_variables_digits_and_hangup(start_server: StartServer) -> None:
    variables = await _replay_one("corpus/04-get-variable-and-full-variable", start_server)
    assert variables[1:4] == [None, None, ""]  # unset, SET, empty
    digits = await _replay_one("corpus/03-waitfordigit-saydigits-saynumber", start_server)
    assert digits[1:3] == ["7", None]
    during = await _replay_one("calls/hangup-during-getdata", start_server)
    assert during[2:6] == [ChannelHungUp, None, ChannelHungUp, ChannelHungUp]
    assert during[6:] == [0, None, "yes", "0"]
