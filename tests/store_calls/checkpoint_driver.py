"""An app process that dies right after its checkpoints were acknowledged (run by
test_crash_replay.py, not collected by pytest).

It journals ``--count`` calls twice each (opened, then closed), prints their ids once every
``checkpoint`` has returned, and kills itself with SIGKILL: the writer never ran, nothing was
closed or flushed beyond what ``checkpoint`` itself guarantees.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from pathlib import Path

from ivr.calls.record import Disposition
from ivr.store.call_store import SqlCallStore
from ivr.store.call_writer import CallWriter
from ivr.store.db import Database
from ivr.store.journal import Journal
from store_calls.support import new_call


async def checkpoint_then_die(spool: Path, url: str, count: int) -> None:
    db = Database(url)  # never connected: the process dies before the writer would use it
    journal = Journal(spool / "journal", segment_entries=7)
    await journal.open()
    store = SqlCallStore(db, journal, CallWriter(db, journal, spool / "rejected.jsonl"))
    calls = [new_call(n) for n in range(count)]
    for call in calls:
        await store.checkpoint(call)
    for call in calls:
        call.disposition, call.status = Disposition.NO_ANSWER, "closed"
    await asyncio.gather(*(store.checkpoint(call) for call in calls))
    print(json.dumps([call.id for call in calls]), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spool", type=Path, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(checkpoint_then_die(args.spool, args.url, args.count))


if __name__ == "__main__":
    main()
