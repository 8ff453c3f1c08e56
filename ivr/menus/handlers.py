"""The nodes that talk to the caller: play, menu, gather, and the prompt of a hangup node.

Reading keys (checked against the Asterisk 22 transcripts in shared/asterisk/corpus):
- A menu asks with GET DATA and at most one digit (01a-01e). One command plays the prompt and
  then waits, so no key is lost: keys pressed between two AGI commands are thrown away (01c),
  which STREAM FILE followed by WAIT FOR DIGIT would risk. Every key barges into the prompt, so
  a wrong key gets the invalid prompt instead of being ignored as a non-escape digit (02a).
  GET DATA never returns ``#``: ``#`` alone comes back empty without ``(timeout)`` (01d), which
  is how a ``#`` option is recognised.
- A gather asks with GET DATA for N digits: ``#`` ends early and is not included (01b), a
  pause of ``timeout_s`` after a key ends the input (01e).
- Type-ahead (a key that cut a play short, 02a) answers the next menu at once; a gather then
  reads the rest with WAIT FOR DIGIT (03), since GET DATA cannot run without a prompt.
"""

from __future__ import annotations

from ivr.agi.api import ChannelHungUp
from ivr.menus.model import StepResult
from ivr.menus.rules import check_entry
from ivr.menus.session import MenuSession
from ivr.plans.schema import GatherNode, HangupNode, MenuNode, PlayNode

DIGIT_KEYS = "0123456789"


async def play_node(s: MenuSession, node_id: str, node: PlayNode) -> str:
    s.begin(node_id, node.type, prompt=node.prompt)
    playback = await s.play(node.prompt, node.barge_in)
    if playback.digit:
        s.type_ahead += playback.digit
        s.end(StepResult.BARGE_IN, input=playback.digit, next_node=node.next)
    elif playback.missing:
        s.end(StepResult.MISSING_PROMPT, next_node=node.next)
    else:
        s.end(StepResult.PLAYED, next_node=node.next)
    return node.next


async def hangup_prompt(s: MenuSession, node_id: str, node: HangupNode) -> None:
    """Play the parting prompt. The menu had already decided: a caller who leaves during the
    goodbye keeps the node's disposition (a filtered caller stays filtered)."""
    s.begin(node_id, node.type, prompt=node.prompt)
    try:
        if node.prompt is not None:
            await s.play(node.prompt)
    except ChannelHungUp:
        s.end(StepResult.CALLER_HANGUP)
        return
    s.end(StepResult.HANGUP)


async def _retry_prompt(s: MenuSession, prompt: str | None, escape_digits: str) -> None:
    """The invalid/timeout prompt; a key pressed during it answers the next try."""
    if prompt is None:
        return
    playback = await s.play(prompt, escape_digits)
    if playback.digit:
        s.type_ahead += playback.digit


# --- menu ----------------------------------------------------------------------------------


async def _read_choice(s: MenuSession, node: MenuNode) -> str:
    """One key, or "" when the caller pressed nothing in time."""
    typed = s.take_type_ahead(1)
    if typed:
        s.set_prompt(None)
        return typed
    entry = await s.channel.get_data(s.ctx.resolve_prompt(node.prompt), node.timeout_s, 1)
    if entry.digits:
        return entry.digits
    return "" if entry.timed_out else "#"


async def menu_node(s: MenuSession, node_id: str, node: MenuNode) -> str:
    for attempt in range(1, node.tries + 1):
        last = attempt == node.tries
        s.begin(node_id, node.type, prompt=node.prompt, attempt=attempt)
        key = await _read_choice(s, node)
        if key in node.options:
            s.end(StepResult.SELECTED, input=key, next_node=node.options[key])
            return node.options[key]
        escape = "" if last else "".join(node.options)
        if key:
            await _retry_prompt(s, node.invalid_prompt, escape)
            outcome = StepResult.INVALID
        else:
            await _retry_prompt(s, node.timeout_prompt, escape)
            outcome = StepResult.TIMEOUT
        s.end(outcome, input=key or None, next_node=node.failure if last else None)
    return node.failure


# --- gather --------------------------------------------------------------------------------


async def _finish_typed(s: MenuSession, node: GatherNode, typed: str) -> tuple[str, bool]:
    """Complete an entry begun as type-ahead, key by key, as GET DATA would have."""
    if "#" in typed:
        return typed.split("#", 1)[0], False
    digits = typed
    while len(digits) < node.digits:
        key = await s.channel.wait_for_digit(node.timeout_s)
        if key is None:
            return digits, True
        if key == "#":
            return digits, False
        digits += key
    return digits, False


async def _read_entry(s: MenuSession, node: GatherNode) -> tuple[str, bool]:
    """(digits, timed_out) for one try."""
    typed = s.take_type_ahead(node.digits)
    if typed:
        s.set_prompt(None)
        return await _finish_typed(s, node, typed)
    entry = await s.channel.get_data(s.ctx.resolve_prompt(node.prompt), node.timeout_s, node.digits)
    return entry.digits, entry.timed_out


async def gather_node(s: MenuSession, node_id: str, node: GatherNode) -> str:
    for attempt in range(1, node.tries + 1):
        last = attempt == node.tries
        s.begin(node_id, node.type, prompt=node.prompt, attempt=attempt)
        digits, timed_out = await _read_entry(s, node)
        if not digits and timed_out:
            # Silence: asking again is enough; the invalid prompt is for a wrong entry.
            s.end(StepResult.TIMEOUT, next_node=node.failure if last else None)
            continue
        check = check_entry(node, digits, s.ctx.state_of_zip)
        if check.valid:
            s.gathered[node.save_as] = digits
            if check.state is not None:
                s.region = check.state
            s.end(StepResult.GATHERED, input=digits, next_node=node.next)
            return node.next
        await _retry_prompt(s, node.invalid_prompt, "" if last else DIGIT_KEYS)
        s.end(StepResult.INVALID, input=digits or None, next_node=node.failure if last else None)
    return node.failure
