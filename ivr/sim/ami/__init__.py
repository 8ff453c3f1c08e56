"""A TCP double of Asterisk's AMI, faithful to the recorded transcripts (shared/asterisk)."""

from ivr.sim.ami.server import AmiDouble
from ivr.sim.ami.transcript import TranscriptBlock, parse_ami_log, recorded_events

__all__ = ["AmiDouble", "TranscriptBlock", "parse_ami_log", "recorded_events"]
