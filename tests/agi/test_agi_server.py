"""Server behaviour: error boundary, timeouts, unknown scripts, header limits, shutdown."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import tracemalloc

import pytest
from agi_fake_asterisk import ScriptedAsterisk, StartServer, expect_closed, header, read_command

from ivr.agi.api import AgiTimeout
from ivr.agi.channel import AgiChannel
from ivr.agi.router import Router
from ivr.sim.asterisk_parse import parse_args


async def open_call(
    host: str, port: int, script: str = "test", *args: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(header(script, *args))
    return reader, writer


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    await writer.wait_closed()


async def test_handler_error_sets_failsafe_and_server_keeps_serving(
    start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(channel: AgiChannel) -> None:
        await channel.answer()
        raise RuntimeError("caller 555-1234 broke it")

    router = Router()
    router.register("broken", broken)
    router.register("test", lambda channel: channel.verbose("fine"))
    server, host, port = await start_server(router)
    asterisk = ScriptedAsterisk()
    with caplog.at_level(logging.ERROR):
        await asterisk.run(host, port, script="broken")
    assert asterisk.received[1:] == [
        ["SET", "VARIABLE", "IVR_FAILSAFE", "1"],
        ["SET", "VARIABLE", "IVR_FAILSAFE_REASON", "handler-error:RuntimeError"],
    ]
    assert "handler failed" in caplog.text
    healthy = ScriptedAsterisk()
    await healthy.run(host, port)
    assert healthy.received == [["VERBOSE", "fine", "1"]]
    assert server.active_calls == 0


async def test_unknown_script_sets_failsafe_and_closes(start_server: StartServer) -> None:
    _, host, port = await start_server(Router())
    asterisk = ScriptedAsterisk()
    await asterisk.run(host, port, script="nope?flow=A")
    assert asterisk.received == [
        ["SET", "VARIABLE", "IVR_FAILSAFE", "1"],
        ["SET", "VARIABLE", "IVR_FAILSAFE_REASON", "unknown-script"],
    ]


async def test_routes_on_script_without_query_and_exposes_query_and_args(
    start_server: StartServer,
) -> None:
    seen = []

    async def inbound(channel: AgiChannel) -> None:
        seen.append((channel.env.script, channel.env.query, channel.env.args))

    router = Router()
    router.register("inbound", inbound)
    _, host, port = await start_server(router)
    reader, writer = await open_call(host, port, "inbound?flow=A&x=1", "18005550100", "carrier")
    await expect_closed(reader)
    await close(writer)
    assert seen == [("inbound", {"flow": "A", "x": "1"}, ("18005550100", "carrier"))]


async def test_command_timeout_fails_the_call_and_closes(start_server: StartServer) -> None:
    errors: list[BaseException] = []

    async def handler(channel: AgiChannel) -> None:
        try:
            await channel.get_variable("NEVER_ANSWERED")
        except AgiTimeout as exc:
            errors.append(exc)
            raise

    router = Router()
    router.register("test", handler)
    server, host, port = await start_server(router, command_timeout_s=0.2)
    reader, writer = await open_call(host, port)
    assert parse_args(await read_command(reader)) == ["GET", "VARIABLE", "NEVER_ANSWERED"]
    started = time.monotonic()
    await expect_closed(reader)  # no IVR_FAILSAFE attempt: the stream is out of step
    assert time.monotonic() - started < 2.0
    await close(writer)
    assert len(errors) == 1 and server.active_calls == 0


async def test_handler_ending_always_closes_the_socket(start_server: StartServer) -> None:
    async def quiet(channel: AgiChannel) -> None:
        return None

    router = Router()
    router.register("test", quiet)
    server, host, port = await start_server(router)
    reader, writer = await open_call(host, port)
    await expect_closed(reader)
    await close(writer)
    assert server.open_connections == 0


async def test_asterisk_closing_mid_command_ends_the_call(start_server: StartServer) -> None:
    done = asyncio.Event()

    async def handler(channel: AgiChannel) -> None:
        try:
            await channel.get_variable("X")
        finally:
            done.set()

    router = Router()
    router.register("test", handler)
    server, host, port = await start_server(router)
    reader, writer = await open_call(host, port)
    await read_command(reader)
    await close(writer)
    await asyncio.wait_for(done.wait(), 2.0)
    await asyncio.sleep(0.05)
    assert server.active_calls == 0 and server.open_connections == 0


@pytest.mark.parametrize(
    "payload",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"agi_network: yes\n" + b"agi_x: " + b"y" * 10_000,
        b"".join(b"agi_n%d: v\n" % n for n in range(50)),
        b"agi_network: yes\nagi_channel: PJSIP/x\n\n",  # no agi_network_script
    ],
    ids=["http", "oversized-line", "too-many-lines", "no-script"],
)
async def test_bad_headers_are_dropped_without_a_call(
    payload: bytes, start_server: StartServer
) -> None:
    calls = []
    router = Router()
    router.register("test", lambda channel: calls.append(channel) or asyncio.sleep(0))
    server, host, port = await start_server(router, max_header_lines=40, max_line_bytes=4096)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(payload)
    assert await asyncio.wait_for(reader.read(), 2.0) == b""
    await close(writer)
    assert calls == [] and server.active_calls == 0


async def test_header_that_never_completes_is_closed(start_server: StartServer) -> None:
    server, host, port = await start_server(Router(), header_timeout_s=0.3)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"agi_network: yes\n")
    started = time.monotonic()
    assert await asyncio.wait_for(reader.read(), 3.0) == b""
    assert 0.2 < time.monotonic() - started < 2.5
    await close(writer)
    assert server.open_connections == 0


async def test_graceful_stop_lets_a_live_call_finish(start_server: StartServer) -> None:
    finished = []

    async def handler(channel: AgiChannel) -> None:
        finished.append(await channel.wait_for_digit(1.0))

    router = Router()
    router.register("test", handler)
    server, host, port = await start_server(router)
    reader, writer = await open_call(host, port)
    await read_command(reader)
    stopping = asyncio.create_task(server.stop(grace_s=3.0))
    await asyncio.sleep(0.1)
    with pytest.raises(OSError):  # no longer accepting
        await asyncio.open_connection(host, port)
    writer.write(b"200 result=50\n")
    await expect_closed(reader)
    await asyncio.wait_for(stopping, 3.0)
    await close(writer)
    assert finished == ["2"] and server.open_connections == 0


async def test_stop_gives_up_on_a_stuck_call(start_server: StartServer) -> None:
    cancelled = []

    async def stuck(channel: AgiChannel) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    router = Router()
    router.register("test", stuck)
    server, host, port = await start_server(router)
    reader, writer = await open_call(host, port)
    for _ in range(200):
        if server.active_calls:
            break
        await asyncio.sleep(0.01)
    started = time.monotonic()
    await server.stop(grace_s=0.2)
    assert time.monotonic() - started < 1.5
    await expect_closed(reader)
    await close(writer)
    assert cancelled == [True] and server.active_calls == 0 and server.open_connections == 0


def test_router_refuses_duplicates_and_queries() -> None:
    router = Router()
    router.register("inbound", lambda channel: asyncio.sleep(0))
    with pytest.raises(ValueError):
        router.register("inbound", lambda channel: asyncio.sleep(0))
    with pytest.raises(ValueError):
        router.register("inbound?x=1", lambda channel: asyncio.sleep(0))
    assert router.scripts == ["inbound"] and router.resolve("other") is None


async def test_a_read_allocates_what_arrived_not_a_quarter_mebibyte(
    start_server: StartServer,
) -> None:
    """Connections read into their server's one buffer: asyncio otherwise makes every read a
    256 KiB object before shrinking it (an mmap, an mremap and a munmap each, unless the
    process happens to have raised glibc's mmap threshold: bench/README.md, round 12)."""

    async def answer_twice(channel: AgiChannel) -> None:
        await channel.answer()
        await channel.answer()

    router = Router()
    router.register("test", answer_twice)
    _, host, port = await start_server(router)
    loop = asyncio.get_running_loop()
    with socket.socket() as sock:  # read 4 KiB at a time: the client's reads stay small
        sock.setblocking(False)
        await loop.sock_connect(sock, (host, port))
        tracemalloc.start()
        try:
            await loop.sock_sendall(sock, header("test"))
            for _ in range(2):
                assert (await loop.sock_recv(sock, 4096)).startswith(b"ANSWER")
                await loop.sock_sendall(sock, b"200 result=0\n")
            assert await loop.sock_recv(sock, 4096) == b""  # the handler is done: closed
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 64 * 1024
