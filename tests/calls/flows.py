"""The AGI command lines the demo plan makes the app send, stage by stage (docs/contracts.md)."""

from __future__ import annotations

from ivr.sim.script import CallScript, DialOutcome, Press

DEMO_DID = "18005550101"  # leadgen-east, 40 % revenue share
RADIO_DID = "18005550104"  # radio-spots, fixed 12.00 payout
CHICAGO = "+13125550123"  # IL, area code 312
NEW_YORK = "+12125550123"  # NY, area code 212
MONITOR_DIR = "/var/spool/asterisk/monitor/ivr"

ANSWER = "ANSWER"
WELCOME = 'STREAM FILE "ivr/ivr-welcome" ""'
MAIN_MENU = 'GET DATA "ivr/ivr-main-menu" "5000" "1"'
COVERAGE_MENU = 'GET DATA "ivr/ivr-coverage-menu" "5000" "1"'
ZIP = 'GET DATA "ivr/ivr-enter-zip" "5000" "5"'
HOLD = 'STREAM FILE "ivr/ivr-please-hold" ""'
ANNOUNCE = 'STREAM FILE "ivr/ivr-call-recorded" ""'
ALL_BUSY = 'STREAM FILE "ivr/ivr-all-busy" ""'
DONE = 'SET VARIABLE "IVR_DONE" "1"'
MENU_TO_HOLD = [ANSWER, WELCOME, MAIN_MENU, COVERAGE_MENU, ZIP, HOLD]
AUTO_PRESSES = (Press("1"), Press("1"), Press("60601"))
HOME_PRESSES = (Press("1"), Press("2"), Press("60601"))


OUTCOME = (
    'GET FULL VARIABLE "${DIALSTATUS}|${IVR_ANSWERED_AT}|${STRFTIME(,,%s.%3q)}|${HANGUPCAUSE}'
    '|${HANGUPCAUSE_KEYS()}"'
)


def recording_path(file_name: str) -> str:
    return f"{MONITOR_DIR}/{file_name}"


def dial_commands(dial_string: str, timeout_s: int, leg: str, record_to: str | None) -> list[str]:
    """One Dial and what is read after it: the outcome in one line, then the new leg's cause.
    ``record_to``: the file the answered leg records into (Dial's U() argument), or None."""
    gosub = "ivr-buyer-answered" if record_to is None else f"ivr-buyer-answered^{record_to}"
    lines = [f'EXEC "Dial" "{dial_string},{timeout_s},gU({gosub})"', OUTCOME]
    if leg:
        lines.append(f'GET FULL VARIABLE "${{HANGUPCAUSE({leg},tech)}}"')
    return lines


def auto_call(caller: str = CHICAGO, did: str = DEMO_DID, **kwargs: object) -> CallScript:
    """A new customer asking for auto insurance with ZIP 60601 (Chicago)."""
    kwargs.setdefault("presses", AUTO_PRESSES)
    return CallScript(did=did, caller=caller, **kwargs)  # type: ignore[arg-type]


ANSWER_95 = DialOutcome.answer(talk_s=95)
