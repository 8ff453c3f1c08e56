"""One app process of the claim race (run by test_claim_race.py, not collected by pytest).

It builds the store as the app does (on SQLite it first takes the store's serving lock, and
reports ``{"refused": ...}`` and exits if another process holds it), then follows the test's
orders, one line each on stdin:
``claim`` fires every claim at once (asyncio.gather) and reports the granted ones; ``release``
gives every granted claim back (every third call as connected) and reports them. Reports are
one JSON line each on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from ivr.store.call_store import SqlCallStore
from ivr.store.call_writer import CallWriter
from ivr.store.db import Database
from ivr.store.journal import Journal
from ivr.store.owner import StoreOwner, StoreServed
from store_calls.support import caps_plan, plan_campaign

TARGETS = ("t-live", "t-hour", "t-day", "t-all", "t-free")


def say(message: dict[str, object]) -> None:
    print(json.dumps(message), flush=True)


async def order(expected: str) -> None:
    line = await asyncio.to_thread(sys.stdin.readline)
    if line.strip() != expected:
        raise SystemExit(f"expected {expected!r}, got {line!r}")


async def race(args: argparse.Namespace) -> None:
    plan = caps_plan()
    campaign, targets = plan_campaign(plan), plan.targets()
    at = datetime.fromisoformat(args.at)
    db = Database(args.url)
    owner = StoreOwner(args.url) if db.is_sqlite else None
    try:
        if owner is not None:
            owner.acquire()
    except StoreServed as exc:
        say({"refused": str(exc)})
        return
    await db.connect()
    journal = Journal(Path(args.spool) / "journal")
    store = SqlCallStore(db, journal, CallWriter(db, journal, Path(args.spool) / "rejected.jsonl"))
    await store.start(at)
    calls = [(f"{args.tag}{i:04d}", TARGETS[i % len(TARGETS)]) for i in range(args.count)]
    say({"ready": True})
    await order("claim")
    started = time.monotonic()
    outcomes = await asyncio.gather(
        *(store.claim(call, targets[target], campaign, at) for call, target in calls)
    )
    granted = [(call, target) for (call, target), ok in zip(calls, outcomes, strict=True) if ok]
    elapsed = round(time.monotonic() - started, 3)
    say({"granted": granted, "degraded_claims": store.degraded_claims, "claim_s": elapsed})
    await order("release")
    released = [(call, target, int(call[-4:]) % 3 == 0) for call, target in granted]
    await asyncio.gather(
        *(store.release(call, target, connected=connected) for call, target, connected in released)
    )
    await store.settle()  # releases are stored behind the calls
    say({"released": released, "pending": store.pending_releases, "outages": store.outages})
    await store.close()
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("url", "spool", "tag", "at"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--count", type=int, required=True)
    asyncio.run(race(parser.parse_args()))


if __name__ == "__main__":
    main()
