"""The dialplan: valid steps, resolvable jumps, the FastAGI contract and the fail-safe path."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from .asterisk22_facts import APPLICATIONS
from .conf_parser import Conf
from .conftest import REPO
from .dialplan import Step, assigned, balanced, dialplan_contexts, variables_read

CONTRACT_VARS = set(re.findall(r"`(IVR_[A-Z_]+)", (REPO / "docs" / "contracts.md").read_text()))


@pytest.fixture(scope="module")
def plan(conf: Callable[[str], Conf]) -> dict[str, list[Step]]:
    return dialplan_contexts(conf("extensions.conf"))


@pytest.fixture(scope="module")
def globals_(conf: Callable[[str], Conf]) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in conf("extensions.conf").named("globals"):
        out.update({e.name: e.value for e in section.entries})
    return out


def all_steps(plan: dict[str, list[Step]]) -> list[Step]:
    return [s for steps in plan.values() for s in steps]


def pattern_matches(pattern: str, exten: str) -> bool:
    """Asterisk's extension match for the forms used here (_ X Z N [set] . !)."""
    if not pattern.startswith("_"):
        return pattern == exten
    regex = ""
    for token in re.findall(r"\[[^\]]+\]|.", pattern[1:]):
        regex += {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": ".+", "!": ".*"}.get(
            token, token if token.startswith("[") else re.escape(token)
        )
    return re.fullmatch(regex, exten) is not None


def find(plan: dict[str, list[Step]], context: str, exten: str) -> list[Step]:
    return [s for s in plan[context] if pattern_matches(s.exten, exten)]


def test_every_application_is_real_and_arguments_balance(plan: dict[str, list[Step]]) -> None:
    for step in all_steps(plan):
        assert step.app in APPLICATIONS, step
        assert balanced(step.data), step


def test_priorities_are_consecutive(plan: dict[str, list[Step]]) -> None:
    for context, steps in plan.items():
        by_exten: dict[str, list[int]] = {}
        for step in steps:
            by_exten.setdefault(step.exten, []).append(step.priority)
        for exten, priorities in by_exten.items():
            assert priorities == list(range(1, len(priorities) + 1)), (context, exten)


def resolve(plan: dict[str, list[Step]], here: Step, target: str) -> bool:
    """context,exten,priority|label / exten,priority / priority|label, as Goto reads it."""
    parts = [p.strip() for p in target.split(",")]
    context = parts[0] if len(parts) == 3 else here.context
    exten = parts[-2] if len(parts) >= 2 else here.exten
    where = parts[-1]
    steps = [
        s for s in plan.get(context, []) if s.exten == exten or pattern_matches(s.exten, exten)
    ]
    return any(str(s.priority) == where or s.label == where for s in steps)


def jump_targets(step: Step) -> list[str]:
    if step.app in ("Goto", "Gosub"):
        return [step.data.split("(")[0]]
    if step.app == "GotoIf":
        branches = step.data.split("?", 1)[1]
        return [b for b in branches.split(":") if b]
    pushed = assigned(step)
    if pushed and pushed[0] == "CHANNEL(hangup_handler_push)":
        return [pushed[1].split("(")[0]]
    return []


def test_every_jump_lands(plan: dict[str, list[Step]]) -> None:
    jumps = [(s, t) for s in all_steps(plan) for t in jump_targets(s)]
    assert jumps
    for step, target in jumps:
        assert resolve(plan, step, target), (step.where, target)


@pytest.mark.parametrize("did", ["+18005550101", "18005550101", "8005550101"])
def test_every_did_reaches_the_inbound_agi(plan: dict[str, list[Step]], did: str) -> None:
    steps = find(plan, "from-carrier", did)
    apps = [s.app for s in steps]
    assert "AGI" in apps
    agi = steps[apps.index("AGI")]
    assert agi.data == "agi://${IVR_AGI}/inbound,${EXTEN}"
    # The hangup handler is pushed before the app is reached, so every end is reported.
    push = [i for i, s in enumerate(steps) if jump_targets(s) and s.app == "Set"]
    assert push and push[0] < apps.index("AGI")


@pytest.mark.parametrize("special", ["h", "i", "t", "s", "T"])
def test_did_pattern_never_shadows_special_extensions(
    plan: dict[str, list[Step]], special: str
) -> None:
    patterns = {s.exten for s in plan["from-carrier"] if s.exten.startswith("_")}
    assert not any(pattern_matches(p, special) for p in patterns)


