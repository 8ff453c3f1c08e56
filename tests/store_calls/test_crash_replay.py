"""A process killed after its checkpoints were acknowledged loses no call: the next process's
journal replays them and its writer stores each once, in its newest version."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import select

from ivr.store.db import Database
from ivr.store.models import Call
from store_calls.support import unwire, wire

TESTS_DIR = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).with_name("checkpoint_driver.py")
CALLS = 40


async def test_checkpoints_acknowledged_before_a_kill_are_written_after_restart(
    db: Database, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(DRIVER), "--spool", str(spool), "--url", db.url,
        "--count", str(CALLS),
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(TESTS_DIR)},
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == -signal.SIGKILL
    acknowledged = json.loads(out)
    assert len(acknowledged) == CALLS

    wiring = await wire(db, spool)  # the restarted app: journal replay, then the writer
    assert await wiring.writer.flush(10)
    async with db.read() as session:
        rows = (await session.execute(select(Call.ref, Call.version, Call.status))).all()
    assert sorted(rows) == sorted((ref, 2, "closed") for ref in acknowledged)
    assert wiring.journal.unapplied_count == 0
    await unwire(wiring)
    assert len(list((spool / "journal").glob("journal-*.jsonl"))) == 1  # the rest trimmed
