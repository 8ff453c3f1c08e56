"""The demo plan is what the brief promises, and uses only prompts that exist."""

from __future__ import annotations

import phonenumbers

from ivr.plans.loader import load_plan_files
from ivr.plans.prompts import campaign_prompts, core_sounds, menu_prompts
from ivr.plans.schema import FixedPayout, HangupNode, MenuNode, RevenueSharePayout, TagNode

from .conftest import CONTRACT_PROMPTS, DEMO_PLAN, REPO_ROOT


def test_demo_parties_numbers_and_payouts() -> None:
    plan = load_plan_files([DEMO_PLAN])
    assert len(plan.publishers) == 2 and len(plan.buyers) == 2 and len(plan.targets()) == 3
    kinds = {t.id: (t.endpoint, t.number) for t in plan.targets().values()}
    assert kinds["buyer-a-main"] == ("buyer-a-main", None)
    assert kinds["buyer-b-home"][1] is not None
    [campaign] = plan.campaigns
    assert campaign.recording.enabled and campaign.recording.announce
    assert campaign.dedupe_days == 30
    payouts = {cp.payout.__class__.__name__ for cp in campaign.publishers}
    assert payouts == {FixedPayout.__name__, RevenueSharePayout.__name__}
    assert campaign.fallback.number is not None
    assert {n.publisher for n in plan.numbers} == {p.id for p in plan.publishers}
    for number in plan.numbers:
        parsed = phonenumbers.parse(number.number)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE


def test_demo_menu_has_two_levels_and_the_filtered_goodbye() -> None:
    [menu] = load_plan_files([DEMO_PLAN]).menus
    main = menu.nodes["main"]
    assert isinstance(main, MenuNode) and set(main.options) == {"1", "2"}
    coverage = menu.nodes[main.options["1"]]
    assert isinstance(coverage, MenuNode)
    tags = [menu.nodes[coverage.options[d]] for d in ("1", "2")]
    assert [t.tags for t in tags if isinstance(t, TagNode)] == [["auto"], ["home"]]
    existing = menu.nodes[main.options["2"]]
    assert isinstance(existing, HangupNode) and existing.disposition == "filtered"


def test_demo_uses_only_contract_prompts_and_core_sounds() -> None:
    plan = load_plan_files([DEMO_PLAN])
    used = {name for *_, name in menu_prompts(plan)} | {n for *_, n in campaign_prompts(plan)}
    assert used <= set(CONTRACT_PROMPTS) | core_sounds()
    contracts = (REPO_ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in contracts for name in CONTRACT_PROMPTS)
