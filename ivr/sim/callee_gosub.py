"""Dial's ``U(<context>)`` option: a Gosub run on the buyer's channel once it answers, before
the bridge (apps/app_dial.c, ``OPT_CALLEE_GOSUB``).

The double knows the contract's one subroutine, ``ivr-buyer-answered`` (dialplans/ivr.conf):
it stamps ``IVR_ANSWERED_AT`` on the caller's channel with ``STRFTIME(,,%s.%3q)``, starts
``MixMonitor(${ARG1},b)`` on the buyer's channel when ARG1 is given, and leaves
``GOSUB_RESULT`` alone. app_dial turns each ``^`` of the option into ``,`` before the Gosub
(``ast_replace_subargument_delimiter``), so ``U(ctx^a^b)`` runs ``ctx,s,1(a,b)``.

When the Gosub returns, app_dial reads ``GOSUB_RESULT`` on the BUYER's channel; that channel
starts with the caller's inheritable variables, so an app that sets ``_GOSUB_RESULT`` or
``__GOSUB_RESULT`` stops the bridge here exactly as in Asterisk. A plain ``GOSUB_RESULT`` on the
caller is not inherited and Asterisk ignores it. docs/contracts.md forbids the app to set it in
any form, so the double reports every such setting (``violation``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.sim.channel import Channel

ANSWERED_SUBROUTINE = "ivr-buyer-answered"
# Values app_dial copies into DIALSTATUS as they are written (strcpy: the case is kept).
STATUS_RESULTS = ("BUSY", "CONGESTION", "CHANUNAVAIL")


def gosub_call(option: str) -> tuple[str, list[str]]:
    """The U() option as app_dial calls it: the context, then ARG1, ARG2, ..."""
    context, *args = option.replace("^", ",").split(",")
    return context, args


@dataclass(frozen=True, slots=True)
class GosubStop:
    """Dial does not bridge: it hangs up the buyer and returns."""

    gosub_result: str  # as the buyer's channel had it
    dialstatus: str
    go_on: bool  # Dial returns 0 (the caller carries on) rather than -1


@dataclass(frozen=True, slots=True)
class GosubRun:
    """What the subroutine did on the buyer's leg."""

    monitor: str | None  # the file of the MixMonitor(ARG1,b) it started on the buyer's leg
    stop: GosubStop | None  # None: Dial goes on to bridge


def run_callee_gosub(channel: Channel, subroutine: str, g_option: bool) -> GosubRun:
    """Run the U() subroutine at the channel's current moment (the buyer's answer)."""
    context, args = gosub_call(subroutine)
    if context != ANSWERED_SUBROUTINE:
        return GosubRun(None, None)  # a context the dialplan lacks: Dial ignores the failure
    buyer_variables = channel.inherited_by_new_channel()
    stamp = channel.function("STRFTIME(,,%s.%3q)")
    assert stamp is not None
    channel.set_variable("IVR_ANSWERED_AT", stamp)  # MASTER_CHANNEL(IVR_ANSWERED_AT)=...
    monitor = args[0] if args and args[0] else None  # GotoIf($["${ARG1}" = ""]?done)
    result = buyer_variables.get("GOSUB_RESULT")
    if result is None:
        return GosubRun(monitor, None)
    if "GOSUB_RETVAL" in buyer_variables:  # app_dial copies it back to the caller
        channel.set_variable("GOSUB_RETVAL", buyer_variables["GOSUB_RETVAL"])
    return GosubRun(monitor, _stop(result, g_option))


def stops_bridge(channel: Channel, options: dict[str, str]) -> bool:
    """Whether Dial's U() Gosub would stop the bridge now (changes nothing)."""
    subroutine = options.get("U")
    if subroutine is None or gosub_call(subroutine)[0] != ANSWERED_SUBROUTINE:
        return False
    result = channel.inherited_by_new_channel().get("GOSUB_RESULT")
    return result is not None and _stop(result, "g" in options) is not None


def _stop(result: str, g_option: bool) -> GosubStop | None:
    upper = result.upper()
    if upper in STATUS_RESULTS:
        return GosubStop(result, result, go_on=True)
    if upper == "CONTINUE":
        return GosubStop(result, "ANSWER", go_on=True)
    if upper == "ABORT":  # "hang up both ends unless the caller has the g flag"
        return GosubStop(result, "ANSWER", go_on=g_option)
    if upper.startswith("GOTO:"):
        # The caller is sent to the target; the double takes every target as valid.
        return GosubStop(result, "ANSWER", go_on=True)
    return None  # any other value: app_dial ignores it and bridges


def violation(channel: Channel, dial_data: str) -> str | None:
    """The contract breach, if the caller's channel holds GOSUB_RESULT at Dial time."""
    if "GOSUB_RESULT" not in channel.variables:
        return None
    prefix = channel.inherit_prefix.get("GOSUB_RESULT", "")
    value = channel.variables["GOSUB_RESULT"]
    effect = (
        "reaches the buyer's leg, where app_dial acts on it"
        if prefix
        else "is not inherited by the buyer's leg"
    )
    return (
        f"{prefix}GOSUB_RESULT={value} set on the caller's channel before Dial({dial_data}): "
        f"docs/contracts.md says the app must never set it (in Asterisk it {effect})"
    )
