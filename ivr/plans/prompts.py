"""Where a prompt named in a plan can come from: the app's prompt folders or Asterisk's core sounds.

Menus name prompts without extension (docs/contracts.md). An app prompt is a file
``<dir>/<name>.<ext>`` in one of the prompt folders; any other name must be one of the sounds of
the standard asterisk-core-sounds-en package, listed in ``asterisk_core_sounds.txt``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from ivr.plans.schema import GatherNode, HangupNode, MenuNode, Plan, PlayNode

PROMPT_EXTENSIONS = (".wav", ".gsm", ".ulaw", ".sln")


@cache
def core_sounds() -> frozenset[str]:
    """Names of Asterisk's English core sounds, without extension (``beep``, ``digits/1``...)."""
    text = resources.files("ivr.plans").joinpath("asterisk_core_sounds.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


class PromptLibrary:
    """Answers whether a prompt name can be played, looking in ``dirs`` and the core sounds."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        self.dirs = list(dirs)

    def has(self, name: str) -> bool:
        if name in core_sounds():
            return True
        return any((d / f"{name}{ext}").is_file() for d in self.dirs for ext in PROMPT_EXTENSIONS)

    def describe_missing(self, name: str) -> str:
        dirs = ", ".join(str(d) for d in self.dirs) or "no prompt folder"
        exts = "/".join(PROMPT_EXTENSIONS)
        return (
            f"prompt {name!r} not found: no {name}{exts} in {dirs}, and not an Asterisk core sound"
        )


def menu_prompts(plan: Plan) -> Iterator[tuple[int, str, str]]:
    """(menu index, sub-path, prompt name) of every prompt a menu node plays."""
    for m, menu in enumerate(plan.menus):
        for node_id, node in menu.nodes.items():
            for field, name in _node_prompts(node):
                yield m, f"nodes.{node_id}.{field}", name


def _node_prompts(node: object) -> Iterator[tuple[str, str]]:
    fields: tuple[str, ...] = ()
    if isinstance(node, PlayNode | HangupNode):
        fields = ("prompt",)
    elif isinstance(node, MenuNode):
        fields = ("prompt", "invalid_prompt", "timeout_prompt")
    elif isinstance(node, GatherNode):
        fields = ("prompt", "invalid_prompt")
    for field in fields:
        name = getattr(node, field)
        if name is not None:
            yield field, name


def campaign_prompts(plan: Plan) -> Iterator[tuple[int, str, str]]:
    """(campaign index, sub-path, prompt name) of the prompts a campaign itself may play."""
    for c, campaign in enumerate(plan.campaigns):
        if campaign.recording.enabled and campaign.recording.announce:
            yield c, "recording.announce_prompt", campaign.recording.announce_prompt
        yield c, "fallback.prompt", campaign.fallback.prompt
