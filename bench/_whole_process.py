"""One benchmarked whole-call server in a child process (``_whole_server.py``), its CPU readable
from here: the main thread's in nanoseconds (Linux schedstat) and the whole process's (every
thread: SQLite driver threads, the journal's fsync thread) in clock ticks."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from _child import all_threads_cpu_s, main_thread_cpu_s, start_child

SERVER_SCRIPT = Path(__file__).parent / "_whole_server.py"
STOP_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class CpuSample:
    main_s: float  # the event loop's thread
    process_s: float  # all threads, dead ones included


@dataclass
class WholeServer:
    kind: str
    port: int
    popen: subprocess.Popen[str]
    process: psutil.Process

    @classmethod
    def start(cls, kind: str, argv: list[str]) -> WholeServer:
        popen, port = start_child(SERVER_SCRIPT, argv, kind)
        return cls(kind, port, popen, psutil.Process(popen.pid))

    def cpu(self) -> CpuSample:
        times = self.process.cpu_times()
        return CpuSample(main_thread_cpu_s(self.process), times.user + times.system)

    def flush(self) -> float:
        """Have it store everything waiting, at once; how long that took (in the server)."""
        assert self.popen.stdin is not None and self.popen.stdout is not None
        self.popen.stdin.write("flush\n")
        self.popen.stdin.flush()
        answer = self.popen.stdout.readline().split()
        if len(answer) != 3 or answer[0] != "FLUSHED" or answer[1] != "True":
            raise SystemExit(f"the {self.kind} server did not flush its records: {answer}")
        return float(answer[2])

    def watch(self) -> None:
        """Have it count the callbacks that hold its event loop from now on (the latency
        phase: ``_loop_stalls``)."""
        assert self.popen.stdin is not None and self.popen.stdout is not None
        self.popen.stdin.write("watch\n")
        self.popen.stdin.flush()
        answer = self.popen.stdout.readline().strip()
        if answer != "WATCHING":
            raise SystemExit(f"the {self.kind} server did not start watching: {answer!r}")

    def busy_s(self) -> float:
        """CPU of its live threads, precise enough to tell idle from busy over 50 ms."""
        return all_threads_cpu_s(self.process)

    def stop(self) -> dict[str, Any]:
        """Close its stdin; it stops and prints ``STATS <json>``. Kill it if it lingers."""
        try:  # communicate() closes stdin first
            out, _ = self.popen.communicate(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.communicate()
            return {"error": "did not stop in time"}
        for line in out.splitlines():
            if line.startswith("STATS "):
                result: dict[str, Any] = json.loads(line[len("STATS ") :])
                return result
        return {"error": f"no STATS line (exit {self.popen.returncode})"}
