"""GET DATA answers ``200 result=-1`` both for a hang-up and for a missing prompt file.

A live caller must not be dropped because a prompt is missing: the channel asks CHANNEL STATUS
to tell the two apart, exactly as real Asterisk would answer it.
"""

from __future__ import annotations

import asyncio

import pytest
from agi_fake_asterisk import DEAD, StartServer, expect_closed, header, read_command

from ivr.agi.api import ChannelHungUp, DigitInput
from ivr.agi.channel import AgiChannel
from ivr.agi.router import Router


async def _call(start_server: StartServer, status_reply: bytes) -> tuple[list[object], list[bytes]]:
    outcomes: list[object] = []

    async def handler(channel: AgiChannel) -> None:
        try:
            outcomes.append(await channel.get_data("ivr/no-such-prompt", 2.0, 5))
        except ChannelHungUp:
            outcomes.append("hung up")
        await channel.verbose("after the read")

    router = Router()
    router.register("inbound", handler)
    _, host, port = await start_server(router)
    reader, writer = await asyncio.open_connection(host, port)
    sent: list[bytes] = []
    try:
        writer.write(header("inbound"))
        for reply in (b"200 result=-1\n", status_reply, b"200 result=1\n"):
            sent.append(await read_command(reader))
            writer.write(reply)
        await expect_closed(reader)
    finally:
        writer.close()
        await writer.wait_closed()
    return outcomes, sent


async def test_missing_prompt_on_a_live_channel_reads_as_silence(
    start_server: StartServer,
) -> None:
    outcomes, sent = await _call(start_server, b"200 result=6\n")
    assert outcomes == [DigitInput(digits="", timed_out=True)]
    assert sent == [
        b'GET DATA "ivr/no-such-prompt" "2000" "5"\n',
        b"CHANNEL STATUS\n",
        b'VERBOSE "after the read" "1"\n',
    ]


@pytest.mark.parametrize("status_reply", [b"HANGUP\n" + DEAD + b"\n", DEAD + b"\n"])
async def test_a_hang_up_during_get_data_still_raises(
    start_server: StartServer, status_reply: bytes
) -> None:
    outcomes, sent = await _call(start_server, status_reply)
    assert outcomes == ["hung up"]
    assert sent[1] == b"CHANNEL STATUS\n"