def test_after_the_agi_only_ivr_done_hangs_up(plan: dict[str, list[Step]]) -> None:
    steps = find(plan, "from-carrier", "+18005550101")
    after = steps[[s.app for s in steps].index("AGI") + 1 :]
    check = after[0]
    assert check.app == "GotoIf" and '"${IVR_DONE}" = "1"' in check.data
    done = check.data.split("?")[1]
    assert next(s for s in steps if s.label == done).app == "Hangup"
    # Anything else logs a warning and goes to the fail-safe route.
    assert after[1].app == "Log" and after[1].data.startswith("WARNING,")
    assert after[2].app == "Goto" and after[2].data == "ivr-failsafe,s,1"


def test_fail_safe_dials_then_apologises(plan: dict[str, list[Step]]) -> None:
    apps = [s.app for s in plan["ivr-failsafe"]]
    assert apps.index("Dial") < apps.index("Playback") < apps.index("Hangup")
    dial = plan["ivr-failsafe"][apps.index("Dial")]
    assert dial.data == "${IVR_FAILSAFE_DIAL},${IVR_FAILSAFE_TIMEOUT}"
    # An empty IVR_FAILSAFE_DIAL skips the Dial.
    assert '"${IVR_FAILSAFE_DIAL}" = ""' in plan["ivr-failsafe"][0].data


def test_globals(globals_: dict[str, str], conf: Callable[[str], Conf]) -> None:
    assert globals_["IVR_AGI"] == "127.0.0.1:4573"
    assert int(globals_["IVR_FAILSAFE_TIMEOUT"]) > 0
    dial = globals_["IVR_FAILSAFE_DIAL"]
    endpoint = dial.removeprefix("PJSIP/")
    assert endpoint in conf("pjsip.conf").objects("endpoint")


def test_buyer_answered_gosub_sets_the_answer_moment_on_the_caller(
    plan: dict[str, list[Step]],
) -> None:
    steps = find(plan, "ivr-buyer-answered", "s")  # Dial U() starts at s,1
    assert steps[0].priority == 1
    assert assigned(steps[0]) == ("MASTER_CHANNEL(IVR_ANSWERED_AT)", "${STRFTIME(,,%s.%3q)}")
    assert steps[-1].app == "Return"
    assert not any((a := assigned(s)) and a[0] == "GOSUB_RESULT" for s in steps)


def test_buyer_answered_gosub_records_the_buyer_leg_only_when_given_a_file(
    plan: dict[str, list[Step]],
) -> None:
    """U(ivr-buyer-answered^<file>): ARG1 is the file. MixMonitor runs on the buyer's channel
    (the Gosub's), with b, and is skipped when ARG1 is empty (U() without a file)."""
    steps = find(plan, "ivr-buyer-answered", "s")
    apps = [s.app for s in steps]
    assert apps == ["Set", "GotoIf", "MixMonitor", "Return"]
    skip = steps[1]
    condition, _, branches = skip.data.partition("?")
    assert condition == '$["${ARG1}" = ""]'
    assert steps[-1].label == branches  # empty ARG1: straight to Return, no MixMonitor
    assert steps[2].data == "${ARG1},b"


def test_the_answer_moment_is_cleared_before_the_app_is_reached(
    plan: dict[str, list[Step]],
) -> None:
    steps = find(plan, "from-carrier", "+18005550101")
    apps = [s.app for s in steps]
    cleared = [i for i, s in enumerate(steps) if assigned(s) == ("IVR_ANSWERED_AT", "")]
    assert cleared and cleared[0] < apps.index("AGI")


def test_hangup_handler_reports_the_cause(plan: dict[str, list[Step]]) -> None:
    steps = find(plan, "ivr-hangup-handler", "s")
    assert steps[0].app == "AGI" and steps[0].data == "agi://${IVR_AGI}/hangup,${HANGUPCAUSE}"
    assert steps[-1].app == "Return"


def test_agi_scripts_are_exactly_inbound_and_hangup(plan: dict[str, list[Step]]) -> None:
    scripts = {
        re.match(r"agi://\$\{IVR_AGI\}/([a-z]+)", s.data).group(1)  # type: ignore[union-attr]
        for s in all_steps(plan)
        if s.app == "AGI"
    }
    assert scripts == {"inbound", "hangup"}


def test_channel_variables_are_exactly_the_contract(
    plan: dict[str, list[Step]], globals_: dict[str, str]
) -> None:
    used = {v for s in all_steps(plan) for v in variables_read(s.data) if v.startswith("IVR_")}
    written = {
        a[0].removeprefix("MASTER_CHANNEL(").rstrip(")")
        for s in all_steps(plan)
        if (a := assigned(s)) and "IVR_" in a[0]
    }
    assert CONTRACT_VARS, "docs/contracts.md names no IVR_ variable"
    assert (used | written) - globals_.keys() == CONTRACT_VARS
