"""Campaign rules: its publishers, targets and menu exist, its fallback cannot loop, tags add up."""

from __future__ import annotations

from collections.abc import Container, Sequence

from ivr.plans.findings import Findings
from ivr.plans.schema import Campaign, Menu, Plan, TagNode, Target


def check_campaigns(plan: Plan, findings: Findings) -> None:
    publishers = {p.id for p in plan.publishers}
    targets = plan.targets()
    menus = {m.id: m for m in reversed(plan.menus)}  # the first of duplicate ids wins
    numbered = {n.campaign for n in plan.numbers}
    tracking = {n.number for n in plan.numbers}
    for c, campaign in enumerate(plan.campaigns):
        _check_links("publisher", [p.publisher for p in campaign.publishers], c, publishers,
                     findings)  # fmt: skip
        _check_links("target", [t.target for t in campaign.targets], c, targets, findings)
        menu = menus.get(campaign.menu) if campaign.menu is not None else None
        if campaign.menu is not None and menu is None:
            findings.error("campaigns", c, "menu", f"unknown menu {campaign.menu!r}")
        _check_required_tags(campaign, c, targets, menu, findings)
        _check_fallback(campaign, c, targets, tracking, findings)
        if campaign.id not in numbered:
            message = f"no tracking number points to campaign {campaign.id!r}: it gets no calls"
            findings.warning("campaigns", c, "id", message)


def _check_links(
    kind: str, refs: Sequence[str], c: int, known: Container[str], findings: Findings
) -> None:
    """Each of a campaign's ``publishers`` / ``targets`` names a known one, and only once."""
    seen: dict[str, int] = {}
    for k, ref in enumerate(refs):
        at = f"{kind}s[{k}].{kind}"
        if ref not in known:
            findings.error("campaigns", c, at, f"unknown {kind} {ref!r}")
        if ref in seen:
            message = f"{kind} {ref!r} is listed twice (also {kind}s[{seen[ref]}])"
            findings.error("campaigns", c, at, message)
        seen.setdefault(ref, k)


def _settable_tags(menu: Menu | None) -> set[str]:
    if menu is None:
        return set()
    return {tag for node in menu.nodes.values() if isinstance(node, TagNode) for tag in node.tags}


def _check_required_tags(
    campaign: Campaign,
    c: int,
    targets: dict[str, Target],
    menu: Menu | None,
    findings: Findings,
) -> None:
    """A target needing a tag that no menu of the campaign sets never gets a call from it."""
    settable = _settable_tags(menu)
    for k, entry in enumerate(campaign.targets):
        target = targets.get(entry.target)
        if target is None:
            continue
        missing = sorted(set(target.required_tags) - settable)
        if missing:
            source = f"menu {menu.id!r}" if menu is not None else "the campaign (it has no menu)"
            message = (
                f"target {target.id!r} requires tag(s) {', '.join(missing)} that {source}"
                " never sets, so this campaign never routes to it"
            )
            findings.warning("campaigns", c, f"targets[{k}].target", message)


def _check_fallback(
    campaign: Campaign,
    c: int,
    targets: dict[str, Target],
    tracking: set[str],
    findings: Findings,
) -> None:
    fallback = campaign.fallback
    if fallback.number is not None and fallback.number in tracking:
        message = (
            f"fallback number {fallback.number} is a tracking number of this switch:"
            " the call would come straight back in"
        )
        findings.error("campaigns", c, "fallback.number", message)
    own = [targets[e.target] for e in campaign.targets if e.target in targets]
    for target in own:
        same_endpoint = fallback.endpoint is not None and fallback.endpoint == target.endpoint
        same_number = fallback.number is not None and fallback.number == target.number
        if same_endpoint or same_number:
            field = "endpoint" if same_endpoint else "number"
            message = (
                f"the fallback is target {target.id!r} of this campaign, which has just"
                " failed when the fallback is used"
            )
            findings.warning("campaigns", c, f"fallback.{field}", message)
