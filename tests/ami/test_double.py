"""The double answers byte for byte like the recorded Asterisk (corpus 09a, 09b)."""

import asyncio
from pathlib import Path

from ivr.sim.ami import AmiDouble, parse_ami_log


async def _exchange(port: int, actions: list[bytes]) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    banner = await reader.readuntil(b"\r\n")
    blocks = [banner]
    for action in actions:
        writer.write(action)
        blocks.append(await reader.readuntil(b"\r\n\r\n"))
    writer.close()
    await writer.wait_closed()
    return blocks


def _recorded_replies(path: Path) -> list[bytes]:
    return [b.wire() for b in parse_ami_log(path) if b.direction == "<<"]


async def test_replies_match_09b_transcript(double: AmiDouble, shared_asterisk: Path) -> None:
    log = shared_asterisk / "corpus/09b-ami-ping-and-basic-responses/ami.log"
    blocks = parse_ami_log(log)
    sent = [b.wire() for b in blocks if b.direction == ">>"][:-1]  # Logoff closes: below
    recorded = [b for b in blocks if b.direction == "<<"]
    got = await _exchange(double.port, sent)
    assert got[0] == b"Asterisk Call Manager/11.0.0\r\n"
    for mine, theirs in zip(got[1:], recorded[1:], strict=False):
        if theirs.header("Ping") == "Pong":  # the Timestamp is the moment of the answer
            assert mine.startswith(theirs.wire().split(b"Timestamp:")[0])
        elif theirs.header("CoreCurrentCalls") or theirs.header("Variable"):
            continue  # CoreStatus / Getvar are not implemented by the double
        else:
            assert mine == theirs.wire()


async def test_login_failure_matches_09a(double: AmiDouble, shared_asterisk: Path) -> None:
    blocks = parse_ami_log(shared_asterisk / "corpus/09a-ami-login-failure/ami.log")
    sent = [
        b.wire().replace(b"Secret: wrongsecret", b"Secret: nope")
        for b in blocks
        if b.direction == ">>"
    ]
    reader, writer = await asyncio.open_connection("127.0.0.1", double.port)
    await reader.readuntil(b"\r\n")
    replies = []
    for action in sent:
        writer.write(action)
        replies.append(await reader.readuntil(b"\r\n\r\n"))
    assert (
        replies == _recorded_replies(shared_asterisk / "corpus/09a-ami-login-failure/ami.log")[1:]
    )
    assert await reader.read() == b""  # then Asterisk closes the connection
    writer.close()
    assert double.login_failures == 1


async def test_filter_action_leaves_only_wanted_events(
    double: AmiDouble, shared_asterisk: Path
) -> None:
    base = shared_asterisk / "corpus/09f2-ami-call-stream-filter-action/ami.log"
    blocks = parse_ami_log(base)
    reader, writer = await asyncio.open_connection("127.0.0.1", double.port)
    await reader.readuntil(b"\r\n")
    for action in [b for b in blocks if b.direction == ">>"][:-1]:
        writer.write(action.wire())
    answers: list[bytes] = []
    while len(answers) < 1 + 9:  # login + 9 filters; FullyBooted/SuccessfulAuth interleave
        block = await reader.readuntil(b"\r\n\r\n")
        if block.startswith(b"Response:"):
            answers.append(block)
    assert b"Filter was formatted incorrectly." in answers[-1]
    from ivr.sim.ami import recorded_events

    full = recorded_events(parse_ami_log(shared_asterisk / "calls/01-happy/ami.log"))
    await double.replay(full)
    writer.write(b"Action: Ping\r\nActionID: end\r\n\r\n")
    names = []
    while True:
        block = await reader.readuntil(b"\r\n\r\n")
        if block.startswith(b"Response:"):
            break
        names.append(block.split(b"\r\n")[0].decode())
    assert sorted(set(names)) == sorted(
        f"Event: {n}"
        for n in [
            "Newchannel",
            "DialBegin",
            "DialEnd",
            "BridgeEnter",
            "BridgeLeave",
            "Hangup",
            "Cdr",
        ]
    )
    writer.close()
