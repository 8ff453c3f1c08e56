"""Sound files as the double sees them: which prompts exist, how long they play, and the WAV
files MixMonitor leaves behind."""

from __future__ import annotations

import wave
from pathlib import Path, PurePosixPath

SAMPLE_RATE = 8000
ASTERISK_MONITOR_DIR = PurePosixPath("/var/spool/asterisk/monitor")

# Lengths measured on the lab's Asterisk 22 core sounds (endpos of a full STREAM FILE).
KNOWN_CORE_SAMPLES = {"beep": 3404, "vm-enter-num-to-call": 16184}


class PromptLibrary:
    """Answers "does this sound exist, and how many 8 kHz samples long is it?".

    App prompts are played as ``ivr/<name>`` and ship as ``<prompts_dir>/<name>.wav``; when a
    prompts folder is given, an app prompt missing from it is missing in Asterisk too. Every
    other name is an Asterisk core sound and exists unless the scenario lists it as missing.
    """

    def __init__(self, prompts_dir: Path | None, default_s: float = 2.0) -> None:
        self._dir = prompts_dir
        self._default = round(default_s * SAMPLE_RATE)
        self._cache: dict[str, int | None] = {}

    def samples(self, name: str, missing: frozenset[str] = frozenset()) -> int | None:
        """The length in samples, or None when Asterisk would not find the file."""
        if name in missing:
            return None
        if name not in self._cache:
            self._cache[name] = self._lookup(name)
        return self._cache[name]

    def _lookup(self, name: str) -> int | None:
        app_name = name.removeprefix("ivr/")
        local = self._dir / f"{app_name}.wav" if self._dir is not None else None
        if local is not None and local.is_file():
            return _wav_samples(local)
        if name.startswith("ivr/") and self._dir is not None:
            return None
        return KNOWN_CORE_SAMPLES.get(name, self._default)


def _wav_samples(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        # Asterisk plays at 8 kHz: a file at another rate still lasts the same time.
        return round(wav.getnframes() * SAMPLE_RATE / wav.getframerate())


def local_recording_path(asterisk_path: str, recordings_dir: Path) -> Path:
    """Where the double writes a file Asterisk would write at ``asterisk_path``: paths under
    the monitor spool keep their relative part, any other path keeps its name only."""
    path = PurePosixPath(asterisk_path)
    if not path.is_absolute():
        return recordings_dir / path
    try:
        return recordings_dir / path.relative_to(ASTERISK_MONITOR_DIR)
    except ValueError:
        return recordings_dir / path.name


def write_silence_wav(path: Path, seconds: float) -> int:
    """Write an 8 kHz mono 16-bit WAV of the given length; returns its sample count. Written in
    chunks so a long recording does not sit in memory."""
    frames = max(0, round(seconds * SAMPLE_RATE))
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = bytes(2 * SAMPLE_RATE)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        left = frames
        while left > 0:
            step = min(left, SAMPLE_RATE)
            wav.writeframes(chunk[: 2 * step])
            left -= step
    return frames
