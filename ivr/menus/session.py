"""The state of one menu run: tags, gathered values, region, type-ahead and the step log.

Steps are opened before the channel is touched and closed after, so a caller who hangs up in
the middle of a prompt still leaves a (partial) step with its start time and what was played.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ivr.agi.api import CallChannel, Playback
from ivr.menus.model import MenuContext, MenuOutcome, MenuResult, MenuStep, StepResult
from ivr.plans.schema import Menu

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _OpenStep:
    node_id: str
    node_type: str
    started_at: float
    prompt: str | None
    attempt: int


class MenuSession:
    def __init__(self, menu: Menu, channel: CallChannel, ctx: MenuContext) -> None:
        self.menu = menu
        self.channel = channel
        self.ctx = ctx
        self.tags: set[str] = set(ctx.tags)
        self.gathered: dict[str, str] = {}
        self.region: str | None = ctx.caller_state
        # Digits that cut a prompt short; the next menu or gather reads them before asking.
        self.type_ahead = ""
        self.steps: list[MenuStep] = []
        self._open: _OpenStep | None = None

    # --- the step log ----------------------------------------------------------------------

    def begin(
        self, node_id: str, node_type: str, prompt: str | None = None, attempt: int = 1
    ) -> None:
        if self._open is not None:
            raise RuntimeError(f"step {self._open.node_id!r} is still open")
        now = self.ctx.clock.time()
        self._open = _OpenStep(node_id, node_type, now, prompt, attempt)

    def set_prompt(self, prompt: str | None) -> None:
        """The open step played nothing after all (its input came from type-ahead)."""
        if self._open is not None:
            self._open.prompt = prompt

    def end(
        self, result: StepResult, input: str | None = None, next_node: str | None = None
    ) -> None:
        step = self._open
        if step is None:
            raise RuntimeError("no step is open")
        self._open = None
        self.steps.append(
            MenuStep(
                node_id=step.node_id,
                node_type=step.node_type,
                started_at=step.started_at,
                ended_at=self.ctx.clock.time(),
                prompt=step.prompt,
                input=input,
                result=result,
                next_node=next_node,
                attempt=step.attempt,
            )
        )

    def abandon(self, result: StepResult) -> None:
        """Close the step the menu was in when it stopped (caller gone, AGI error), if any."""
        if self._open is not None:
            self.end(result)

    # --- channel helpers -------------------------------------------------------------------

    async def play(self, prompt: str, escape_digits: str = "") -> Playback:
        playback = await self.channel.stream_file(self.ctx.resolve_prompt(prompt), escape_digits)
        if playback.missing:
            # Asterisk carries on without the file (corpus 02c); the operator must hear of it.
            log.warning("menu %s: prompt %r is missing in Asterisk", self.menu.id, prompt)
        return playback

    def take_type_ahead(self, count: int) -> str:
        taken, self.type_ahead = self.type_ahead[:count], self.type_ahead[count:]
        return taken

    # --- the end ---------------------------------------------------------------------------

    def result(
        self,
        outcome: MenuOutcome,
        disposition: str | None,
        last_node: str | None = None,
        error: str | None = None,
    ) -> MenuResult:
        return MenuResult(
            outcome=outcome,
            disposition=disposition,
            tags=frozenset(self.tags),
            gathered=dict(self.gathered),
            region=self.region,
            steps=tuple(self.steps),
            last_node=last_node,
            error=error,
        )
