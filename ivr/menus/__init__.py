"""The IVR menu engine: runs a plan ``Menu`` over a ``CallChannel``."""

from ivr.menus.engine import run_menu
from ivr.menus.model import MenuContext, MenuOutcome, MenuResult, MenuStep, StepResult
from ivr.menus.prompts import prompt_resolver, resolver_for_dir

__all__ = [
    "MenuContext",
    "MenuOutcome",
    "MenuResult",
    "MenuStep",
    "StepResult",
    "prompt_resolver",
    "resolver_for_dir",
    "run_menu",
]
