"""Early-closing connections and bad headers, in bulk, while real calls are served: the real
calls stay correct, nothing stays open, and the server goes idle afterwards (no spinning)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from agi_fake_asterisk import ScriptedAsterisk, StartServer
from test_agi_hangup import STEPS, handler

from ivr.agi.router import Router

EARLY_CLOSERS = 300
GARBAGE = 40
SLOW_HEADERS = 20
REAL_CALLS = 30


async def connect_and_close(host: str, port: int, payload: bytes = b"") -> None:
    _, writer = await asyncio.open_connection(host, port)
    if payload:
        writer.write(payload)
    writer.close()
    await writer.wait_closed()


async def slow_header(host: str, port: int) -> None:
    """A header that never ends: one line every 50 ms until the server hangs up."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for n in range(200):
            writer.write(b"agi_slow_%d: x\n" % n)
            await asyncio.sleep(0.05)
            if reader.at_eof():
                return
    except ConnectionError:
        return
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass


async def garbage(host: str, port: int, n: int) -> None:
    payloads = [b"GET / HTTP/1.0\r\n\r\n", b"\xff\xfe" * 5000, b"agi_x: " + b"y" * 20_000]
    await connect_and_close(host, port, payloads[n % len(payloads)])


async def test_flood_of_bad_connections_while_serving(start_server: StartServer) -> None:
    outcomes: list[list[Any]] = []
    router = Router()

    async def call(channel: Any) -> None:
        results: list[Any] = []
        outcomes.append(results)
        await handler(results)(channel)

    router.register("test", call)
    server, host, port = await start_server(
        router, header_timeout_s=0.5, max_line_bytes=4096, max_header_lines=64
    )
    noise = [connect_and_close(host, port) for _ in range(EARLY_CLOSERS)]
    noise += [garbage(host, port, n) for n in range(GARBAGE)]
    noise += [slow_header(host, port) for _ in range(SLOW_HEADERS)]
    real = [ScriptedAsterisk().run(host, port) for _ in range(REAL_CALLS)]
    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*noise, *real), 20.0)
    assert time.monotonic() - started < 10.0
    assert len(outcomes) == REAL_CALLS
    assert all(results == [answer for _, _, answer in STEPS] for results in outcomes)
    for _ in range(100):
        if server.open_connections == 0:
            break
        await asyncio.sleep(0.02)
    assert server.open_connections == 0 and server.active_calls == 0

    # idle: the process must not burn CPU once the flood is over
    cpu_before, wall_before = time.process_time(), time.monotonic()
    await asyncio.sleep(0.5)
    cpu = time.process_time() - cpu_before
    wall = time.monotonic() - wall_before
    assert cpu < wall * 0.2, f"{cpu:.3f} s of CPU in {wall:.3f} s of idle"
