"""FastAGI test fixtures: a server factory, and a check that no test leaves a socket open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psutil
import pytest
from agi_fake_asterisk import StartServer

from ivr.agi.router import Router
from ivr.agi.server import FastAgiServer


def open_tcp_sockets() -> int:
    return len(psutil.Process().net_connections(kind="tcp"))


@pytest.fixture(autouse=True)
async def no_socket_left_open() -> AsyncIterator[None]:
    before = open_tcp_sockets()
    yield
    for _ in range(100):
        if open_tcp_sockets() <= before:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"sockets left open: {open_tcp_sockets()} now, {before} before the test")


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    servers: list[FastAgiServer] = []

    async def start(router: Router, **options: Any) -> tuple[FastAgiServer, str, int]:
        server = FastAgiServer(router, **options)
        host, port = await server.start("127.0.0.1", 0)
        servers.append(server)
        return server, host, port

    yield start
    for server in servers:
        await server.stop(grace_s=1.0)
        assert server.open_connections == 0
