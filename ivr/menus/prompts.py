"""Plan prompt names -> what Asterisk plays (docs/contracts.md, "Prompts").

App prompts ship as ``prompts/<name>.wav`` and are installed under Asterisk's ``sounds/ivr/``,
so they are played as ``ivr/<name>``; any other name is an Asterisk core sound, played as is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

APP_SOUNDS_DIR = "ivr"


def app_prompt_names(prompts_dir: Path) -> frozenset[str]:
    """Names of the app prompts found in ``prompts_dir`` (``<name>.wav``, without extension)."""
    if not prompts_dir.is_dir():
        return frozenset()
    return frozenset(path.stem for path in prompts_dir.glob("*.wav"))


def prompt_resolver(app_prompts: Iterable[str]) -> Callable[[str], str]:
    """A resolver for ``MenuContext.resolve_prompt`` that knows the given app prompt names."""
    known = frozenset(app_prompts)

    def resolve(name: str) -> str:
        return f"{APP_SOUNDS_DIR}/{name}" if name in known else name

    return resolve


def resolver_for_dir(prompts_dir: Path) -> Callable[[str], str]:
    """The resolver for the prompts shipped in ``prompts_dir`` (settings.prompts_dir)."""
    return prompt_resolver(app_prompt_names(prompts_dir))
