"""The held-calls benchmark's handle on its app process (``_held_app.py``): start it, send it a
command and read its JSON answer, read its memory and its sockets from outside."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

APP_SCRIPT = Path(__file__).parent / "_held_app.py"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
READ_LIMIT = 64 * 1024 * 1024  # the "records" answer is one JSON line for every call


@dataclass(frozen=True, slots=True)
class Sockets:
    """A process's TCP sockets: listening ones apart from the rest (calls, half-closed...)."""

    listening: int
    other: int

    @classmethod
    def of(cls, process: psutil.Process) -> Sockets:
        connections = process.net_connections(kind="tcp")
        listening = sum(1 for c in connections if c.status == psutil.CONN_LISTEN)
        return cls(listening, len(connections) - listening)


@dataclass
class AppProcess:
    proc: asyncio.subprocess.Process
    process: psutil.Process
    agi_port: int

    @classmethod
    async def start(cls, var_dir: Path, trace_memory: bool) -> AppProcess:
        extra = ["--trace-memory"] if trace_memory else []
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(APP_SCRIPT),
            str(var_dir),
            *extra,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=READ_LIMIT,
        )
        try:
            line = await asyncio.wait_for(_readline(proc), START_TIMEOUT_S)
        except TimeoutError:
            line = ""
        if not line.startswith("READY "):
            proc.kill()
            await proc.wait()
            raise SystemExit(f"the app did not start (said {line!r})")
        ready = json.loads(line.removeprefix("READY "))
        return cls(proc, psutil.Process(proc.pid), int(ready["agi_port"]))

    async def command(self, name: str, timeout_s: float = 180.0) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{name}\n".encode())
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(_readline(self.proc), timeout_s)
        if not line:
            raise SystemExit(f"the app exited while answering {name!r}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def sockets(self) -> Sockets:
        return Sockets.of(self.process)

    async def stop(self) -> int:
        """Close its stdin (it stops the switch and exits); kill it if it lingers."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            return await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()


async def _readline(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    return (await proc.stdout.readline()).decode()
