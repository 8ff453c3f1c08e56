"""``ivr simulate``: place one call through the Asterisk double and print its story.

In process (the default) it runs a switch on a throwaway SQLite database with the given plan
(the demo plan unless ``--plan``), on a virtual clock: a 3-minute call takes milliseconds, and
``--at`` picks the moment (business hours matter). With ``--agi HOST:PORT`` it calls a running
``ivr serve`` instead and reads the record from its web API (``--web``); the app's own clock then
runs in real time, so IVR and ring seconds are real while talk time is the scripted one.

    ivr simulate --did +18005550101 --caller +13125550123 --press 1 --press 1 --press 60601 \\
        --target-answers buyer-a-overflow:95s --at 2026-11-24T14:00-05:00
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from ivr.clock import ManualClock
from ivr.settings import Settings, load_settings
from ivr.sim.double import AsteriskDouble
from ivr.sim.report import CallReport
from ivr.sim.script import CallScript, DialOutcome, HangupAt, Press
from ivr.sim.story import tell

OUTCOMES = {
    "busy": DialOutcome.busy,
    "noanswer": DialOutcome.no_answer,
    "congestion": DialOutcome.congestion,
    "unavailable": DialOutcome.not_found,
    "decline": DialOutcome.decline,
}
DURATION = re.compile(r"^(\d+(?:\.\d+)?)s?$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--did", required=True, help="the dialled tracking number")
    parser.add_argument("--caller", default="+13125550123", help="the caller ID number")
    parser.add_argument("--caller-name", default="Simulated Caller")
    parser.add_argument("--press", action="append", default=[], metavar="DIGITS",
                        help="digits keyed into the next read (repeat for each menu)")  # fmt: skip
    parser.add_argument("--target-answers", action="append", default=[], metavar="NAME:SECONDS",
                        help="this endpoint, number or URI answers and talks SECONDS")  # fmt: skip
    for name in OUTCOMES:
        parser.add_argument(f"--target-{name}", action="append", default=[], metavar="NAME",
                            help=f"this endpoint, number or URI gives {name.upper()}")  # fmt: skip
    parser.add_argument("--caller-hangs-up-at", metavar="SECONDS", help="e.g. 30s from the start")
    parser.add_argument("--at", help="in process: the call's moment, ISO 8601 with a zone")
    parser.add_argument("--plan", action="append", type=Path, default=[], metavar="FILE",
                        help="in process: call-plan files (default: the demo plan)")  # fmt: skip
    parser.add_argument("--agi", metavar="HOST:PORT", help="call a running ivr serve instead")
    parser.add_argument("--web", metavar="URL", help="its web console (default from settings)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        script = build_script(args)
        start = _moment(args.at)
    except ValueError as exc:
        print(f"ivr simulate: {exc}", file=sys.stderr)
        return 2
    if args.agi:
        return asyncio.run(call_running_switch(args, settings, script))
    return asyncio.run(_in_process(args, script, start))


def build_script(args: argparse.Namespace) -> CallScript:
    outcomes: dict[str, DialOutcome] = {}
    for spec in args.target_answers:
        name, _, seconds = spec.rpartition(":")
        if not name:
            raise ValueError(f"--target-answers {spec!r}: write NAME:SECONDS, e.g. buyer-a:95s")
        outcomes[name] = DialOutcome.answer(_seconds(seconds, "--target-answers"))
    for kind, make in OUTCOMES.items():
        for name in getattr(args, f"target_{kind}"):
            outcomes[name] = make()
    hangup = None
    if args.caller_hangs_up_at:
        hangup = HangupAt(_seconds(args.caller_hangs_up_at, "--caller-hangs-up-at"))
    for digits in args.press:
        if not re.fullmatch(r"[0-9*#]+", digits):
            raise ValueError(f"--press {digits!r}: only 0-9, * and #")
    return CallScript(
        did=args.did.removeprefix("+"),
        caller=args.caller,
        caller_name=args.caller_name,
        presses=tuple(Press(d) for d in args.press),
        hangup=hangup,
        dial_outcomes=outcomes,
    )


def _seconds(text: str, option: str) -> float:
    match = DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{option} {text!r}: give seconds, e.g. 95s")
    return float(match.group(1))


def _moment(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--at {text!r}: not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValueError(f"--at {text!r}: give the time zone, e.g. 2026-11-24T14:00-05:00")
    return moment.timestamp()


async def _in_process(args: argparse.Namespace, script: CallScript, start: float | None) -> int:
    from ivr.app import Switch  # the switch is only needed here

    with tempfile.TemporaryDirectory(prefix="ivr-simulate-") as tmp:
        folder = Path(tmp)
        settings = load_settings(
            var_dir=str(folder), agi_port=0, web_port=0, recordings_dir=str(folder / "rec/ivr")
        )
        clock = ManualClock(start if start is not None else time.time())
        switch = Switch(settings, clock=clock)
        await switch.start(demo=not args.plan, plan_files=args.plan)
        try:
            assert switch.agi_address is not None and switch.web_address is not None
            double = AsteriskDouble(clock, folder / "rec", settings.prompts_dir)
            report = await double.place_call(*switch.agi_address, script)
            await switch.writer.flush(10)
            web = "http://{}:{}".format(*switch.web_address)
            print(tell(await _record(web, report), report))
        finally:
            await switch.stop()
    return 0


async def call_running_switch(
    args: argparse.Namespace, settings: Settings, script: CallScript
) -> int:
    host, _, port = args.agi.rpartition(":")
    clock = ManualClock(time.time())
    double = AsteriskDouble(clock, None, settings.prompts_dir)
    report = await double.place_call(host or "127.0.0.1", int(port), script)
    web = args.web or f"http://{settings.web_host}:{settings.web_port}"
    record = None
    for _ in range(20):  # the record reaches the database just behind the call
        record = await _record(web, report)
        if record is not None and record["status"] == "closed":
            break
        await asyncio.sleep(0.1)
    print(tell(record, report))
    return 0 if report.connected else 1


async def _record(web: str, report: CallReport) -> dict[str, Any] | None:
    async with aiohttp.ClientSession() as http:
        found = await (
            await http.get(f"{web}/api/calls", params={"uniqueid": report.uniqueid})
        ).json()
        if not found:
            return None
        result: dict[str, Any] = await (await http.get(f"{web}/api/calls/{found[0]['ref']}")).json()
        return result
