"""The FastAGI byte stream as Asterisk handles it: the ``agi_*`` header it writes, and how it
reads commands.

Asterisk polls the socket, then ``fgets`` ONE line from a stdio buffer. Two commands arriving in
one segment therefore leave the second in the buffer until more bytes arrive (corpus 05: the
pipelined GET VARIABLE was answered only when the next line came, and the session stayed one
line behind). ``CommandReader`` keeps that behaviour: one line per arrival of data.
"""

from __future__ import annotations

import asyncio

from ivr.sim.asterisk_parse import MAX_COMMAND_LINE_BYTES

READ_CHUNK = 65536


def agi_header(
    *,
    host: str,
    port: int,
    network_script: str,
    channel: str,
    uniqueid: str,
    callerid: str,
    calleridname: str,
    callingpres: int,
    did: str,
    context: str,
    priority: str,
    threadid: int,
    args: tuple[str, ...],
) -> list[str]:
    """The header lines in the exact order of agi-environment-reference.txt, then the blank
    line that ends it."""
    fields = [
        ("network", "yes"),
        ("network_script", network_script),
        ("request", f"agi://{host}:{port}/{network_script}"),
        ("channel", channel),
        ("language", "en"),
        ("type", channel.partition("/")[0]),
        ("uniqueid", uniqueid),
        ("version", "22.10.1"),
        ("callerid", callerid),
        ("calleridname", calleridname),
        ("callingpres", str(callingpres)),
        ("callingani2", "0"),
        ("callington", "0"),
        ("callingtns", "0"),
        ("dnid", did),
        ("rdnis", "unknown"),
        ("context", context),
        ("extension", did),
        ("priority", priority),
        ("enhanced", "0.0"),
        ("accountcode", ""),
        ("threadid", str(threadid)),
    ]
    fields += [(f"arg_{i}", value) for i, value in enumerate(args, start=1)]
    return [f"agi_{key}: {value}" for key, value in fields] + [""]


class CommandReader:
    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._buffer = bytearray()
        self._eof = False

    async def next_line(self, wait_s: float | None = None) -> bytes | None:
        """The next command line (with its ``\\n``), or None once the server has closed and
        nothing is left. Raises TimeoutError when no data arrives within ``wait_s`` real seconds."""
        if not self._eof:
            data = await asyncio.wait_for(self._reader.read(READ_CHUNK), wait_s)
            self._buffer += data
            self._eof = not data
            while not self._eof and not self._has_line():
                data = await self._reader.read(READ_CHUNK)
                self._buffer += data
                self._eof = not data
        return self._take_line()

    def _has_line(self) -> bool:
        return b"\n" in self._buffer or len(self._buffer) >= MAX_COMMAND_LINE_BYTES

    def _take_line(self) -> bytes | None:
        if not self._buffer:
            return None
        end = self._buffer.find(b"\n", 0, MAX_COMMAND_LINE_BYTES)
        if end < 0:
            # fgets fills its buffer (or hits EOF) without a newline: that is the command.
            size = min(len(self._buffer), MAX_COMMAND_LINE_BYTES)
        else:
            size = end + 1
        line = bytes(self._buffer[:size])
        del self._buffer[:size]
        return line
