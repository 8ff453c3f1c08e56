"""A benchmarked server running in a child process, with its CPU time readable from here."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil

SERVER_SCRIPT = Path(__file__).parent / "_agi_servers.py"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0


@dataclass
class ServerProcess:
    kind: str
    port: int
    popen: subprocess.Popen[str]
    process: psutil.Process

    @classmethod
    def start(cls, kind: str, profile_to: Path | None = None) -> ServerProcess:
        """``profile_to``: run the server under cProfile and write its stats there."""
        extra = [] if profile_to is None else [str(profile_to)]
        popen = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), kind, *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert popen.stdout is not None
        line = popen.stdout.readline()  # "PORT <n>" once listening
        if not line.startswith("PORT "):
            popen.kill()
            raise SystemExit(f"the {kind} server did not start (said {line!r})")
        return cls(kind, int(line.split()[1]), popen, psutil.Process(popen.pid))

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's main thread has used so far: from Linux's
        schedstat in nanoseconds when there is one, else psutil's clock ticks (10 ms steps,
        too coarse for short runs)."""
        try:
            with open(f"/proc/{self.popen.pid}/schedstat") as stat:
                return int(stat.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            times = self.process.cpu_times()
            return times.user + times.system

    def stop(self) -> None:
        """Close its stdin (it stops serving and exits); kill it if it lingers."""
        if self.popen.stdin is not None:
            self.popen.stdin.close()
        try:
            self.popen.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        if self.popen.stdout is not None:
            self.popen.stdout.close()
