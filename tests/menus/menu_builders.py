"""Menus, contexts and a ZIP table shared by the menu tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ivr.clock import ManualClock
from ivr.menus import MenuContext, resolver_for_dir
from ivr.plans.schema import Menu

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMPTS_DIR = REPO_ROOT / "prompts"
# Monday 2026-11-16 15:00:00 UTC = 10:00 in New York, 07:00 in Los Angeles.
MONDAY_15_UTC = 1_794_841_200.0
ZIP_PREFIX_STATES = {"606": "IL", "100": "NY", "900": "CA", "331": "FL"}


def state_of_zip(zip_code: str) -> str | None:
    """A stand-in for ivr.geo.state_of_zip: a few real 3-digit ZIP prefixes."""
    return ZIP_PREFIX_STATES.get(zip_code[:3])


def make_ctx(clock: ManualClock, **overrides: Any) -> MenuContext:
    values: dict[str, Any] = {
        "clock": clock,
        "timezone": "America/New_York",
        "resolve_prompt": resolver_for_dir(PROMPTS_DIR),
        "state_of_zip": state_of_zip,
        "caller_state": "NY",
        "tags": frozenset({"pub:acme"}),
    }
    values.update(overrides)
    return MenuContext(**values)


def menu(start: str, **nodes: Any) -> Menu:
    return Menu.model_validate({"id": "test", "start": start, "nodes": nodes})


def demo_menu() -> Menu:
    """Like the demo campaign: welcome, new/existing, auto/home, ZIP, then route."""
    return menu(
        "welcome",
        welcome={"type": "play", "prompt": "ivr-welcome", "barge_in": "12", "next": "main"},
        main={
            "type": "menu",
            "prompt": "ivr-main-menu",
            "options": {"1": "new", "2": "existing"},
            "failure": "goodbye",
        },
        new={"type": "tag", "tags": ["new-quote"], "next": "coverage"},
        coverage={
            "type": "menu",
            "prompt": "ivr-coverage-menu",
            "options": {"1": "auto", "2": "home"},
            "failure": "goodbye",
        },
        auto={"type": "tag", "tags": ["auto"], "next": "zip"},
        home={"type": "tag", "tags": ["home"], "next": "zip"},
        zip={
            "type": "gather",
            "prompt": "ivr-enter-zip",
            "digits": 5,
            "validate_as": "zip",
            "save_as": "zip",
            "next": "qualified",
            "failure": "goodbye",
        },
        qualified={"type": "route"},
        existing={"type": "hangup", "prompt": "ivr-existing-goodbye", "disposition": "filtered"},
        goodbye={"type": "hangup", "prompt": "ivr-goodbye", "disposition": "ivr_hangup"},
    )
