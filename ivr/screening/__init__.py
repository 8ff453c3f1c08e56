"""Caller screening: blocklist, anonymous and invalid callers, velocity, duplicates."""

from ivr.screening.rules import (
    CallerHistory,
    ScreenDecision,
    ScreenReason,
    dedupe_window_start,
    screen_caller,
    velocity_window_start,
)

__all__ = [
    "CallerHistory",
    "ScreenDecision",
    "ScreenReason",
    "dedupe_window_start",
    "screen_caller",
    "velocity_window_start",
]
