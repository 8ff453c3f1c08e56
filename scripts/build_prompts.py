#!/usr/bin/env python3
"""Rebuild the app's prompts (prompts/<name>.wav) from the sentence table prompts/prompts.yaml.

Each sentence is spoken by espeak-ng, then pydub makes it what Asterisk plays without
transcoding on a narrow-band call: 8 kHz, mono, 16-bit PCM WAV, trimmed of leading and trailing
silence and normalised. Run from the repository root:

    .venv/bin/python scripts/build_prompts.py            # rebuild every prompt
    .venv/bin/python scripts/build_prompts.py ivr-goodbye   # only these
    .venv/bin/python scripts/build_prompts.py --check    # table and folder agree? (no espeak)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from pydub import AudioSegment
from pydub.silence import detect_leading_silence

REPO_ROOT = Path(__file__).resolve().parent.parent
PROMPTS_DIR = REPO_ROOT / "prompts"
TABLE = PROMPTS_DIR / "prompts.yaml"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
SAMPLE_RATE = 8000
SAMPLE_WIDTH = 2  # bytes: 16-bit
EDGE_PAD_MS = 150  # a little silence each side, so a prompt does not start clipped
PEAK_HEADROOM_DB = 3.0


def load_table(path: Path = TABLE) -> dict[str, str]:
    """name -> sentence, checked: names are prompt names, sentences are non-empty text."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(table, dict):
        raise ValueError(f"{path}: expected a mapping of prompt name to sentence")
    for name, sentence in table.items():
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ValueError(f"{path}: bad prompt name {name!r}")
        if not isinstance(sentence, str) or not sentence.strip():
            raise ValueError(f"{path}: prompt {name!r} needs a sentence")
    return {name: " ".join(sentence.split()) for name, sentence in table.items()}


def speak(sentence: str, voice: str, words_per_minute: int) -> AudioSegment:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(raw), sentence],
            check=True,
            capture_output=True,
        )
        return AudioSegment.from_wav(raw)


def telephone_quality(speech: AudioSegment) -> AudioSegment:
    """Trimmed, padded, normalised, and resampled to 8 kHz mono 16-bit."""
    start = detect_leading_silence(speech)
    end = len(speech) - detect_leading_silence(speech.reverse())
    pad = AudioSegment.silent(duration=EDGE_PAD_MS, frame_rate=speech.frame_rate)
    trimmed = pad + speech[start:end] + pad
    louder = trimmed.apply_gain(-PEAK_HEADROOM_DB - trimmed.max_dBFS)
    return louder.set_channels(1).set_frame_rate(SAMPLE_RATE).set_sample_width(SAMPLE_WIDTH)


def build(names: list[str], table: dict[str, str], out_dir: Path, voice: str, wpm: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        audio = telephone_quality(speak(table[name], voice, wpm))
        target = out_dir / f"{name}.wav"
        audio.export(target, format="wav")
        print(f"{target}: {len(audio) / 1000:.2f} s")


def disagreements(table: dict[str, str], out_dir: Path) -> list[str]:
    """Prompts in the table without a WAV, and WAVs the table does not name."""
    shipped = {path.stem for path in out_dir.glob("*.wav")}
    problems = [f"missing {name}.wav" for name in sorted(set(table) - shipped)]
    problems += [f"{name}.wav is not in the table" for name in sorted(shipped - set(table))]
    return problems


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="prompts to rebuild (default: all)")
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument("--out", type=Path, default=PROMPTS_DIR)
    parser.add_argument("--voice", default="en-us")
    parser.add_argument("--wpm", type=int, default=160, help="espeak-ng speed, words per minute")
    parser.add_argument("--check", action="store_true", help="only compare table and folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    table = load_table(args.table)
    if not args.check:
        unknown = [name for name in args.names if name not in table]
        if unknown:
            print(f"not in {args.table}: {', '.join(unknown)}", file=sys.stderr)
            return 2
        build(args.names or list(table), table, args.out, args.voice, args.wpm)
    problems = disagreements(table, args.out)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
