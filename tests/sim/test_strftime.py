"""STRFTIME as Asterisk's ast_strftime formats it: UTC here, ``%[1-6]q`` = the fraction of the
second cut (not rounded) to 1-6 digits, 3 without a digit; ``%s.%3q`` is what the contract's
U() subroutine stamps into IVR_ANSWERED_AT."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ivr.sim.caller import Caller
from ivr.sim.channel import Channel
from ivr.sim.script import CallScript

from .agi_peer import START, call_with_commands

SCRIPT = CallScript(did="18005550100")


def channel_at(epoch: float) -> Channel:
    return Channel(SCRIPT, "PJSIP/carrier-00000001", f"{int(epoch)}.1", epoch, Caller(SCRIPT))


@given(
    seconds=st.integers(min_value=1_700_000_000, max_value=2_100_000_000),
    micros=st.integers(min_value=0, max_value=999_999),
)
def test_fractions_are_the_timeval_digits_cut(seconds: int, micros: int) -> None:
    channel = channel_at(seconds + micros / 1_000_000)  # a float: about 2e-7 s coarse here
    assert channel.function("STRFTIME(,,%s.%6q)") == f"{seconds}.{micros:06d}"
    assert channel.function("STRFTIME(,,%s.%3q)") == f"{seconds}.{micros // 1000:03d}"
    assert channel.function("STRFTIME(,,%q)") == f"{micros // 1000:03d}"
    assert channel.function("STRFTIME(,,%1q)") == str(micros // 100_000)


def test_a_given_epoch_is_formatted_in_utc() -> None:
    channel = channel_at(START)
    value = channel.function("STRFTIME(1795255077.9996,,%Y-%m-%d %H:%M:%S.%3q)")
    assert value == "2026-11-21 09:57:57.999"  # cut, not rounded up to the next second


async def test_strftime_over_agi() -> None:
    commands = [
        b"ANSWER\n",
        b"GET FULL VARIABLE ${STRFTIME(,,%s.%3q)}\n",
        b"GET VARIABLE STRFTIME(,,%s.%3q)\n",
        b'GET FULL VARIABLE "${STRFTIME(${EPOCH},,%H:%M:%S)}"\n',
    ]
    _, heard = await call_with_commands(commands, SCRIPT)
    answered = START + SCRIPT.answer_delay_s  # ANSWER takes the first media frame's time
    assert heard.replies[1:] == [
        [f"200 result=1 ({answered:.3f})"],
        [f"200 result=1 ({answered:.3f})"],
        ["200 result=1 (09:57:53)"],
    ]
