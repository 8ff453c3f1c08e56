import random
from collections import Counter
from datetime import datetime

import pytest
from rules_plan import make_campaign, make_target, utc

from ivr.geo import classify_caller
from ivr.plans.schema import Campaign, Target
from ivr.routing import (
    CallFacts,
    ExclusionReason,
    RoutingDecision,
    TargetLoad,
    precompile,
    rank_targets,
)
from ivr.routing.compiled import compiled
from ivr.routing.schedule import CompiledSchedule

MONDAY_NOON_UTC = utc(2026, 11, 23, 12, 0, 0)
R = ExclusionReason


def decide(
    targets: list[Target],
    campaign: Campaign | None = None,
    facts: CallFacts | None = None,
    loads: dict[str, TargetLoad] | None = None,
    seed: int = 1,
) -> RoutingDecision:
    campaign = campaign or make_campaign(*(t.id for t in targets))
    return rank_targets(
        campaign,
        {t.id: t for t in targets},
        facts or CallFacts(at=MONDAY_NOON_UTC),
        loads or {},
        random.Random(seed),
    )


def only_exclusion(decision: RoutingDecision) -> tuple[ExclusionReason, str]:
    assert decision.ranked == []
    [exclusion] = decision.excluded
    return exclusion.reason, exclusion.detail


def is_open(target: Target, at: datetime) -> bool:
    decision = decide([target], facts=CallFacts(at=at))
    return bool(decision.ranked)


def test_unrestricted_targets_are_all_ranked() -> None:
    decision = decide([make_target("a"), make_target("b")])
    assert {r.target_id for r in decision.ranked} == {"a", "b"}
    assert decision.excluded == []
    assert all(r.target.id == r.target_id for r in decision.ranked)


def test_disabled_unknown_and_campaign_off() -> None:
    assert only_exclusion(decide([make_target(enabled=False)])) == (R.DISABLED, "disabled")
    decision = decide([make_target("a")], campaign=make_campaign("a", "ghost"))
    assert [(e.target_id, e.reason) for e in decision.excluded] == [("ghost", R.UNKNOWN_TARGET)]
    off = decide([make_target("a")], campaign=make_campaign("a", enabled=False))
    assert only_exclusion(off)[0] is R.CAMPAIGN_DISABLED


def test_naive_decision_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide([make_target()], facts=CallFacts(at=datetime(2026, 11, 23, 12)))


def test_precompiled_target_is_reused_and_a_new_object_recompiled() -> None:
    target = make_target(schedule=CHICAGO_WEEKDAYS)
    precompile([target])
    assert compiled(target) is compiled(target)
    copy = target.model_copy(update={"schedule": None})
    assert compiled(copy).schedule is None and compiled(target).schedule is not None


def test_listing_a_target_twice_ranks_it_once() -> None:
    decision = decide([make_target("a")], campaign=make_campaign("a", "a"))
    assert [r.target_id for r in decision.ranked] == ["a"]


# --- schedules -------------------------------------------------------------------------------

CHICAGO_WEEKDAYS = {"timezone": "America/Chicago", "hours": {"mon": ["09:00-17:00"]}}


def test_schedule_start_inclusive_end_exclusive() -> None:
    target = make_target(schedule=CHICAGO_WEEKDAYS)  # CST = UTC-6 in November
    assert is_open(target, utc(2026, 11, 23, 15, 0, 0))
    assert not is_open(target, utc(2026, 11, 23, 14, 59, 59))
    assert is_open(target, utc(2026, 11, 23, 22, 59, 59).replace(microsecond=999_999))
    assert not is_open(target, utc(2026, 11, 23, 23, 0, 0))


