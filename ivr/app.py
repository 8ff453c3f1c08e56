"""``ivr serve``: the running switch, with every part wired here and nowhere else.

Start order: database schema, journal (replaying what a previous run left), the record writer,
the live plan, the FastAGI server, the web console. Stop order is the reverse, and live calls
get ``shutdown_grace_s`` to finish before the FastAGI server gives up on them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import signal
from datetime import timedelta
from importlib import resources
from pathlib import Path

from ivr.agi.channel import AgiChannel
from ivr.agi.router import Router
from ivr.agi.server import FastAgiServer
from ivr.aio import stop_task
from ivr.ami.live_view import concurrency_by_target
from ivr.ami.service import AmiService
from ivr.ami.targets import endpoint_index
from ivr.calls.deps import CallDeps
from ivr.calls.hangup_report import handle_hangup_report
from ivr.calls.inbound import handle_inbound
from ivr.calls.reconcile import Reconciler
from ivr.clock import Clock, SystemClock, utc_datetime
from ivr.menus import resolver_for_dir
from ivr.metrics import LiveState, SwitchMetrics
from ivr.plans.loader import load_plan_files
from ivr.settings import Settings
from ivr.store import migrate
from ivr.store.apply import apply_plan
from ivr.store.call_store import SqlCallStore
from ivr.store.call_writer import CallWriter
from ivr.store.db import Database
from ivr.store.journal import Journal
from ivr.store.live_plan import LivePlan
from ivr.store.owner import StoreOwner, StoreServed
from ivr.store.stored_calls import SqlStoredCalls
from ivr.web.app import WebConsole

log = logging.getLogger("ivr")
# The collector's youngest generation runs every GC_YOUNG_THRESHOLD allocations instead of 700:
# a call allocates thousands of objects, nearly all freed by reference counting, and at the
# default a busy switch ran about 90 collections a second, each pass stopping every call (see
# bench/README.md, round 4: collections 457 -> 9 and their total time / 4 in the same run).
GC_YOUNG_THRESHOLD = 20_000
STALE_CLAIM_AGE = timedelta(hours=7)  # longer than any ring plus MAX_TALK_S
JANITOR_INTERVAL_S = 60.0


def demo_plan_path() -> Path:
    return Path(str(resources.files("ivr.plans").joinpath("demo.yaml")))


class Switch:
    """Every part of a running switch. ``await start()``, then ``await stop()``."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, seed: int | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = Database(
            settings.effective_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        # SQLite: one serving process per store (claims are decided in its memory)
        self.owner = StoreOwner(settings.effective_database_url) if self.db.is_sqlite else None
        spool = settings.effective_spool_dir
        self.journal = Journal(spool / "journal", before_forget=self.db.make_durable)
        self.writer = CallWriter(self.db, self.journal, spool / "rejected.jsonl")
        self.store = SqlCallStore(self.db, self.journal, self.writer)
        self.plan = LivePlan(self.db)
        self.deps = CallDeps(
            plan=lambda: self.plan.view,
            store=self.store,
            clock=self.clock,
            resolve_prompt=resolver_for_dir(settings.prompts_dir),
            asterisk_recordings_dir=settings.asterisk_recordings_dir,
            rng=random.Random(seed),
        )
        self._wire_ami(settings)
        self.router = Router()
        self.router.register("inbound", self._inbound)
        self.router.register("hangup", self._hangup)
        self.agi = FastAgiServer(self.router, command_timeout_s=settings.agi_command_timeout_s)
        self.web = WebConsole(self)
        self._janitor: asyncio.Task[None] | None = None
        self.agi_address: tuple[str, int] | None = None
        self.web_address: tuple[str, int] | None = None

    def _wire_ami(self, settings: Settings) -> None:
        """AMI (when configured), reconciliation of lost calls, metrics, the live event bus."""
        stored = SqlStoredCalls(self.db, lambda: self.plan.view.target_buyers)
        self.reconciler = Reconciler(self.deps, stored=stored, grace_s=settings.ami_cdr_grace_s)
        self.ami: AmiService | None = None
        if settings.ami_enabled:
            self.ami = AmiService(settings, self.clock, self.reconciler.ami_finished)
            self.reconciler.tracker = self.ami.tracker
        self.metrics = SwitchMetrics(self._metrics_state)
        self.deps.session_hooks += [self.metrics.session_ended, self.reconciler.session_ended]

    def target_endpoints(self) -> dict[str, str]:
        """Dial string -> target id, from the live plan."""
        return endpoint_index(self.plan.view.targets.values())

    def _metrics_state(self) -> LiveState:
        agi_calls = self.agi.active_calls
        if self.ami is None:
            return LiveState(agi_calls, reconciled=self.reconciler.stats.reconciled)
        stats = self.ami.client.stats
        return LiveState(
            agi_calls,
            ami_configured=True,
            ami_connected=self.ami.client.connected,
            ami_connects=stats.connects,
            ami_reconnects=stats.reconnects,
            ami_login_failures=stats.login_failures,
            ami_calls=len(self.ami.tracker.calls),
            target_concurrency=concurrency_by_target(self.ami.tracker, self.target_endpoints()),
            bus_dropped=self.ami.bus.drops(),
            reconciled=self.reconciler.stats.reconciled,
        )

    async def _inbound(self, channel: AgiChannel) -> None:
        await handle_inbound(channel, self.deps)

    async def _hangup(self, channel: AgiChannel) -> None:
        await handle_hangup_report(channel, self.deps)

    async def start(self, *, demo: bool = False, plan_files: list[Path] | None = None) -> None:
        """Start every part; ``demo`` or ``plan_files`` apply that plan first."""
        if self.owner is not None:
            self.owner.acquire()  # before anything changes the store
        try:
            await self._start(demo=demo, plan_files=plan_files)
        except BaseException:
            if self.owner is not None:  # a start that failed (a port in use) serves nothing
                self.owner.release()
            raise

    async def _start(self, *, demo: bool, plan_files: list[Path] | None) -> None:
        url = self.settings.effective_database_url
        await migrate.upgrade(url)
        await self.db.connect()
        files = [demo_plan_path()] if demo else list(plan_files or [])
        if files:
            report = await apply_plan(self.db, load_plan_files(files))
            log.info("plan applied: %s", "changed" if report.changed else "no change")
        for entry in await self.journal.open():  # what the last run could not store
            self.writer.submit(entry)
        self.writer.start()
        await self.store.start(utc_datetime(self.clock))
        await self.plan.load()
        self.plan.start()
        self._janitor = asyncio.create_task(self._sweep_stale_claims(), name="claims-janitor")
        s = self.settings
        self.agi_address = await self.agi.start(s.agi_host, s.agi_port, backlog=s.agi_backlog)
        self.web_address = await self.web.start(s.web_host, s.web_port)
        log.info("FastAGI on %s:%d, web console on http://%s:%d/", *self.agi_address,
                 *self.web_address)  # fmt: skip
        if self.ami is None:
            log.info("AMI is not configured (IVR_AMI_HOST): running without live AMI state")
        else:
            await self.ami.start()

    async def _sweep_stale_claims(self) -> None:
        """A crashed process leaves its claims behind; free them once no call can be that old,
        and retry releases that failed while the database was away. Then delete the counters
        of periods long over, which nothing reads again."""
        while True:
            now = utc_datetime(self.clock)
            await self.store.release_stale_claims(now, STALE_CLAIM_AGE)
            await self.store.retry_releases()
            await self.store.delete_past_counters(now)
            await asyncio.sleep(JANITOR_INTERVAL_S)

    async def stop(self) -> None:
        await self.agi.stop(self.settings.shutdown_grace_s)
        if self.ami is not None:
            await self.ami.stop()
        await self.reconciler.close()
        await self.web.stop()
        await self.plan.close()
        await stop_task(self._janitor)
        await self.store.close()
        await self.writer.close()
        await self.journal.close()
        await self.db.close()
        if self.owner is not None:
            self.owner.release()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo", action="store_true", help="apply the demo call plan (ivr/plans/demo.yaml) first"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(serve(settings, demo=args.demo))


def settle_heap() -> None:
    """Once started: everything built so far lives as long as the process, so keep it out of
    the collector's way (collections stay short while thousands of calls are held,
    bench/held_calls), and collect the young generation less often."""
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)


async def serve(settings: Settings, *, demo: bool = False) -> int:
    switch = Switch(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await switch.start(demo=demo)
    except (OSError, StoreServed) as exc:  # a port in use, a folder it may not write, a store
        log.error("cannot start: %s", exc)  # served by another process: one line, no trace
        log.debug("the start failed here", exc_info=exc)
        return 1
    settle_heap()
    try:
        await stop.wait()
        log.info("stopping: no new calls, live calls get %.0fs", settings.shutdown_grace_s)
    finally:
        await switch.stop()
    return 0
