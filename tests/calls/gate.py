"""A loopback proxy between the Asterisk double and the switch that can hold a call mid-Dial.

The double plays a whole Dial in virtual time and answers ``EXEC Dial`` at once, so on its own
no call is ever "bridged" in real time while another arrives. Through this gate the double's
reply to the first ``EXEC Dial`` waits until the test calls ``release()`` (or ``cut()``, which
drops both sockets, as a crashed Asterisk or a cut network would): meanwhile the switch holds
the target's concurrency slot exactly as it does during a real bridged call.
"""

from __future__ import annotations

import asyncio
import contextlib


class DialGate:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._dial_sent = False
        self.dial_reached = asyncio.Event()  # the double's Dial reply is being held
        self._release = asyncio.Event()

    async def start(self) -> tuple[str, int]:
        self._server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    def release(self) -> None:
        self._release.set()

    def cut(self) -> None:
        for writer in self._writers:
            writer.close()
        self._release.set()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        self._writers += [writer, up_writer]
        await asyncio.gather(
            self._pipe(up_reader, writer, watch_commands=True),
            self._pipe(reader, up_writer, watch_commands=False),
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, watch_commands: bool
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while line := await reader.readline():
                if watch_commands and line.startswith(b'EXEC "Dial"'):
                    self._dial_sent = True
                elif not watch_commands and self._dial_sent and not self._release.is_set():
                    self.dial_reached.set()
                    await self._release.wait()
                if writer.is_closing():
                    return
                writer.write(line)
                await writer.drain()
        writer.close()