def test_targets_with_the_same_hours_share_one_verdict_per_decision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A campaign's targets often keep the same hours: each distinct schedule is compiled to
    one object and asked once per decision, whatever the number of targets keeping it."""
    same = [make_target(f"t{n}", schedule=CHICAGO_WEEKDAYS) for n in range(20)]
    other = make_target("late", schedule={"timezone": "America/Chicago",
                                          "hours": {"mon": ["18:00-20:00"]}})  # fmt: skip
    assert len({id(compiled(t).schedule) for t in same}) == 1
    asked: list[str] = []
    real = CompiledSchedule.is_open

    def counted(self: CompiledSchedule, local: datetime) -> bool:
        asked.append(self.tz_name)
        return real(self, local)

    monkeypatch.setattr(CompiledSchedule, "is_open", counted)
    decision = decide([*same, other], facts=CallFacts(at=utc(2026, 11, 23, 16, 0)))
    assert len(asked) == 2  # one per distinct schedule
    assert len(decision.ranked) == 20 and decision.excluded[0].target_id == "late"


def test_closed_detail_names_next_opening() -> None:
    target = make_target(schedule=CHICAGO_WEEKDAYS)
    early = decide([target], facts=CallFacts(at=utc(2026, 11, 23, 14, 0)))
    assert only_exclusion(early) == (R.CLOSED, "closed: opens mon 09:00 America/Chicago")
    split = make_target(
        schedule={
            "timezone": "America/Chicago",
            "hours": {"mon": ["09:00-10:00", "13:00-14:00"], "wed": ["10:30-12:00"]},
        }
    )
    between = decide([split], facts=CallFacts(at=utc(2026, 11, 23, 17, 0)))  # 11:00 local
    assert only_exclusion(between)[1] == "closed: opens mon 13:00 America/Chicago"
    after = decide([split], facts=CallFacts(at=utc(2026, 11, 23, 21, 0)))  # 15:00 local
    assert only_exclusion(after)[1] == "closed: opens wed 10:30 America/Chicago"
    never = make_target(schedule={"timezone": "UTC", "hours": {}})
    assert only_exclusion(decide([never]))[1] == "closed: no opening hours (UTC)"


def test_end_2359_means_until_midnight() -> None:
    target = make_target(schedule={"timezone": "UTC", "hours": {"mon": ["20:00-23:59"]}})
    assert is_open(target, utc(2026, 11, 23, 23, 59, 30))
    assert not is_open(target, utc(2026, 11, 24, 0, 0, 0))


def test_dst_spring_forward_keeps_wall_clock_hours() -> None:
    target = make_target(
        schedule={"timezone": "America/New_York", "hours": {"sun": ["09:00-17:00"]}}
    )
    # A week before the change (EST, UTC-5) and on the change day (EDT, UTC-4).
    assert not is_open(target, utc(2026, 3, 1, 13, 59, 59))
    assert is_open(target, utc(2026, 3, 1, 14, 0, 0))
    assert not is_open(target, utc(2026, 3, 8, 12, 59, 59))
    assert is_open(target, utc(2026, 3, 8, 13, 0, 0))
    assert is_open(target, utc(2026, 3, 8, 20, 59, 59))
    assert not is_open(target, utc(2026, 3, 8, 21, 0, 0))


def test_dst_skipped_hour_is_never_open_and_repeated_hour_is_open_twice() -> None:
    skipped = make_target(
        schedule={"timezone": "America/New_York", "hours": {"sun": ["02:00-03:00"]}}
    )
    assert not is_open(skipped, utc(2026, 3, 8, 6, 59, 59))  # 01:59:59 EST
    assert not is_open(skipped, utc(2026, 3, 8, 7, 0, 0))  # 03:00 EDT
    repeated = make_target(
        schedule={"timezone": "America/New_York", "hours": {"sun": ["01:00-02:00"]}}
    )
    assert not is_open(repeated, utc(2026, 11, 1, 4, 59, 59))
    assert is_open(repeated, utc(2026, 11, 1, 5, 0, 0))  # 01:00 EDT
    assert is_open(repeated, utc(2026, 11, 1, 6, 30, 0))  # 01:30 EST, the second time round
    assert not is_open(repeated, utc(2026, 11, 1, 7, 0, 0))  # 02:00 EST


def test_target_schedule_uses_its_own_zone_not_the_campaigns() -> None:
    target = make_target(
        schedule={"timezone": "America/Los_Angeles", "hours": {"mon": ["09:00-17:00"]}}
    )
    campaign = make_campaign("t1", timezone="America/New_York")
    at_nine_new_york = CallFacts(at=utc(2026, 11, 23, 14, 0))
    assert not decide([target], campaign, at_nine_new_york).ranked
    assert decide([target], campaign, CallFacts(at=utc(2026, 11, 23, 17, 0))).ranked


# --- geography and tags ----------------------------------------------------------------------


def facts(**fields: object) -> CallFacts:
    return CallFacts(at=MONDAY_NOON_UTC, **fields)  # type: ignore[arg-type]


def test_state_comes_from_the_zip_first_then_the_area_code() -> None:
    target = make_target(states=["IL"])
    assert decide([target], facts=facts(zip="60601", zip_state="IL", caller_state="CA")).ranked
    assert decide([target], facts=facts(caller_state="IL")).ranked
    wrong = decide([target], facts=facts(zip="90210", zip_state="CA", caller_state="IL"))
    assert only_exclusion(wrong) == (R.OUT_OF_STATE, "state: CA not in IL")
    unknown = decide([target], facts=facts())
    assert only_exclusion(unknown) == (R.UNKNOWN_LOCATION, "state unknown: target takes only IL")


def test_gathered_facts_look_states_up() -> None:
    caller = classify_caller("+13125550100", "", "0")
    gathered = CallFacts.gather(MONDAY_NOON_UTC, caller, zip="90210", tags=["x"])
    assert (gathered.caller_state, gathered.caller_area_code) == ("IL", "312")
    assert (gathered.zip_state, gathered.state, gathered.tags) == ("CA", "CA", frozenset({"x"}))
    bare = CallFacts.gather(MONDAY_NOON_UTC, classify_caller("anonymous", "", "0"))
    assert bare.state is None and bare.caller_area_code is None


def test_area_code_list() -> None:
    target = make_target(area_codes=["312", "773"])
    assert decide([target], facts=facts(caller_area_code="773")).ranked
    wrong = decide([target], facts=facts(caller_area_code="415"))
    assert only_exclusion(wrong) == (R.AREA_CODE_MISMATCH, "area code: 415 not in 312, 773")
    assert only_exclusion(decide([target], facts=facts()))[0] is R.UNKNOWN_LOCATION


def test_zip_prefixes_of_mixed_lengths() -> None:
    target = make_target(zip_prefixes=["606", "90210"])
    assert decide([target], facts=facts(zip="60601")).ranked
    assert decide([target], facts=facts(zip="90210")).ranked
    wrong = decide([target], facts=facts(zip="90211"))
    assert only_exclusion(wrong) == (R.ZIP_MISMATCH, "zip: 90211 not in 606, 90210")
    assert only_exclusion(decide([target], facts=facts()))[0] is R.UNKNOWN_LOCATION


def test_every_given_geography_list_must_match() -> None:
    target = make_target(states=["NY"], area_codes=["212"])
    assert decide([target], facts=facts(caller_state="NY", caller_area_code="212")).ranked
    wrong = decide([target], facts=facts(caller_state="NY", caller_area_code="718"))
    assert only_exclusion(wrong)[0] is R.AREA_CODE_MISMATCH


def test_required_tags() -> None:
    target = make_target(required_tags=["qualified", "spanish"])
    assert decide([target], facts=facts(tags=frozenset({"qualified", "spanish", "x"}))).ranked
    partial = decide([target], facts=facts(tags=frozenset({"qualified"})))
    assert only_exclusion(partial) == (R.MISSING_TAGS, "tags: missing spanish")
    assert only_exclusion(decide([target]))[1] == "tags: missing qualified, spanish"


# --- caps and concurrency --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "reason"),
    [("hourly", R.HOURLY_CAP), ("daily", R.DAILY_CAP), ("monthly", R.MONTHLY_CAP)],
)
def test_cap_boundaries(period: str, reason: ExclusionReason) -> None:
    target = make_target(caps={period: 50})
    assert decide([target], loads={"t1": TargetLoad(**{period: 49})}).ranked
    full = decide([target], loads={"t1": TargetLoad(**{period: 50})})
    assert only_exclusion(full) == (reason, f"cap: {period} 50/50")
    assert only_exclusion(decide([target], loads={"t1": TargetLoad(**{period: 51})}))[0] is reason
    never = make_target(caps={period: 0})
    assert only_exclusion(decide([never]))[0] is reason  # no load known: still never


def test_concurrency_boundaries() -> None:
    target = make_target(concurrency=2)
    assert decide([target], loads={"t1": TargetLoad(active=1)}).ranked
    full = decide([target], loads={"t1": TargetLoad(active=2)})
    assert only_exclusion(full) == (R.CONCURRENCY_FULL, "concurrency: 2/2 active")
    assert only_exclusion(decide([make_target(concurrency=0)]))[0] is R.CONCURRENCY_FULL
    assert decide([make_target()], loads={"t1": TargetLoad(active=10_000)}).ranked


def test_first_failing_check_is_reported() -> None:
    target = make_target(enabled=True, states=["IL"], caps={"hourly": 1, "daily": 1}, concurrency=1)
    load = {"t1": TargetLoad(active=5, hourly=5, daily=5)}
    assert only_exclusion(decide([target], facts=facts(), loads=load))[0] is R.UNKNOWN_LOCATION
    in_state = facts(caller_state="IL")
    assert only_exclusion(decide([target], facts=in_state, loads=load))[0] is R.HOURLY_CAP


# --- order -----------------------------------------------------------------------------------


def test_priority_ascending_and_campaign_override_wins() -> None:
    targets = [
        make_target("a", priority=3),
        make_target("b", priority=1),
        make_target("c", priority=2),
    ]
    assert [r.target_id for r in decide(targets).ranked] == ["b", "c", "a"]
    campaign = make_campaign({"target": "a"}, {"target": "b", "priority": 9}, {"target": "c"})
    ranked = decide(targets, campaign).ranked
    assert [(r.target_id, r.priority) for r in ranked] == [("c", 2), ("a", 3), ("b", 9)]


def first_choice_shares(targets: list[Target], campaign: Campaign, draws: int) -> Counter[str]:
    rng = random.Random(20261121)
    lookup = {t.id: t for t in targets}
    now = CallFacts(at=MONDAY_NOON_UTC)
    return Counter(
        rank_targets(campaign, lookup, now, {}, rng).ranked[0].target_id for _ in range(draws)
    )


def test_weighted_random_within_a_priority() -> None:
    targets = [make_target("light", weight=1), make_target("heavy", weight=3)]
    shares = first_choice_shares(targets, make_campaign("light", "heavy"), 10_000)
    assert abs(shares["heavy"] / 10_000 - 0.75) < 0.02
    # The campaign's weights override the targets': now "light" is three times as likely.
    campaign = make_campaign({"target": "light", "weight": 9}, {"target": "heavy", "weight": 3})
    shares = first_choice_shares(targets, campaign, 10_000)
    assert abs(shares["light"] / 10_000 - 0.75) < 0.02


def test_weighted_order_is_without_replacement() -> None:
    targets = [make_target("a", weight=1), make_target("b", weight=1), make_target("c", weight=2)]
    rng = random.Random(7)
    second: Counter[str] = Counter()
    for _ in range(6_000):
        ranked = rank_targets(
            make_campaign("a", "b", "c"),
            {t.id: t for t in targets},
            CallFacts(at=MONDAY_NOON_UTC),
            {},
            rng,
        ).ranked
        assert sorted(r.target_id for r in ranked) == ["a", "b", "c"]
        second[ranked[1].target_id] += 1
    # P(c second) = P(a first)*2/3 + P(b first)*2/3 = 1/4*2/3*2 = 1/3.
    assert abs(second["c"] / 6_000 - 1 / 3) < 0.025


def test_weights_never_cross_priorities_and_seed_decides() -> None:
    targets = [make_target("low", priority=2, weight=1000), make_target("top", priority=1)]
    for seed in range(50):
        assert decide(targets, seed=seed).ranked[0].target_id == "top"
    many = [make_target(f"t{i}") for i in range(8)]
    orders = {tuple(r.target_id for r in decide(many, seed=s).ranked) for s in range(20)}
    assert len(orders) > 1
    assert decide(many, seed=3).ranked == decide(many, seed=3).ranked


def test_a_new_plan_is_routed_on_its_own_targets_not_on_the_last_one() -> None:
    """The campaign's resolved links are built once per (campaign, targets); a plan apply
    brings a new targets mapping, and the next decision sees it."""
    campaign = make_campaign("a", "b")
    rng = random.Random(1)
    facts = CallFacts(at=MONDAY_NOON_UTC)
    first = {"a": make_target("a"), "b": make_target("b")}
    ranked = rank_targets(campaign, first, facts, {}, rng).ranked
    assert {r.target_id for r in ranked} == {"a", "b"}
    second = {"a": make_target("a", priority=7)}  # b is gone, a has a new priority
    decision = rank_targets(campaign, second, facts, {}, rng)
    assert [(r.target_id, r.priority) for r in decision.ranked] == [("a", 7)]
    assert [(e.target_id, e.reason) for e in decision.excluded] == [("b", R.UNKNOWN_TARGET)]
