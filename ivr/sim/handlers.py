"""AGI commands as Asterisk 22 answers them (res_agi.c handlers, checked against the corpus).

Each handler takes the call and the parsed words and returns the reply lines (without ``\\n``).
Argument-count rules follow res_agi.c: a wrong count is a 520 usage reply.
"""

from __future__ import annotations

from collections.abc import Callable

from ivr.sim.apps import run_application
from ivr.sim.call import ALL_DTMF, Call
from ivr.sim.media import SAMPLE_RATE
from ivr.sim.usage import usage_reply

Handler = Callable[[Call, list[str]], list[str]]

# Measured: SAY DIGITS 12345 took 4.11 s; SAY NUMBER 42 1.69 s, 1234567 9.43 s (corpus 03).
SAY_DIGIT_S = 0.822
SAY_WORD_S = 0.85
# ast_app_getdata_full with timeout 0: 6 s for the first digit, 2 s between digits (01e).
DEFAULT_FIRST_S, DEFAULT_NEXT_S = 6.0, 2.0


class Usage(Exception):
    """Wrong arguments: the command answers 520."""


def answer(call: Call, argv: list[str]) -> list[str]:
    channel = call.channel
    if channel.answered_at is None:
        if call.wait(call.script.answer_delay_s).kind == "hangup":
            return ["200 result=-1"]
        channel.answered_at = channel.now
    return ["200 result=0"]


def channel_status(call: Call, argv: list[str]) -> list[str]:
    _arity(argv, 2, 3)
    return ["200 result=6" if call.channel.answered_at is not None else "200 result=4"]


def stream_file(call: Call, argv: list[str]) -> list[str]:
    _arity(argv, 4, 5)
    name, escape = argv[2], argv[3]
    offset = int(argv[4]) if len(argv) == 5 and argv[4].isdigit() else 0
    start = call.channel.now
    samples = call.sound_samples(name)
    if samples is None:
        call.channel.agi_failed = True  # handle_streamfile returns RESULT_FAILURE (02d)
        call.note_prompt(name, "missing", start)
        return ["200 result=-1 endpos=0"]
    if escape:
        call.caller.reading_starts(start)
    offset = min(offset, samples)
    event = call.wait((samples - offset) / SAMPLE_RATE, escape)
    played = offset + round((call.channel.now - start) * SAMPLE_RATE)
    if event.kind == "hangup":
        call.note_prompt(name, "hung up", start)
        return [f"200 result=-1 endpos={played}"]
    status = "FAILED" if event.kind == "digit" else "SUCCESS"  # interrupted = FAILED (02a)
    call.channel.variables["PLAYBACKSTATUS"] = status
    if event.kind == "digit":
        call.note_prompt(name, f"interrupted by {event.digit}", start)
        return [f"200 result={ord(event.digit)} endpos={played}"]
    call.note_prompt(name, "played", start)
    return [f"200 result=0 endpos={samples}"]


def get_data(call: Call, argv: list[str]) -> list[str]:
    if len(argv) < 3:
        raise Usage
    timeout_ms = _int(argv[3]) if len(argv) >= 4 else 0
    max_digits = min(_int(argv[4]), 1024) if len(argv) >= 5 else 1024
    first_s, next_s = _getdata_timeouts(timeout_ms)
    start = call.channel.now
    call.caller.reading_starts(start)
    samples = call.sound_samples(argv[2]) or 0
    event = call.wait(samples / SAMPLE_RATE, ALL_DTMF)  # any digit barges in (01b)
    call.note_prompt(argv[2], "played" if event.kind == "timeout" else "interrupted", start)
    digits = ""
    wait_s = first_s
    prompt_over = False  # the first timeout event is the end of the prompt, not a timeout
    while True:
        if event.kind == "hangup":
            return ["200 result=-1"]
        if event.kind == "digit":
            if event.digit == "#":
                return [f"200 result={digits}"]
            digits += event.digit
            if len(digits) >= max_digits:
                return [f"200 result={digits}"]
            wait_s, prompt_over = next_s, True  # a digit stops the prompt
        elif not prompt_over:
            prompt_over = True
        else:
            return [f"200 result={digits} (timeout)"]
        event = call.wait(wait_s, ALL_DTMF)


