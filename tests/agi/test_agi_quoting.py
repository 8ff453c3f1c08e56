"""Quoting (app side) against the port of Asterisk's parse_args (Asterisk side), and that port
against what the real Asterisk did in corpus/05."""

from __future__ import annotations

from pathlib import Path

import pytest
from agi_transcripts import load
from hypothesis import given
from hypothesis import strategies as st

from ivr.agi.quoting import MAX_LINE_BYTES, UnsafeAgiArgument, build_command, quote_argument
from ivr.agi.replies import parse_reply
from ivr.sim.asterisk_parse import MAX_ARGS, find_command, parse_args

SAFE_TEXT = st.text(st.characters(exclude_characters="\r\n\0", exclude_categories=("Cs",)))
COMMAND_WORD = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabc"), min_size=1, max_size=8)


@given(
    words=st.lists(COMMAND_WORD, min_size=1, max_size=3),
    args=st.lists(SAFE_TEXT, max_size=8),
)
def test_asterisk_reads_back_exactly_what_was_quoted(words: list[str], args: list[str]) -> None:
    assert parse_args(build_command(words, args)) == words + args


@given(st.lists(st.sampled_from(['"', "\\", " ", "\t", "x", "é", "", '\\"', '" "']), max_size=12))
def test_quote_and_backslash_soup_round_trips(pieces: list[str]) -> None:
    value = "".join(pieces)
    assert parse_args(build_command(["SET", "VARIABLE"], ["X", value])) == [
        "SET",
        "VARIABLE",
        "X",
        value,
    ]


@pytest.mark.parametrize("bad", ["a\nANSWER", "a\r", "\n", "x\0y", "Joe\r\nHANGUP"])
def test_line_breaks_and_nul_are_refused_before_sending(bad: str) -> None:
    with pytest.raises(UnsafeAgiArgument):
        build_command(["SET", "VARIABLE"], ["NAME", bad])
    with pytest.raises(ValueError):  # also a ValueError, for callers validating input
        quote_argument(bad)


def test_bad_command_words_too_many_args_and_long_lines_are_refused() -> None:
    with pytest.raises(UnsafeAgiArgument):
        build_command(["GET VARIABLE"], ["X"])
    with pytest.raises(UnsafeAgiArgument):
        build_command(["EXEC"], ["a"] * (MAX_ARGS - 1))
    with pytest.raises(UnsafeAgiArgument):
        build_command(["VERBOSE"], ["x" * MAX_LINE_BYTES])
    assert len(build_command(["VERBOSE"], ["x" * (MAX_LINE_BYTES - 11)])) == MAX_LINE_BYTES


def test_exec_arguments_are_one_quoted_word_as_in_the_lab() -> None:
    assert (
        build_command(["EXEC"], ["Dial", "PJSIP/buyer1,10,g"])
        == b'EXEC "Dial" "PJSIP/buyer1,10,g"\n'
    )
    assert build_command(["STREAM", "FILE"], ["beep", ""]) == b'STREAM FILE "beep" ""\n'


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b'SET VARIABLE Q05 "C:\\temp\\x"\n', ["SET", "VARIABLE", "Q05", "C:tempx"]),
        (b'SET VARIABLE Q04 "C:\\\\temp\\\\x"\n', ["SET", "VARIABLE", "Q04", "C:\\temp\\x"]),
        (b"SET VARIABLE Q02 hello world\n", ["SET", "VARIABLE", "Q02", "hello", "world"]),
        (b'SET VARIABLE Q11 ab"cd ef"gh\n', ["SET", "VARIABLE", "Q11", "abcd efgh"]),
        (b'SET VARIABLE Q12 ""\n', ["SET", "VARIABLE", "Q12", ""]),
        (b'SET VARIABLE Q13 "unterminated\n', ["SET", "VARIABLE", "Q13", "unterminated"]),
        (b"SET VARIABLE Q16 escaped\\ space\n", ["SET", "VARIABLE", "Q16", "escaped space"]),
        (b"SET VARIABLE Q20 'single quoted'\n", ["SET", "VARIABLE", "Q20", "'single", "quoted'"]),
        (
            b"SET  VARIABLE   Q28    multiple-spaces\n",
            ["SET", "VARIABLE", "Q28", "multiple-spaces"],
        ),
        (b"back\\slash trailing\\\n", ["backslash", "trailing"]),
        (b"ANSWER\r\n", ["ANSWER\r"]),
        (b"GET VARIABLE\rR01\n", ["GET", "VARIABLE\rR01"]),
        (b"tab\tsplits\n", ["tab", "splits"]),
        (b"nul\0 ends the line\n", ["nul"]),
    ],
)
def test_parse_args_port_matches_res_agi(line: bytes, words: list[str]) -> None:
    assert parse_args(line) == words


def test_parse_args_truncates_past_max_args() -> None:
    assert len(parse_args(" ".join(["w"] * 200))) == MAX_ARGS - 1


def test_find_command_matches_words_case_insensitively() -> None:
    assert find_command(["set", "variable", "A", "b"]) == ("set", "variable")
    assert find_command(["GET", "FULL", "VARIABLE", "x"]) == ("get", "full", "variable")
    assert find_command(["ANSWER\r"]) is None
    assert find_command(["GET"]) is None


def _value_after(transcript_exchanges: list, index: int) -> str | None:
    """What the GET VARIABLE right after exchange ``index`` read back."""
    reply = parse_reply((transcript_exchanges[index + 1].reply[0].decode(),))
    return None if reply.result == "0" else reply.data


def test_parse_args_port_explains_every_set_variable_of_corpus_05(shared_asterisk: Path) -> None:
    transcript = load(shared_asterisk / "corpus/05-set-variable-quoting-and-cr/agi.log")
    assert transcript is not None
    checked = 0
    for index, exchange in enumerate(transcript.exchanges[:-1]):
        argv = parse_args(exchange.sent)
        if find_command(argv) != ("set", "variable"):
            continue
        if parse_args(transcript.exchanges[index + 1].sent) != ["GET", "VARIABLE", argv[2]]:
            continue  # R01: the lab read "R01\r" back on purpose
        stored = _value_after(transcript.exchanges, index)
        if len(argv) == 4:  # handle_setvariable needs exactly 4 words, else 520 usage
            assert exchange.reply == [b"200 result=1"]
            assert stored == argv[3], exchange.sent
        else:
            assert exchange.reply[0].startswith(b"520-")
            assert stored is None
        checked += 1
    assert checked >= 30


def test_exec_passes_only_its_second_word_in_corpus_05(shared_asterisk: Path) -> None:
    transcript = load(shared_asterisk / "corpus/05-set-variable-quoting-and-cr/agi.log")
    assert transcript is not None
    checked = 0
    for index, exchange in enumerate(transcript.exchanges[:-1]):
        argv = parse_args(exchange.sent)
        if argv[:2] != ["EXEC", "Set"]:
            continue
        name, _, value = argv[2].partition("=")
        assert transcript.exchanges[index + 1].sent == f"GET VARIABLE {name}\n".encode()
        assert _value_after(transcript.exchanges, index) == value
        checked += 1
    assert checked == 6
