"""Everything the double knows about one call while it runs: the channel, the caller, the sound
library, the recordings and dials so far. AGI command handlers and EXEC applications work on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ivr.sim.caller import Event
from ivr.sim.channel import Channel
from ivr.sim.dial import DialAttempt, DialRequest
from ivr.sim.media import PromptLibrary, local_recording_path, write_silence_wav
from ivr.sim.script import CallScript, DialOutcome

ALL_DTMF = "0123456789*#ABCD"


@dataclass(slots=True)
class Recording:
    """A MixMonitor: ``b`` keeps only bridged audio (07a); without it, start to stop (07b).
    On the caller's channel (``EXEC MixMonitor``) or on a buyer's leg (the U() Gosub's)."""

    asterisk_path: str
    channel: str  # the channel it ran on
    bridged_only: bool
    started: float  # channel time
    stopped: float | None = None
    local_path: Path | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class PlayedPrompt:
    """One sound played to the caller, for the call's story."""

    at: float  # epoch
    name: str
    how: str  # "played" | "interrupted by 5" | "missing" | "hung up"


class Call:
    def __init__(
        self,
        script: CallScript,
        channel: Channel,
        prompts: PromptLibrary,
        recordings_dir: Path | None,
        new_channel_name: Callable[[str], str],
    ) -> None:
        self.script = script
        self.channel = channel
        self.caller = channel.caller
        self.prompts = prompts
        self.recordings_dir = recordings_dir
        self.new_channel_name = new_channel_name
        self.dials: list[DialAttempt] = []
        self.recordings: list[Recording] = []
        self.monitor: Recording | None = None
        self.played: list[PlayedPrompt] = []
        self.hangup_seen = False  # the caller hung up during this command: push HANGUP after it
        self.violations: list[str] = []  # breaches of docs/contracts.md, for the report
        # Real seconds the coming Dial's bridge was held (DialOutcome.answer_until): the
        # session waits for the release first, then the Dial plays with this talk time.
        self.held_talk_s: float | None = None

    def outcome_for(self, request: DialRequest) -> DialOutcome:
        outcome = self.scripted_outcome(request)
        if outcome.hold is not None:
            talk_s, self.held_talk_s = self.held_talk_s or 0.0, None
            outcome = replace(outcome, talk_s=talk_s)
        return outcome

    def scripted_outcome(self, request: DialRequest) -> DialOutcome:
        outcomes = self.script.dial_outcomes
        for key in (request.destination, request.resource, request.target):
            if key in outcomes:
                return outcomes[key]
        return self.script.default_outcome

    def sound_samples(self, name: str) -> int | None:
        return self.prompts.samples(name, self.script.missing_files)

    def wait(self, seconds: float | None, wanted: str = "") -> Event:
        """Let virtual time run for ``seconds`` (None: forever) or until a wanted digit or the
        caller's hang-up; the channel's clock ends at that moment."""
        channel = self.channel
        deadline = None if seconds is None else channel.now + seconds
        event = self.caller.wait(channel.now, deadline, wanted)
        channel.now = max(channel.now, event.at)
        if event.kind == "hangup":
            self.mark_hung_up()
        return event

    def mark_hung_up(self) -> None:
        if not self.channel.hung_up:
            self.channel.hung_up = True
            self.hangup_seen = True

    def note_prompt(self, name: str, how: str, start: float) -> None:
        self.played.append(PlayedPrompt(self.channel.epoch(start), name, how))

    # -- MixMonitor -----------------------------------------------------------------------------

    def start_monitor(self, path: str, options: str) -> None:
        self.stop_monitor()
        self.monitor = Recording(path, self.channel.name, "b" in options, self.channel.now)
        self.recordings.append(self.monitor)
        self.channel.variables["MIXMONITOR_FILENAME"] = path

    def record_leg(self, path: str, leg: str, talk_s: float) -> None:
        """The ``b`` MixMonitor the answer Gosub started on a buyer's leg at its answer,
        ``talk_s`` ago: it stopped now, when the leg ended with the Dial. That channel hears
        both directions, so the file holds the bridged conversation."""
        stopped = self.channel.now
        record = Recording(path, leg, True, stopped - talk_s, stopped)
        self.recordings.append(record)
        self._close(record)

    def stop_monitor(self) -> None:
        record = self.monitor
        if record is None:
            return
        self.monitor = None
        record.stopped = self.channel.now
        self._close(record)

    def _close(self, record: Recording) -> None:
        """Measure a stopped recording and write its file (app_mixmonitor opened it at the
        start: a ``b`` recording that never heard a bridge is an empty WAV, not no file)."""
        assert record.stopped is not None
        if record.bridged_only:
            record.seconds = self.channel.bridged_seconds(record.started, record.stopped)
        else:
            record.seconds = record.stopped - record.started
        if self.recordings_dir is not None:
            record.local_path = local_recording_path(record.asterisk_path, self.recordings_dir)
            write_silence_wav(record.local_path, record.seconds)
