"""Whole-plan rules that no single model can check: references, duplicates, reachability.

``validate_plan`` returns every finding, errors and warnings (see ``Problem.severity``); it never
raises for a bad plan. Each finding names the file and the path inside that file, from the
``Origins`` that ``load_plan_sources`` returns; without origins, paths index the merged plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from ivr.plans.findings import Findings
from ivr.plans.loader import Origins
from ivr.plans.problems import Problem
from ivr.plans.prompts import PromptLibrary, campaign_prompts, menu_prompts
from ivr.plans.schema import Caps, Plan
from ivr.plans.validate_campaigns import check_campaigns
from ivr.plans.validate_menus import check_menu

# (key, section, index in the merged section, sub-path) of one item that must be unique.
Keyed = tuple[str, str, int, str]


def validate_plan(
    plan: Plan, *, prompt_dirs: Sequence[Path], origins: Origins | None = None
) -> list[Problem]:
    findings = Findings(origins or Origins.of_single(plan))
    _check_unique(plan, findings)
    _check_numbers(plan, findings)
    check_campaigns(plan, findings)
    _check_targets(plan, findings)
    for m, menu in enumerate(plan.menus):
        findings.problems += check_menu(menu, partial(findings.problem, "menus", m))
    _check_prompts(plan, findings, PromptLibrary(prompt_dirs))
    return findings.problems


def _check_unique(plan: Plan, findings: Findings) -> None:
    groups: dict[str, list[Keyed]] = {
        "publisher id": [(p.id, "publishers", i, "id") for i, p in enumerate(plan.publishers)],
        "buyer id": [(b.id, "buyers", i, "id") for i, b in enumerate(plan.buyers)],
        "target id": [
            (t.id, "buyers", i, f"targets[{j}].id")
            for i, b in enumerate(plan.buyers)
            for j, t in enumerate(b.targets)
        ],
        "campaign id": [(c.id, "campaigns", i, "id") for i, c in enumerate(plan.campaigns)],
        "menu id": [(m.id, "menus", i, "id") for i, m in enumerate(plan.menus)],
        "tracking number": [(n.number, "numbers", i, "number") for i, n in enumerate(plan.numbers)],
    }
    for what, items in groups.items():
        _report_duplicates(what, items, findings)


def _report_duplicates(what: str, items: Iterable[Keyed], findings: Findings) -> None:
    first: dict[str, Keyed] = {}
    for item in items:
        key, section, index, suffix = item
        if key in first:
            _, s0, i0, x0 = first[key]
            message = f"duplicate {what} {key!r}, already at {findings.place(s0, i0, x0)}"
            findings.error(section, index, suffix, message)
        else:
            first[key] = item


def _check_numbers(plan: Plan, findings: Findings) -> None:
    campaigns = {c.id: c for c in reversed(plan.campaigns)}
    publishers = {p.id for p in plan.publishers}
    for i, number in enumerate(plan.numbers):
        campaign = campaigns.get(number.campaign)
        if campaign is None:
            findings.error("numbers", i, "campaign", f"unknown campaign {number.campaign!r}")
        if number.publisher not in publishers:
            findings.error("numbers", i, "publisher", f"unknown publisher {number.publisher!r}")
        elif campaign is not None:
            allowed = [cp.publisher for cp in campaign.publishers]
            if number.publisher not in allowed:
                message = (
                    f"publisher {number.publisher!r} is not on campaign {campaign.id!r}"
                    f" (its publishers: {', '.join(allowed)})"
                )
                findings.error("numbers", i, "publisher", message)


def _check_targets(plan: Plan, findings: Findings) -> None:
    for i, buyer in enumerate(plan.buyers):
        for j, target in enumerate(buyer.targets):
            _check_caps(target.caps, findings, i, f"targets[{j}].caps")
            if target.schedule is not None and not any(target.schedule.hours.values()):
                message = "the schedule has no opening hours: this target never takes a call"
                findings.warning("buyers", i, f"targets[{j}].schedule", message)


def _check_caps(caps: Caps, findings: Findings, buyer: int, at: str) -> None:
    """A cap above a wider cap can never be reached: the admin surely meant something else."""
    periods = [("hourly", caps.hourly), ("daily", caps.daily), ("monthly", caps.monthly)]
    for k, (name, value) in enumerate(periods):
        wider = next(((n, v) for n, v in periods[k + 1 :] if v is not None), None)
        if value is not None and wider is not None and value > wider[1]:
            message = (
                f"{name} cap {value} is above the {wider[0]} cap {wider[1]},"
                " so it can never be reached"
            )
            findings.error("buyers", buyer, f"{at}.{name}", message)


def _check_prompts(plan: Plan, findings: Findings, library: PromptLibrary) -> None:
    for section, found in (("menus", menu_prompts(plan)), ("campaigns", campaign_prompts(plan))):
        for index, suffix, name in found:
            if not library.has(name):
                findings.error(section, index, suffix, library.describe_missing(name))