def _getdata_timeouts(timeout_ms: int) -> tuple[float | None, float | None]:
    if timeout_ms == 0:
        return DEFAULT_FIRST_S, DEFAULT_NEXT_S
    if timeout_ms < 0:
        return None, None
    return timeout_ms / 1000, timeout_ms / 1000  # also the inter-digit timeout (01e)


def wait_for_digit(call: Call, argv: list[str]) -> list[str]:
    _arity(argv, 4, 4)
    timeout_ms = _int(argv[3])
    call.caller.reading_starts(call.channel.now)
    event = call.wait(None if timeout_ms < 0 else timeout_ms / 1000, ALL_DTMF)
    if event.kind == "digit":
        return [f"200 result={ord(event.digit)}"]
    return ["200 result=-1" if event.kind == "hangup" else "200 result=0"]


def say_digits(call: Call, argv: list[str]) -> list[str]:
    _arity(argv, 4, 4)
    return _say(call, len(argv[2]) * SAY_DIGIT_S, argv[3])


def say_number(call: Call, argv: list[str]) -> list[str]:
    _arity(argv, 4, 5)
    try:
        words = _number_words(int(argv[2]))
    except ValueError:
        raise Usage from None
    return _say(call, words * SAY_WORD_S, argv[3])


def _say(call: Call, seconds: float, escape: str) -> list[str]:
    if escape:
        call.caller.reading_starts(call.channel.now)
    event = call.wait(seconds, escape)
    if event.kind == "digit":
        return [f"200 result={ord(event.digit)}"]
    return ["200 result=-1" if event.kind == "hangup" else "200 result=0"]


def _number_words(number: int) -> int:
    """How many words Asterisk says for a number ("forty two" = 2), roughly."""
    words = 0
    for scale in (1_000_000_000, 1_000_000, 1000, 1):
        chunk, number = divmod(number, scale) if scale > 1 else (number, 0)
        if chunk:
            hundreds, rest = divmod(chunk, 100)
            words += 2 * (hundreds > 0) + (rest > 0) + (rest > 20 and rest % 10 > 0)
            words += scale > 1
    return max(words, 1)


def get_variable(call: Call, argv: list[str]) -> list[str]:
    _arity(argv, 3, 3)
    value = call.channel.get_variable(argv[2])
    return ["200 result=0" if value is None else f"200 result=1 ({value})"]


def get_full_variable(call: Call, argv: list[str]) -> list[str]:
    _arity(argv, 4, 5)
    if len(argv) == 5 and argv[4] != call.channel.name:
        return ["200 result=0"]  # no such channel (04: an unquoted 2nd word)
    return [f"200 result=1 ({call.channel.evaluate(argv[3])})"]


def set_variable(call: Call, argv: list[str]) -> list[str]:
    _arity(argv, 4, 4)
    call.channel.set_variable(argv[2], argv[3])
    return ["200 result=1"]


def verbose(call: Call, argv: list[str]) -> list[str]:
    if len(argv) < 2:
        raise Usage
    return ["200 result=1"]


def exec_app(call: Call, argv: list[str]) -> list[str]:
    if len(argv) < 2:
        raise Usage
    return [f"200 result={run_application(call, argv[1], argv[2] if len(argv) > 2 else '')}"]


def hangup(call: Call, argv: list[str]) -> list[str]:
    call.caller.hang_up_now(call.channel.now)
    call.mark_hung_up()
    return ["200 result=1"]


def noop(call: Call, argv: list[str]) -> list[str]:
    return ["200 result=0"]


def _arity(argv: list[str], low: int, high: int) -> None:
    if not low <= len(argv) <= high:
        raise Usage


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0  # atoi()


HANDLERS: dict[tuple[str, ...], Handler] = {
    ("answer",): answer,
    ("channel", "status"): channel_status,
    ("stream", "file"): stream_file,
    ("get", "data"): get_data,
    ("wait", "for", "digit"): wait_for_digit,
    ("say", "digits"): say_digits,
    ("say", "number"): say_number,
    ("get", "variable"): get_variable,
    ("get", "full", "variable"): get_full_variable,
    ("set", "variable"): set_variable,
    ("verbose",): verbose,
    ("exec",): exec_app,
    ("hangup",): hangup,
    ("noop",): noop,
}


def run_command(call: Call, command: tuple[str, ...], argv: list[str]) -> list[str]:
    handler = HANDLERS.get(command, noop)
    try:
        return handler(call, argv)
    except Usage:
        return usage_reply(command)
