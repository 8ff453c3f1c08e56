"""The story of one inbound call, top to bottom.

    attribute -> record -> screen -> answer -> menu -> route -> bridge (fallback) -> close

Every path ends in ``_finish``: the record is closed with a disposition, checkpointed, and
``IVR_DONE=1`` tells the dialplan the call was handled. A failure anywhere closes the record as
``failed`` and re-raises, so the FastAGI error boundary sends the call to the fail-safe route.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping

from ivr.agi.api import AgiConnectionLost, AgiEnvironment, CallChannel, ChannelHungUp
from ivr.calls.bridge import BridgeOutcome, bridge_call
from ivr.calls.closing import close_call
from ivr.calls.deps import CallDeps
from ivr.calls.ports import PlanView
from ivr.calls.record import CallLog, Disposition
from ivr.clock import utc_datetime
from ivr.geo import classify_caller, normalize_number, state_of_zip
from ivr.geo.callerid import CallerId
from ivr.menus import MenuContext, MenuOutcome, MenuResult, run_menu
from ivr.plans.schema import Campaign
from ivr.routing.facts import CallFacts, TargetLoad
from ivr.routing.rank import ExclusionReason, RankedTarget, RoutingDecision, rank_targets
from ivr.screening.rules import CallerHistory, ScreenDecision, screen_caller

ZIP_KEY = "zip"  # the gather ``save_as`` whose digits route by ZIP
MENU_DISPOSITIONS = {
    "filtered": Disposition.FILTERED,
    "ivr_hangup": Disposition.IVR_HANGUP,
    "failed_ivr": Disposition.FAILED_IVR,
    "caller_hangup": Disposition.ABANDONED_IVR,
}
LOAD_REASONS = frozenset({
    ExclusionReason.HOURLY_CAP, ExclusionReason.DAILY_CAP, ExclusionReason.MONTHLY_CAP,
    ExclusionReason.CONCURRENCY_FULL,
})  # fmt: skip
Loads = Mapping[str, TargetLoad]


async def handle_inbound(channel: CallChannel, deps: CallDeps) -> None:
    call = open_call(channel.env, deps.clock.time())
    deps.live[call.uniqueid] = call
    lost = False
    try:
        await _story(channel, call, deps)
    except AgiConnectionLost:
        # Asterisk never closes the socket itself (flowE): it died or the network was cut, so
        # nothing says whether the caller left or was still talking. Close the record as
        # failed rather than guess; AMI reconciliation finishes it from what Asterisk saw.
        lost = True
        call.event(deps.clock.time(), "session.lost")
        await _close_unfinished(call, deps)
    except ChannelHungUp:
        stage = Disposition.ABANDONED_RINGING if call.attempts else Disposition.ABANDONED_IVR
        await _finish(channel, call, stage, deps, _campaign_of(call, deps))
    except BaseException:
        await _close_unfinished(call, deps)
        raise
    finally:
        deps.live.pop(call.uniqueid, None)
        deps.session_ended(call, lost)


def open_call(env: AgiEnvironment, now: float) -> CallLog:
    call = CallLog(
        uniqueid=env.uniqueid,
        channel=env.channel,
        did_raw=env.args[0] if env.args else env.extension,
        caller_raw=env.callerid,
        caller_name=env.calleridname,
        started_at=now,
    )
    call.did = normalize_number(call.did_raw)
    call.event(now, "call.start", did=call.did_raw, caller=call.caller_raw)
    return call


async def _story(channel: CallChannel, call: CallLog, deps: CallDeps) -> None:
    view = deps.plan()
    campaign = _attribute(call, view)
    if campaign is None:
        await deps.store.checkpoint(call)  # the record exists before anything else happens
        await _not_in_service(channel, call, deps)
        return
    # The targets' loads are read from here on, beside screening and the menu, so that no
    # read sits between the last key press and the Dial (``_route``).
    early_loads = asyncio.ensure_future(_read_loads(campaign, view, deps))
    try:
        # The opened record's checkpoint, unnamed here: _serve lets go of it once durable.
        await _serve(channel, call, campaign, view, deps.store.checkpoint(call), early_loads, deps)
    finally:
        early_loads.cancel()


async def _serve(
    channel: CallChannel,
    call: CallLog,
    campaign: Campaign,
    view: PlanView,
    opened: Awaitable[object],
    early_loads: asyncio.Future[Loads],
    deps: CallDeps,
) -> None:
    """Screen, answer, run the menu, route and bridge a call attributed to ``campaign``.

    ``opened``: the checkpoint of the record as the call began. The record exists before
    anything else happens to the call: durable before the caller is answered or rejected; its
    write runs beside the screening read (one wait, not two)."""
    caller = classify_caller(call.caller_raw, call.caller_name, channel.env.get("callingpres"))
    call.caller, call.caller_state = caller.number, caller.state
    try:
        decision = await _screen(call, campaign, caller, deps)
    finally:
        await opened
    del opened  # its result holds the opened snapshot: not for the whole call (held calls)
    if not decision.accept:
        await _finish(channel, call, Disposition.REJECTED, deps, campaign)
        return
    await channel.answer()
    call.answered_at = deps.clock.time()
    menu = await _run_menu(channel, call, campaign, view, caller, deps)
    if menu is not None and menu.outcome is not MenuOutcome.ROUTE:
        disposition = MENU_DISPOSITIONS.get(menu.disposition or "", Disposition.FAILED_IVR)
        await _finish(channel, call, disposition, deps, campaign)
        return
    ranked = await _route(call, campaign, view, caller, early_loads, deps)
    bridged = await bridge_call(channel, call, campaign, ranked, deps)
    await _finish(channel, call, bridged.disposition, deps, campaign, bridged)


def _attribute(call: CallLog, view: PlanView) -> Campaign | None:
    number = view.numbers.get(call.did) if call.did else None
    campaign = view.campaigns.get(number.campaign) if number else None
    if number is None or campaign is None or not campaign.enabled:
        call.event(call.started_at, "attribution.unknown", did=call.did or call.did_raw)
        return None
    call.campaign_id, call.publisher_id = campaign.id, number.publisher
    call.menu_id = campaign.menu
    call.menu_version = view.menu_versions.get(campaign.menu) if campaign.menu else None
    call.event(call.started_at, "attribution", campaign=campaign.id, publisher=number.publisher)
    return campaign


async def _not_in_service(channel: CallChannel, call: CallLog, deps: CallDeps) -> None:
    await channel.answer()
    call.answered_at = deps.clock.time()
    await channel.stream_file(deps.resolve_prompt("ivr-not-in-service"))
    await _finish(channel, call, Disposition.UNKNOWN_NUMBER, deps)


async def _screen(
    call: CallLog, campaign: Campaign, caller: CallerId, deps: CallDeps
) -> ScreenDecision:
    now = utc_datetime(deps.clock)
    history = CallerHistory()  # a caller without a number has no history to count
    if caller.number:
        history = await deps.store.caller_history(caller.number, campaign, now, call.id)
    decision = screen_caller(campaign.screening, caller, history, campaign, now)
    call.duplicate = decision.reason == "duplicate"
    if not decision.accept:
        call.reject_reason = decision.reason.value
    call.event(deps.clock.time(), "screen", reason=decision.reason.value, detail=decision.detail)
    return decision


async def _run_menu(
    channel: CallChannel,
    call: CallLog,
    campaign: Campaign,
    view: PlanView,
    caller: CallerId,
    deps: CallDeps,
) -> MenuResult | None:
    menu = view.menus.get(campaign.menu) if campaign.menu else None
    if menu is None:
        call.ivr_ended_at = deps.clock.time()
        return None
    context = MenuContext(
        clock=deps.clock,
        timezone=campaign.timezone,
        resolve_prompt=deps.resolve_prompt,
        state_of_zip=state_of_zip,
        caller_state=caller.state,
    )
    result = await run_menu(menu, channel, context)
    call.ivr_ended_at = deps.clock.time()
    call.tags, call.gathered, call.region = (
        sorted(result.tags),
        dict(result.gathered),
        result.region,
    )
    for step in result.steps:
        call.event(
            step.started_at, "menu.step", node=step.node_id, type=step.node_type,
            prompt=step.prompt, input=step.input, result=step.result.value,
            next=step.next_node, ended_at=step.ended_at,
        )  # fmt: skip
    call.event(call.ivr_ended_at, "menu.end", outcome=result.outcome.value, error=result.error)
    return result


async def _read_loads(campaign: Campaign, view: PlanView, deps: CallDeps) -> Loads:
    listed = view.campaign_targets.get(campaign.id, ())
    return await deps.store.target_loads(campaign, listed, utc_datetime(deps.clock))


async def _route(
    call: CallLog,
    campaign: Campaign,
    view: PlanView,
    caller: CallerId,
    early_loads: asyncio.Future[Loads],
    deps: CallDeps,
) -> list[RankedTarget]:
    """Rank on the loads read while the call was screened and its menu ran, so no read sits
    between the last key press and the Dial. Loads only exclude targets, and each claim checks
    its target's slot atomically, so a target that filled up since is refused by its claim and
    the next one is tried; a target the early loads exclude may have freed a slot since, so
    then the loads are read again and the targets ranked on those."""
    facts = CallFacts.gather(utc_datetime(deps.clock), caller, call.gathered.get(ZIP_KEY),
                             call.tags)  # fmt: skip
    decision = rank_targets(campaign, view.targets, facts, await early_loads, deps.rng)
    if any(exclusion.reason in LOAD_REASONS for exclusion in decision.excluded):
        fresh = await _read_loads(campaign, view, deps)
        decision = rank_targets(campaign, view.targets, facts, fresh, deps.rng)
    _note_decision(call, decision, deps)
    return decision.ranked


def _note_decision(call: CallLog, decision: RoutingDecision, deps: CallDeps) -> None:
    call.event(
        deps.clock.time(),
        "route.decision",
        ranked=[r.target_id for r in decision.ranked],
        excluded=[{"target": e.target_id, "reason": e.reason.value, "detail": e.detail}
                  for e in decision.excluded],
    )  # fmt: skip


async def _finish(
    channel: CallChannel,
    call: CallLog,
    disposition: Disposition,
    deps: CallDeps,
    campaign: Campaign | None = None,
    bridged: BridgeOutcome | None = None,
) -> None:
    close_call(call, deps.clock.time(), disposition, campaign, bridged)
    await deps.store.checkpoint(call)
    await channel.set_variable("IVR_DONE", "1")  # still answered 200 on a dead channel


async def _close_unfinished(call: CallLog, deps: CallDeps) -> None:
    """Close the record as failed unless the story closed it already; the checkpoint runs
    even when the task is being cancelled (a server stop), so no record stays open."""
    if call.status != "closed":
        close_call(call, deps.clock.time(), Disposition.FAILED, _campaign_of(call, deps))
        await asyncio.shield(deps.store.checkpoint(call))


def _campaign_of(call: CallLog, deps: CallDeps) -> Campaign | None:
    return deps.plan().campaigns.get(call.campaign_id) if call.campaign_id else None
