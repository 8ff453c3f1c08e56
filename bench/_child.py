"""What the benchmarks share about a server in a child process: starting it and waiting for its
``PORT <n>`` line, reading its main thread's CPU time, and the raw FastAGI session that replays
fixed command lines with no logic (the reference every ratio is taken against)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import psutil

Session = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def start_child(script: Path, argv: Sequence[str], kind: str) -> tuple[subprocess.Popen[str], int]:
    """Run ``script`` with ``argv``; returns once it printed ``PORT <n>`` (it is listening)."""
    popen = subprocess.Popen(
        [sys.executable, str(script), *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert popen.stdout is not None
    line = popen.stdout.readline()
    if not line.startswith("PORT "):
        popen.kill()
        raise SystemExit(f"the {kind} server did not start (said {line!r})")
    return popen, int(line.split()[1])


def main_thread_cpu_s(process: psutil.Process) -> float:
    """CPU time (user + system) of the process's main thread: Linux's schedstat in nanoseconds
    when there is one, else psutil's clock ticks for the whole process (10 ms steps, too coarse
    for short runs)."""
    try:
        with open(f"/proc/{process.pid}/schedstat") as stat:
            return int(stat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        times = process.cpu_times()
        return times.user + times.system


def all_threads_cpu_s(process: psutil.Process) -> float:
    """CPU time of the process's live threads, in nanoseconds' precision (schedstat of each
    task); falls back to psutil's clock ticks. Threads that ended are not counted: for telling
    a busy process from an idle one, not for totals."""
    total_ns = 0
    try:
        for task in Path(f"/proc/{process.pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                total_ns += int((task / "schedstat").read_text().split()[0])
    except OSError:
        times = process.cpu_times()
        return times.user + times.system
    return total_ns / 1e9


def raw_replay(commands: Sequence[bytes]) -> Session:
    """A FastAGI session that reads the header, writes ``commands`` (already quoted) reading one
    reply line each, and closes: no parsing, no logic."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readline() not in (b"\n", b""):
                pass
            for line in commands:
                writer.write(line)
                await reader.readline()
        finally:
            writer.close()

    return session
