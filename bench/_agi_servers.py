"""A benchmarked FastAGI server in its own process: ``python bench/_agi_servers.py real|raw``.

Binds 127.0.0.1 on a free port, prints ``PORT <n>`` once listening, and serves until its stdin
closes (the benchmark closes it to stop the server; no signal handling needed). With a second
argument, runs under cProfile and writes the stats to that file on exit.

* ``real``: ``ivr.agi.server.FastAgiServer`` with the bench handler on an ``ivr.agi.router``;
* ``raw``: the floor to compare with, a plain ``asyncio.start_server`` that reads the header to
  its blank line, writes the 10 command lines and reads one reply line for each, then closes.
"""

from __future__ import annotations

import asyncio
import cProfile
import sys

from _agi_session import RAW_COMMANDS, bench_handler
from _child import raw_replay

from ivr.agi.router import Router
from ivr.agi.server import FastAgiServer

HOST = "127.0.0.1"


raw_session = raw_replay(RAW_COMMANDS)


async def serve_until_stdin_closes(kind: str) -> None:
    loop = asyncio.get_running_loop()
    if kind == "real":
        router = Router()
        router.register("inbound", bench_handler)
        server = FastAgiServer(router)
        _, port = await server.start(HOST, 0)
    else:
        raw = await asyncio.start_server(raw_session, HOST, 0)
        port = raw.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # EOF: the benchmark is done with us
    if kind == "real":
        await server.stop(grace_s=1.0)
    else:
        raw.close()
        await raw.wait_closed()


def main() -> int:
    if len(sys.argv) not in (2, 3) or sys.argv[1] not in ("real", "raw"):
        print("usage: _agi_servers.py real|raw [profile-output]", file=sys.stderr)
        return 2
    if len(sys.argv) == 2:
        asyncio.run(serve_until_stdin_closes(sys.argv[1]))
        return 0
    profile = cProfile.Profile()  # profiled runs are for finding hot spots, not for ratios
    profile.runcall(asyncio.run, serve_until_stdin_closes(sys.argv[1]))
    profile.dump_stats(sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
