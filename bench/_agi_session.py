"""The one FastAGI session both benchmarked servers run, and the caller the double plays.

What a real inbound call does, in 10 commands: answer, log, read one digit over a prompt, tag
the call, read two variables, dial the buyer (answered, 2 s of virtual talk), read DIALSTATUS.
The real server runs it through ``AgiChannel`` methods; the raw server writes ``RAW_COMMANDS``,
the same bytes, with no logic at all. ``check_report`` proves each simulated call went through
the whole session, so a server that skipped work cannot look fast.
"""

from __future__ import annotations

from ivr.agi.channel import AgiChannel
from ivr.sim.report import CallReport
from ivr.sim.script import CallScript, DialOutcome, Press

PROMPT = "ivr/ivr-main-menu"
DIAL_TARGET = "PJSIP/buyer1"
DIAL_OPTIONS = "gU(ivr-buyer-answered)"
DIAL_TIMEOUT_S = 3600.0  # ring time plus the longest talk: EXEC Dial lasts the whole bridge

# Hand-quoted as ivr.agi.quoting does it (every argument in quotes): the raw server must not
# call into ivr.agi, or it would pay part of the cost it is compared against.
RAW_COMMANDS: tuple[bytes, ...] = (
    b"ANSWER\n",
    b'VERBOSE "bench call started" "1"\n',
    b'GET DATA "ivr/ivr-main-menu" "5000" "1"\n',
    b'SET VARIABLE "IVR_CAMPAIGN" "bench"\n',
    b'SET VARIABLE "IVR_TARGET" "buyer1"\n',
    b'SET VARIABLE "IVR_DIGITS" "1"\n',
    b'GET VARIABLE "CALLERID(num)"\n',
    b'GET FULL VARIABLE "${CHANNEL(name)}"\n',
    b'EXEC "Dial" "PJSIP/buyer1,30,gU(ivr-buyer-answered)"\n',
    b'GET VARIABLE "DIALSTATUS"\n',
)
COMMAND_COUNT = len(RAW_COMMANDS)


async def bench_handler(channel: AgiChannel) -> None:
    """The session as an application handler writes it."""
    await channel.answer()
    await channel.verbose("bench call started")
    entry = await channel.get_data(PROMPT, timeout_s=5.0, max_digits=1)
    await channel.set_variable("IVR_CAMPAIGN", "bench")
    await channel.set_variable("IVR_TARGET", "buyer1")
    await channel.set_variable("IVR_DIGITS", entry.digits)
    await channel.get_variable("CALLERID(num)")
    await channel.get_full_variable("${CHANNEL(name)}")
    await channel.exec("Dial", DIAL_TARGET, "30", DIAL_OPTIONS, timeout_s=DIAL_TIMEOUT_S)
    await channel.get_variable("DIALSTATUS")


def call_script() -> CallScript:
    """The caller presses 1 during the prompt; the buyer answers after 0.5 s and talks 2 s.

    The double's calls share one virtual clock that every command pushes forward, so a call's
    virtual time grows with the work of all the calls in flight: the caller never gives up
    (``max_call_s``), or a call stalled for a moment on a busy box would count as abandoned."""
    return CallScript(
        did="18005550100",
        caller="+13125550123",
        presses=(Press("1", after_s=0.6),),
        dial_outcomes={"buyer1": DialOutcome.answer(talk_s=2.0, ring_s=0.5)},
        max_call_s=1e12,
    )


def check_report(report: CallReport) -> str | None:
    """Why this call did not run the whole session, or None when it did."""
    if not report.connected:
        return "no connection"
    if len(report.commands) != COMMAND_COUNT:
        return f"{len(report.commands)} commands instead of {COMMAND_COUNT}"
    if report.variables.get("IVR_DIGITS") != "1":
        return "the digit was not read"
    if not report.dials or report.dials[0].dialstatus != "ANSWER":
        return "the buyer was not reached"
    if report.agistatus != "SUCCESS":
        return f"AGISTATUS={report.agistatus}"
    return None
