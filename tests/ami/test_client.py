"""The client against the TCP double: login, actions, watchdog, reconnect, close."""

import asyncio
import logging
import time
from collections.abc import Callable

import psutil  # type: ignore[import-untyped]
import pytest

from ivr.ami import AmiActionTimeout, AmiClient, AmiLoginError, AmiNotConnected
from ivr.sim.ami import AmiDouble

Factory = Callable[..., AmiClient]


def _open_sockets_to(port: int) -> list[object]:
    return [
        c for c in psutil.Process().net_connections(kind="tcp") if c.raddr and c.raddr.port == port
    ]


async def _until(predicate: Callable[[], bool], timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def test_failed_login_is_loud(
    double: AmiDouble, make_client: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(double.port, secret="wrong")
    with caplog.at_level(logging.ERROR, logger="ivr.ami"), pytest.raises(AmiLoginError) as err:
        await client.start()
    assert err.value.server_message == "Authentication failed"
    assert "Authentication failed" in caplog.text
    assert client.stats.login_failures == 1
    assert not client.connected
    await asyncio.sleep(0.2)
    assert double.login_failures == 1  # stopped: no retry loop with a bad secret


async def test_ping_and_plain_actions(double: AmiDouble, make_client: Factory) -> None:
    client = make_client(double.port)
    await client.start()
    pong = await client.action({"Action": "Ping"})
    assert pong.ok and pong.get("Ping") == "Pong"
    unknown = await client.action({"Action": "NoSuchAction"})
    assert not unknown.ok
    assert (unknown.get("Message") or "").startswith("Invalid/unknown command: NoSuchAction.")
    version = await client.action({"Action": "Command", "Command": "core show version"})
    assert version.message.get_all("Output")[0].startswith("Asterisk 22.10.1")
    await client.close()


async def test_list_action_collects_items_until_complete(
    double: AmiDouble, make_client: Factory
) -> None:
    await double.emit(
        [
            "Event: Newchannel",
            "Privilege: call,all",
            "Channel: PJSIP/c-01",
            "ChannelStateDesc: Ring",
            "Uniqueid: 1.1",
            "Linkedid: 1.1",
        ]
    )
    client = make_client(double.port)
    await client.start()
    answer = await client.action({"Action": "CoreShowChannels"})
    assert [e.get("Channel") for e in answer.events] == ["PJSIP/c-01"]
    assert answer.complete is not None and answer.complete.get("ListItems") == "1"
    await client.close()


async def test_action_times_out_when_asterisk_is_silent(
    double: AmiDouble, make_client: Factory
) -> None:
    client = make_client(double.port, ping_interval_s=60)
    await client.start()
    double.half_open = True
    with pytest.raises(AmiActionTimeout):
        await client.action({"Action": "Ping"}, timeout_s=0.1)
    await client.close()


async def test_half_open_connection_detected_within_watchdog_interval(
    double: AmiDouble, make_client: Factory
) -> None:
    client = make_client(double.port, ping_interval_s=0.2, pong_timeout_s=0.2)
    await client.start()
    double.half_open = True  # the socket stays open, nothing answers
    started = time.monotonic()
    await _until(lambda: client.stats.watchdog_trips == 1)
    assert time.monotonic() - started <= 0.2 + 0.2 + 0.3
    double.half_open = False
    await _until(lambda: client.stats.reconnects == 1 and client.connected)
    assert (await client.action({"Action": "Ping"})).ok
    await client.close()


async def test_reconnects_after_kill_and_restart(double: AmiDouble, make_client: Factory) -> None:
    client = make_client(double.port)
    await client.start()
    await double.kill()
    await _until(lambda: not client.connected)
    with pytest.raises(AmiNotConnected):
        await client.action({"Action": "Ping"})
    await asyncio.sleep(0.3)  # a few refused attempts, with backoff
    assert client.stats.connect_failures >= 2
    await double.restart()
    await _until(lambda: client.connected)
    assert client.stats.reconnects == 1
    await client.close()


async def test_unreachable_asterisk_keeps_retrying_then_connects(make_client: Factory) -> None:
    double = AmiDouble()
    port = await double.start()
    await double.kill()  # the port is known, nothing listens yet
    client = make_client(port)
    await client.start()
    assert not client.connected and client.stats.connect_failures == 1
    await double.restart()
    await client.wait_connected(3)
    assert client.stats.connects == 1 and client.stats.reconnects == 0
    await client.close()
    await double.stop()


async def test_close_leaves_no_task_and_no_socket(double: AmiDouble, make_client: Factory) -> None:
    client = make_client(double.port, ping_interval_s=0.05)
    await client.start()
    await asyncio.sleep(0.15)  # watchdog has pinged
    assert _open_sockets_to(double.port)
    await client.close()
    await double.stop()
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert not _open_sockets_to(double.port)
    await double.restart()
    await asyncio.sleep(0.2)
    assert double.connections == 1  # no reconnect after close
    await double.stop()


async def test_close_during_backoff_stops_retrying(make_client: Factory) -> None:
    double = AmiDouble()
    port = await double.start()
    await double.kill()
    client = make_client(port)
    await client.start()
    await client.close()
    await double.restart()
    await asyncio.sleep(0.2)
    assert double.connections == 0
    await double.stop()
