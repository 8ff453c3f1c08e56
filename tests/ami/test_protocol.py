import asyncio

import pytest

from ivr.ami.protocol import encode_message, parse_message, read_message


def test_parse_keeps_repeated_headers_and_case_insensitive_lookup() -> None:
    raw = b"Response: Success\r\nActionID: cmd-1\r\nOutput: line one\r\nOutput: line two"
    message = parse_message(raw)
    assert message.get("actionid") == "cmd-1"
    assert message.get_all("Output") == ["line one", "line two"]
    assert message.ok


def test_parse_keeps_empty_values_and_colons_in_values() -> None:
    message = parse_message(b"Event: VarSet\r\nValue: \r\nAppData: agi://127.0.0.1:4587/x")
    assert message.get("Value") == ""
    assert message.get("AppData") == "agi://127.0.0.1:4587/x"


def test_encode_rejects_line_breaks_in_values() -> None:
    with pytest.raises(ValueError):
        encode_message({"Action": "Command", "Command": "core show version\r\nAction: Logoff"})


def test_encode_list_values_become_repeated_lines() -> None:
    data = encode_message({"Action": "Originate", "Variable": ["A=1", "B=2"]})
    assert data == b"Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n"


async def test_utf8_character_split_across_reads_survives() -> None:
    reader = asyncio.StreamReader()
    payload = "Event: Newchannel\r\nCallerIDName: Zoë Ångström\r\n\r\n".encode()
    cut = payload.index("ë".encode()) + 1  # in the middle of the two-byte character
    reader.feed_data(payload[:cut])
    reader.feed_data(payload[cut:])
    message = parse_message(await read_message(reader))
    assert message.get("CallerIDName") == "Zoë Ångström"
