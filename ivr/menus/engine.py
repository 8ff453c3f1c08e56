"""Run a plan ``Menu`` over a call channel, node by node, until it routes or ends the call.

The engine never hangs up the channel: it reports how the menu ended and the call controller
acts on it. A caller who leaves mid-menu ends the run with ``caller_hangup`` and every step so
far; a broken menu (a loop, a missing node, an AGI failure) ends with ``failed_ivr``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.agi.api import AgiCommandError, AgiTimeout, CallChannel, ChannelHungUp
from ivr.menus.handlers import gather_node, hangup_prompt, menu_node, play_node
from ivr.menus.model import MenuContext, MenuOutcome, MenuResult, StepResult
from ivr.menus.rules import choose_branch
from ivr.menus.session import MenuSession
from ivr.plans.schema import (
    BranchNode,
    GatherNode,
    HangupNode,
    Menu,
    MenuNode,
    PlayNode,
    RouteNode,
    TagNode,
)

log = logging.getLogger(__name__)


async def run_menu(menu: Menu, channel: CallChannel, ctx: MenuContext) -> MenuResult:
    session = MenuSession(menu, channel, ctx)
    try:
        return await _walk(session)
    except ChannelHungUp:
        session.abandon(StepResult.CALLER_HANGUP)
        return session.result(MenuOutcome.CALLER_HANGUP, "caller_hangup", _last_node(session))
    except (AgiCommandError, AgiTimeout) as exc:
        # Asterisk refused or stopped answering: the caller should reach the fail-safe, and
        # the steps so far are kept to show where.
        log.error("menu %s failed on the channel: %s", menu.id, exc)
        session.abandon(StepResult.ERROR)
        return _failed(session, f"channel error: {exc}", _last_node(session))


async def _walk(s: MenuSession) -> MenuResult:
    node_id = s.menu.start
    for _ in range(s.ctx.max_steps):
        if s.channel.hung_up:
            raise ChannelHungUp(f"caller gone before node {node_id!r}")
        node = s.menu.nodes.get(node_id)
        if node is None:
            return _failed(s, f"no node {node_id!r} in menu {s.menu.id!r}", node_id)
        match node:
            case RouteNode():
                s.begin(node_id, node.type)
                s.end(StepResult.ROUTE)
                return s.result(MenuOutcome.ROUTE, None, node_id)
            case HangupNode():
                await hangup_prompt(s, node_id, node)
                return s.result(MenuOutcome.HANGUP, node.disposition, node_id)
            case PlayNode():
                node_id = await play_node(s, node_id, node)
            case MenuNode():
                node_id = await menu_node(s, node_id, node)
            case GatherNode():
                node_id = await gather_node(s, node_id, node)
            case BranchNode():
                node_id = _branch(s, node_id, node)
            case TagNode():
                node_id = _tag(s, node_id, node)
    return _failed(s, f"more than {s.ctx.max_steps} steps: the menu loops", node_id)


def _branch(s: MenuSession, node_id: str, node: BranchNode) -> str:
    s.begin(node_id, node.type)
    local = datetime.fromtimestamp(s.ctx.clock.time(), ZoneInfo(s.ctx.timezone))
    chosen = choose_branch(node, frozenset(s.tags), s.region, local)
    s.end(StepResult.BRANCHED, next_node=chosen)
    return chosen


def _tag(s: MenuSession, node_id: str, node: TagNode) -> str:
    s.begin(node_id, node.type)
    s.tags.update(node.tags)
    s.end(StepResult.TAGGED, next_node=node.next)
    return node.next


def _failed(s: MenuSession, error: str, last_node: str | None) -> MenuResult:
    log.error("menu %s: %s", s.menu.id, error)
    return s.result(MenuOutcome.FAILED_IVR, "failed_ivr", last_node, error)


def _last_node(s: MenuSession) -> str | None:
    return s.steps[-1].node_id if s.steps else None
