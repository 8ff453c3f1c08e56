"""The Asterisk double: places simulated calls into a FastAGI server, on a virtual clock.

Each call keeps its own virtual timeline (seconds from its header): a prompt, a ring or a talk
takes no real time, so many concurrent calls stay cheap (one small coroutine and one socket per
call). How that timeline meets the clock of the process is chosen with ``timeline``:

* ``Timeline.SHARED`` (default): the call pushes the shared ``ManualClock`` forward to its own
  "now" after every command, and time the server spends between commands (its clock moved)
  passes on the call. Made for an app in the same process on that same ``ManualClock``: one call
  at a time reads exactly the times Asterisk would give. Calls in flight together all push the
  one clock, so under load each call's time grows with the others' work.
* ``Timeline.PER_CALL``: every call runs on a private timeline that starts at ``clock``'s now
  (any ``Clock``: a ``SystemClock`` for an app in another process) and moves only with that
  call's own commands. Calls never disturb each other's times however many run at once; for
  load and benchmarks.
"""

from __future__ import annotations

import asyncio
import itertools
from enum import Enum
from pathlib import Path

from ivr.aio import free_closed_transport
from ivr.clock import Clock, ManualClock
from ivr.sim.call import Call
from ivr.sim.caller import Caller
from ivr.sim.channel import Channel
from ivr.sim.media import PromptLibrary
from ivr.sim.report import CallReport
from ivr.sim.script import CallScript
from ivr.sim.session import AgiSession
from ivr.sim.wire import agi_header

THREAD_ID_BASE = 140_248_334_857_920


class Timeline(Enum):
    SHARED = "shared"  # every call pushes the one ManualClock (an app in the same process)
    PER_CALL = "per-call"  # every call on its own timeline from the clock's now (load, benches)


class AsteriskDouble:
    def __init__(
        self,
        clock: Clock,
        recordings_dir: Path | None = None,
        prompts_dir: Path | None = None,
        *,
        timeline: Timeline = Timeline.SHARED,
        default_prompt_s: float = 2.0,
        idle_grace_s: float = 0.5,
        first_channel: int = 0,
        server_silence_limit_s: float | None = None,
        transcript: bool = True,
    ) -> None:
        """``clock``: a ``ManualClock`` the calls push (``Timeline.SHARED``), or any clock
        whose now starts each call's private timeline (``Timeline.PER_CALL``).
        ``recordings_dir`` None: recordings are measured but no WAV is written.
        ``idle_grace_s``: real seconds of server silence after which a caller scheduled to hang
        up meanwhile is taken to have hung up while the server was idle.
        ``server_silence_limit_s``: real seconds of server silence after which the double
        drops the session and reports ``gave_up_on_server``. Asterisk itself waits forever
        (flowE); None keeps that.
        ``transcript`` False: reports keep no ``lines``/``exchanges`` (cheaper at scale)."""
        self.clock = clock
        self.timeline = timeline
        # The clock sessions push: None when each call keeps its own timeline.
        self._shared_clock: ManualClock | None = None
        if timeline is Timeline.SHARED:
            if not isinstance(clock, ManualClock):
                raise TypeError("Timeline.SHARED moves the clock: give it a ManualClock")
            self._shared_clock = clock
        self.recordings_dir = recordings_dir
        self.prompts = PromptLibrary(prompts_dir, default_prompt_s)
        self.idle_grace_s = idle_grace_s
        self.server_silence_limit_s = server_silence_limit_s
        self.transcript = transcript
        self._channels = itertools.count(first_channel)  # one counter for all legs, as Asterisk
        self._uniqueids = itertools.count(first_channel)

    def new_channel_name(self, endpoint: str) -> str:
        return f"PJSIP/{endpoint}-{next(self._channels):08x}"

    async def place_call(self, host: str, port: int, script: CallScript) -> CallReport:
        epoch0 = self.clock.time()
        name = script.channel_name or self.new_channel_name("carrier")
        number = next(self._uniqueids)
        uniqueid = script.uniqueid or f"{int(epoch0)}.{number}"
        channel = Channel(script, name, uniqueid, epoch0, Caller(script))
        call = Call(script, channel, self.prompts, self.recordings_dir, self.new_channel_name)
        report = CallReport(script, name, uniqueid, started_at=epoch0)
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            # flowD: nothing listens; AGI() returns at once with AGISTATUS=FAILURE
            report.connected = False
            channel.variables["AGISTATUS"] = "FAILURE"
            report.variables = dict(channel.variables)
            return report
        try:
            session = AgiSession(
                call,
                self._shared_clock,
                report,
                reader,
                writer,
                self.idle_grace_s,
                self.server_silence_limit_s,
                transcript=self.transcript,
            )
            # Built in the call so that no frame keeps the header alive once it is sent.
            await session.run(self._header(host, port, script, name, uniqueid, number))
        finally:
            writer.close()
            free_closed_transport(writer.transport)
        return _complete(report, call)

    @staticmethod
    def _header(
        host: str, port: int, script: CallScript, name: str, uniqueid: str, number: int
    ) -> list[str]:
        return agi_header(
            host=host,
            port=port,
            network_script=script.network_script,
            channel=name,
            uniqueid=uniqueid,
            callerid=script.caller,
            calleridname=script.caller_name,
            callingpres=script.calling_pres,
            did=script.did,
            context=script.context,
            priority=script.priority,
            threadid=THREAD_ID_BASE + number,
            args=script.agi_args,
        )


def _complete(report: CallReport, call: Call) -> CallReport:
    channel = call.channel
    report.variables = dict(channel.variables)
    report.dials = list(call.dials)
    report.recordings = list(call.recordings)
    report.prompts = list(call.played)
    report.violations = list(call.violations)
    report.digits = [(channel.epoch(at), digit) for at, digit in call.caller.pressed]
    report.answered_at = None if channel.answered_at is None else channel.epoch(channel.answered_at)
    return report
