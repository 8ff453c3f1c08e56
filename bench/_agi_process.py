"""A benchmarked server running in a child process, with its CPU time readable from here."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import psutil
from _child import main_thread_cpu_s, start_child

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
        popen, port = start_child(SERVER_SCRIPT, [kind, *extra], kind)
        return cls(kind, port, popen, psutil.Process(popen.pid))

    def cpu_seconds(self) -> float:
        """CPU time the server's main thread has used so far."""
        return main_thread_cpu_s(self.process)

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
