"""Operator actions over AMI (against the AMI double) and the Prometheus series."""

from __future__ import annotations

from pathlib import Path

from calls import flows

from ivr.sim.script import DialOutcome

from .conftest import LiveHarness
from .test_live_state import _ready, _split_at_bridge, _web
from .waits import until


async def test_test_call_hangup_and_reload(live: LiveHarness, shared_asterisk: Path) -> None:
    await _ready(live)
    live.asterisk.originate_delay_s = 0.05
    status, body = await _web(live, "POST", "/api/targets/buyer-a-main/test-call")
    assert status == 200 and body["outcome"] == "answered" and body["reason"] == "4"
    originate = [a for a in live.asterisk.actions_seen if a.get("action") == "Originate"]
    assert originate[-1]["channel"] == "PJSIP/buyer-a-main"
    assert originate[-1]["async"] == "true"
    status, body = await _web(live, "POST", "/api/targets/nope/test-call")
    assert status == 404 and "nope" in body["error"]

    talking, _ = _split_at_bridge(shared_asterisk)
    await live.asterisk.replay(talking)
    await until(lambda: len(live.switch.ami.tracker.calls) == 1)  # type: ignore[union-attr]
    status, body = await _web(live, "POST", "/api/live/1795255073.44/hangup")
    assert status == 200 and body["hung_up"] == "PJSIP/carrier-0000002c"
    status, body = await _web(live, "POST", "/api/live/1.2/hangup")
    assert status == 404

    status, body = await _web(live, "POST", "/api/asterisk/reload")
    assert status == 200 and body["output"] == ["Dialplan reloaded."]


async def test_metrics_after_a_few_calls(live: LiveHarness, shared_asterisk: Path) -> None:
    await _ready(live)
    answers = {"buyer-a-overflow": DialOutcome.answer(talk_s=95, ring_s=3)}
    await live.call(flows.auto_call(dial_outcomes=answers))
    await live.call(flows.auto_call("+13125550124", dial_outcomes={
        "buyer-a-overflow": DialOutcome.busy()}))  # fmt: skip
    await live.call(flows.auto_call(did="18009999999"))  # no such tracking number
    talking, _ = _split_at_bridge(shared_asterisk)
    await live.asterisk.replay(talking)
    await until(lambda: len(live.switch.ami.tracker.calls) == 1)  # type: ignore[union-attr]
    _, text = await _web(live, "GET", "/metrics")
    lines = set(text.splitlines())
    assert 'ivr_calls_total{disposition="connected"} 1.0' in lines
    assert 'ivr_calls_total{disposition="unknown_number"} 1.0' in lines
    assert sum(1 for line in lines if line.startswith("ivr_calls_total{")) == 3
    assert 'ivr_live_calls{source="ami"} 1.0' in lines
    assert 'ivr_live_calls{source="agi"} 0.0' in lines
    assert "ivr_ami_connected 1.0" in lines and "ivr_ami_reconnects_total 0.0" in lines
    assert 'ivr_target_concurrency{target="PJSIP/buyer1"} 1.0' in lines
    assert any(line.startswith("# TYPE ivr_agi_errors_total counter") for line in lines)
    assert any(line.startswith("# TYPE ivr_cap_rejections_total counter") for line in lines)


async def test_without_ami_the_switch_says_so(tmp_path: Path, sqlite_url: str) -> None:
    from ivr.app import Switch

    from .conftest import switch_settings

    switch = Switch(switch_settings(tmp_path, sqlite_url, None))
    await switch.start(demo=True)
    try:
        assert switch.ami is None and switch.web_address is not None
        host, port = switch.web_address
        import aiohttp

        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://{host}:{port}/api/live") as response:
                assert response.status == 503
                assert "not configured" in (await response.json())["error"]
            async with http.post(f"http://{host}:{port}/api/asterisk/reload") as response:
                assert response.status == 503
    finally:
        await switch.stop()


async def test_refused_login_is_loud_and_calls_go_on(tmp_path: Path, sqlite_url: str) -> None:
    from ivr.app import Switch
    from ivr.sim.ami import AmiDouble

    from .conftest import switch_settings

    ami = AmiDouble(auth_failure_delay_s=0.01, secret="other")
    await ami.start()
    switch = Switch(switch_settings(tmp_path, sqlite_url, ami.port))
    try:
        await switch.start(demo=True)
        assert switch.ami is not None and switch.ami.login_refused == "Authentication failed"
        assert switch.agi_address is not None and ami.login_failures == 1
    finally:
        await switch.stop()
        await ami.stop()
