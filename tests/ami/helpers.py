"""Names of the recorded whole calls and a reader of their event streams."""

from pathlib import Path

from ivr.sim.ami import TranscriptBlock, parse_ami_log, recorded_events

CALLS = [
    "01-happy",
    "02-fallback-busy",
    "03-fallback-noanswer",
    "04-flowB-agi-exec-dial-busy",
    "allfail-busy-then-unreachable",
    "flowC-panoramisk-hangup",
    "flowD-agi-server-down",
    "flowE-agi-linger-after-hangup",
    "hangup-during-getdata",
    "reject-480-then-603",
    "reject-503-then-404",
]


def call_events(shared: Path, name: str) -> list[TranscriptBlock]:
    return recorded_events(parse_ami_log(shared / "calls" / name / "ami.log"))
