"""The IVR menu as a plan describes it: nodes by id, each of one type (play, menu, gather,
branch, tag, route, hangup). ``ivr.menus`` runs them; ``ivr.plans.validate_menus`` checks the
graph (unknown nodes, cycles without exit)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from ivr.plans.fields import (
    Digit,
    PromptName,
    Slug,
    StateCode,
    Strict,
    Tag,
    TimeRange,
    _parse_ranges,
)


class PlayNode(Strict):
    type: Literal["play"]
    prompt: PromptName
    barge_in: str = Field(default="", pattern=r"^[0-9*#]*$")
    next: Slug


class MenuNode(Strict):
    """Press a digit to go on: tries, timeout, invalid-input prompt and a failure exit."""

    type: Literal["menu"]
    prompt: PromptName
    options: dict[Digit, Slug] = Field(min_length=1)
    tries: int = Field(default=3, ge=1, le=10)
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    invalid_prompt: PromptName | None = "ivr-invalid"
    timeout_prompt: PromptName | None = None
    failure: Slug


class GatherNode(Strict):
    """Read N digits, validated (``zip``: a 5-digit US ZIP, or a regular expression)."""

    type: Literal["gather"]
    prompt: PromptName
    digits: int = Field(ge=1, le=32)
    validate_as: Literal["zip", "digits"] | None = "digits"
    pattern: str | None = None
    save_as: Slug = "input"
    tries: int = Field(default=3, ge=1, le=10)
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    invalid_prompt: PromptName | None = "ivr-invalid"
    next: Slug
    failure: Slug

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from None
        return value


class BranchCase(Strict):
    """One test of a branch; the first case that holds wins."""

    tag: Tag | None = None
    states: list[StateCode] = []
    hours: list[TimeRange] = []
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = []
    next: Slug

    @field_validator("hours", mode="before")
    @classmethod
    def _compact(cls, value: object) -> object:
        return _parse_ranges(value)

    @model_validator(mode="after")
    def _tests_something(self) -> BranchCase:
        if self.tag is None and not self.states and not self.hours and not self.days:
            raise ValueError("a case needs tag, states, hours or days")
        return self


class BranchNode(Strict):
    type: Literal["branch"]
    cases: list[BranchCase] = Field(min_length=1)
    default: Slug


class TagNode(Strict):
    type: Literal["tag"]
    tags: list[Tag] = Field(min_length=1)
    next: Slug


class RouteNode(Strict):
    type: Literal["route"]


class HangupNode(Strict):
    """End the call here; ``disposition`` says why (``filtered`` for a caller screened out)."""

    type: Literal["hangup"]
    prompt: PromptName | None = None
    disposition: Literal["filtered", "ivr_hangup", "failed_ivr"] = "filtered"


Node = Annotated[
    PlayNode | MenuNode | GatherNode | BranchNode | TagNode | RouteNode | HangupNode,
    Field(discriminator="type"),
]


class Menu(Strict):
    id: Slug
    name: str = Field(default="", max_length=200)
    start: Slug
    nodes: dict[Slug, Node] = Field(min_length=1)
