"""Properties of the routing decision over random plans, facts and loads."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from rules_plan import make_campaign, make_target, utc

from ivr.routing import CallFacts, ExclusionReason, TargetLoad, rank_targets

STATES = ["IL", "NY", "CA"]
small = st.integers(min_value=0, max_value=4)
optional_cap = st.none() | small


@st.composite
def target_specs(draw: st.DrawFn, index: int) -> dict[str, object]:
    return {
        "target_id": f"t{index}",
        "enabled": draw(st.booleans()),
        "priority": draw(st.integers(min_value=1, max_value=3)),
        "weight": draw(st.integers(min_value=1, max_value=5)),
        "states": draw(st.lists(st.sampled_from(STATES), max_size=2, unique=True)),
        "required_tags": draw(st.lists(st.sampled_from(["a", "b"]), max_size=1)),
        "caps": {"hourly": draw(optional_cap), "daily": draw(optional_cap)},
        "concurrency": draw(optional_cap),
    }


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, object]], list[str], dict, CallFacts, int]:
    count = draw(st.integers(min_value=1, max_value=6))
    specs = [draw(target_specs(i)) for i in range(count)]
    listed = draw(st.lists(st.sampled_from([f"t{i}" for i in range(count + 1)]), min_size=1))
    loads = {
        f"t{i}": TargetLoad(active=draw(small), hourly=draw(small), daily=draw(small))
        for i in range(count)
        if draw(st.booleans())
    }
    facts = CallFacts(
        at=utc(2026, 11, 23, 12),
        caller_state=draw(st.none() | st.sampled_from(STATES)),
        tags=frozenset(draw(st.lists(st.sampled_from(["a", "b"])))),
    )
    return specs, listed, loads, facts, draw(st.integers(min_value=0, max_value=2**32))


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_every_listed_target_is_ranked_or_excluded_once(scenario) -> None:  # type: ignore[no-untyped-def]
    specs, listed, loads, facts, seed = scenario
    targets = {str(s["target_id"]): make_target(**s) for s in specs}
    campaign = make_campaign(*listed)
    decision = rank_targets(campaign, targets, facts, loads, random.Random(seed))

    ranked = [r.target_id for r in decision.ranked]
    excluded = [e.target_id for e in decision.excluded]
    assert len(ranked) == len(set(ranked)) and len(excluded) == len(set(excluded))
    assert set(ranked).isdisjoint(excluded)
    assert set(ranked) | set(excluded) == set(listed)
    assert [r.priority for r in decision.ranked] == sorted(r.priority for r in decision.ranked)
    assert all(e.detail for e in decision.excluded)
    for r in decision.ranked:
        target, load = r.target, loads.get(r.target_id, TargetLoad())
        assert target.enabled and set(target.required_tags) <= facts.tags
        assert target.concurrency is None or load.active < target.concurrency
        assert target.caps.hourly is None or load.hourly < target.caps.hourly
        assert not target.states or facts.caller_state in target.states
    for e in decision.excluded:
        assert (e.reason is ExclusionReason.UNKNOWN_TARGET) == (e.target_id not in targets)
