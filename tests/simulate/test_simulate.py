"""``ivr simulate`` tells a call's story from the stored record, in process or against a
running switch, and refuses bad input with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.app import Switch
from ivr.cli import main
from ivr.clock import ManualClock
from ivr.settings import load_settings
from ivr.sim.commands import build_script

TUESDAY_2PM_NEW_YORK = "2026-11-24T14:00-05:00"
QUOTE = ["--did", "+18005550101", "--caller", "+13125550123", "--press", "1", "--press", "1",
         "--press", "60601", "--at", TUESDAY_2PM_NEW_YORK]  # fmt: skip


def test_connected_call_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", *QUOTE, "--target-answers", "buyer-a-overflow:95s"]) == 0
    out = capsys.readouterr().out
    assert "skipped buyer-a-main: out_of_state (state: IL not in CT, NJ, NY, PA)" in out
    assert "skipped buyer-b-home: missing_tags (tags: missing home)" in out
    assert "dial buyer-a-overflow: ANSWER after 1.0 s ringing, talked 95.0 s (SIP 200 OK)" in out
    assert "ended connected" in out
    assert "talk 95.000 s" in out
    assert "billable: billable; revenue 20.0000, payout 8.0000, margin 12.0000" in out


def test_busy_target_then_fallback_story(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*QUOTE, "--target-busy", "buyer-a-overflow", "--target-answers", "+16175550100:40s"]
    assert main(["simulate", *args]) == 0
    out = capsys.readouterr().out
    assert "dial buyer-a-overflow: BUSY after" in out
    assert "(SIP 486 Busy Here)" in out
    assert "dial fallback: ANSWER" in out
    assert "ended fallback" in out


def test_existing_customer_is_filtered(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--did", "+18005550101", "--press", "2", "--at", TUESDAY_2PM_NEW_YORK]
    assert main(["simulate", *args]) == 0
    out = capsys.readouterr().out
    assert "ended filtered" in out
    assert "route:" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target-answers", "95s"], "--target-answers '95s': write NAME:SECONDS"),
        (["--target-answers", "x:long"], "--target-answers 'long': give seconds"),
        (["--at", "2026-11-24T14:00"], "give the time zone"),
        (["--press", "1a"], "--press '1a': only 0-9, * and #"),
    ],
)
def test_bad_input_is_one_clear_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--did", "+18005550101", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


async def test_against_a_running_switch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(var_dir=str(tmp_path), agi_port=0, web_port=0)
    switch = Switch(settings, clock=ManualClock(1795546800.0))
    await switch.start(demo=True)
    try:
        assert switch.agi_address is not None and switch.web_address is not None
        import argparse

        from ivr.sim.commands import add_arguments, call_running_switch

        parser = argparse.ArgumentParser()
        add_arguments(parser)
        args = parser.parse_args(
            ["--did", "+18005550199", "--agi", "{}:{}".format(*switch.agi_address),
             "--web", "http://{}:{}".format(*switch.web_address)]
        )  # fmt: skip
        assert await call_running_switch(args, settings, build_script(args)) == 0
    finally:
        await switch.stop()
    out = capsys.readouterr().out
    assert "heard   ivr/ivr-not-in-service" in out
    assert "+18005550199 is no tracking number" in out
    assert "ended unknown_number" in out
