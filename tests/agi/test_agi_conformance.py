"""Every reply and header recorded from the real Asterisk 22 parses, and parses right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agi_transcripts import Transcript, all_logs, case_name, load

from ivr.agi.environment import parse_environment
from ivr.agi.replies import AgiReply, parse_reply

SHARED = Path(__file__).resolve().parents[3] / "shared" / "asterisk"
# flowC is panoramisk's own log (its header is checked below), flowD is empty (nothing listened)
LOGS = [path for path in all_logs(SHARED) if load(path) is not None]


def _load(path: Path) -> Transcript:
    transcript = load(path)
    assert transcript is not None
    return transcript


def _render(reply: AgiReply) -> str:
    """The first line again, from the parsed parts only."""
    if reply.code != 200:
        return f"{reply.code}{'-' if len(reply.lines) > 1 else ' '}{reply.text}"
    line = f"200 result={reply.result}"
    if reply.data is not None:
        line += f" ({reply.data})"
    if reply.endpos is not None:
        line += f" endpos={reply.endpos}"
    return line


def test_the_transcripts_are_there() -> None:
    assert len(LOGS) >= 40


@pytest.mark.parametrize("path", LOGS, ids=case_name)
def test_every_reply_parses_without_losing_anything(path: Path) -> None:
    transcript = _load(path)
    assert transcript.exchanges
    for exchange in transcript.exchanges:
        lines = tuple(line.decode("utf-8") for line in exchange.reply)
        reply = parse_reply(lines)
        assert reply.code == int(lines[0][:3])
        assert _render(reply) == lines[0]
        assert reply.lines == lines
        if reply.code == 520 and len(lines) > 1:
            assert lines[0].startswith("520-") and lines[-1] == "520 End of proper usage."


@pytest.mark.parametrize("path", sorted(SHARED.glob("corpus/*/agi.cmds.json")), ids=case_name)
def test_pairing_matches_agi_cmds_json(path: Path) -> None:
    recorded = json.loads(path.read_text("utf-8"))["cmds"]
    transcript = _load(path.parent / "agi.log")
    # agi.cmds.json leaves out bulk loops (10a's 2000 GET VARIABLE) and the pipelining of 05:
    # its entries must appear in the log in order
    exchanges = iter(transcript.exchanges)
    for cmd in recorded:
        exchange = next(e for e in exchanges if e.sent.decode() == cmd["sent"])
        assert [line.decode() for line in exchange.reply] == cmd["reply"]
        assert exchange.hangup_before_reply == cmd["hangup_line_before_reply"]
        assert parse_reply(tuple(cmd["reply"])).code == int(cmd["reply"][0][:3])


@pytest.mark.parametrize("path", LOGS, ids=case_name)
def test_every_header_parses(path: Path) -> None:
    transcript = _load(path)
    env = parse_environment(line.decode("utf-8") for line in transcript.header)
    network_script = env.raw["agi_network_script"]
    assert env.script == network_script.split("?")[0]
    assert "?" not in env.script and env.script
    assert env.uniqueid and env.channel.startswith("PJSIP/")
    n_args = sum(key.startswith("agi_arg_") for key in env.raw)
    assert env.args == tuple(env.raw[f"agi_arg_{n}"] for n in range(1, n_args + 1))
    recorded = path.parent / "agi.env.json"
    if recorded.exists():
        assert env.raw == json.loads(recorded.read_text("utf-8"))


def test_flow_c_header_recorded_by_panoramisk() -> None:
    log_line = (SHARED / "calls/flowC-panoramisk-hangup/agi.log").read_text().splitlines()[0]
    raw = json.loads(log_line.split(" headers ", 1)[1])
    env = parse_environment(f"{key}: {value}" for key, value in raw.items())
    assert (env.script, env.query, env.args) == ("inbound", {}, ("18005550102",))
    assert env.raw == raw


def test_flow_a_header_has_query_and_args() -> None:
    transcript = _load(SHARED / "calls/01-happy/agi.log")
    env = parse_environment(line.decode() for line in transcript.header)
    assert (env.script, env.query, env.args) == (
        "inbound",
        {"flow": "A"},
        ("18005550100", "carrier"),
    )
    assert env.get("accountcode") == "" and env.extension == "18005550100"


def test_escaped_and_utf8_caller_names_are_kept_verbatim() -> None:
    escaped = _load(SHARED / "corpus/08a-callerid-escaped-quote-and-backslash/agi.log")
    utf8 = _load(SHARED / "corpus/08b-callerid-utf8-display-name/agi.log")
    env_a = parse_environment(line.decode() for line in escaped.header)
    env_b = parse_environment(line.decode() for line in utf8.header)
    assert env_a.calleridname == 'Joe \\"JJ\\" Smith \\\\ Jr'
    assert env_b.calleridname == "Zoë Ångström"


@pytest.mark.parametrize(
    ("line", "result", "data", "endpos"),
    [
        ("200 result= (timeout)", "", "timeout", None),
        ("200 result=42 (timeout)", "42", "timeout", None),
        ("200 result=", "", None, None),
        ("200 result=90210", "90210", None, None),
        ("200 result=-1", "-1", None, None),
        ("200 result=53 endpos=9600", "53", None, 9600),
        ("200 result=-1 endpos=0", "-1", None, 0),
        ("200 result=1 ()", "1", "", None),
        ("200 result=0", "0", None, None),
        ("200 result=1 (a)b (c))", "1", "a)b (c)", None),
        ("200 result=1 (abc\r)", "1", "abc\r", None),
        ("200 result=1 (日本語 🎉)", "1", "日本語 🎉", None),
        ('200 result=1 ("" <>)', "1", '"" <>', None),
        ("200 result=1 (timeout) endpos=800", "1", "timeout", 800),
    ],
)
def test_reply_forms(line: str, result: str, data: str | None, endpos: int | None) -> None:
    reply = parse_reply((line,))
    assert (reply.code, reply.result, reply.data, reply.endpos) == (200, result, data, endpos)


def test_error_replies() -> None:
    assert parse_reply(("510 Invalid or unknown command",)).code == 510
    dead = parse_reply(("511 Command Not Permitted on a dead channel or intercept routine",))
    assert (dead.code, dead.text) == (
        511,
        "Command Not Permitted on a dead channel or intercept routine",
    )
    usage = parse_reply(
        (
            "520-Invalid command syntax.  Proper usage follows:",
            "Usage text",
            "520 End of proper usage.",
        )
    )
    assert usage.code == 520 and usage.lines[1] == "Usage text"


@pytest.mark.parametrize("line", ["HANGUP", "hello", "20 result=1", "200 foo", "200 result=1 (x"])
def test_malformed_replies_are_rejected(line: str) -> None:
    with pytest.raises(ValueError):
        parse_reply((line,))
