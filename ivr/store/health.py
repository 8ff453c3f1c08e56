"""Whether the database answers, as the call path sees it.

When the database is away (an error: connection refused or lost, ``database is locked`` after
SQLite's busy timeout), calls go on without it: a read answers its outage value, and the
episode is counted and logged once. Only an outage degrades: an error that blames the
statement's data (``refused_by_database``) is a bug, logged loudly every time. The parts that
keep work for later (releases, the claims' flush) hear when the database answers again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ivr.store.errors import DB_ERRORS, refused_by_database

log = logging.getLogger(__name__)
T = TypeVar("T")
# Told ``was_away`` each time the database answers: whether this answer ends an outage.
OnAnswer = Callable[[bool], None]


class DatabaseHealth:
    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self.away = False
        self.outages = 0  # outage episodes seen
        self.on_answer: list[OnAnswer] = []

    async def guarded(
        self,
        work: Awaitable[T],
        on_outage: T,
        on_refusal: T,
        what: str,
        timeout_s: float | None = None,
    ) -> T:
        """``work``'s result; ``on_outage`` when the database is away or the time limit ran
        out, ``on_refusal`` when it refused the statement's data."""
        try:
            # asyncio.timeout, not wait_for: wait_for (3.11) wraps the work in a task of its
            # own, and its steps cost loop turns, behind every call's ready callbacks
            async with asyncio.timeout(timeout_s or self._timeout_s):
                result = await work
        except DB_ERRORS as exc:
            if refused_by_database(exc):
                log.exception("database refused %s: a bug, not an outage", what)
                return on_refusal
            self.lost(what, exc)
            return on_outage
        self.answered(what)
        return result

    def answered(self, what: str) -> None:
        was_away = self.away
        if was_away:
            self.away = False
            log.warning("database available again (%s)", what)
        for hook in self.on_answer:
            hook(was_away)

    def lost(self, what: str, exc: BaseException) -> None:
        if not self.away:
            self.away = True
            self.outages += 1
            first_line = (str(exc).splitlines() or [""])[0][:200]
            log.error("database unavailable (%s: %s: %s): calls go on without it",
                      what, type(exc).__name__, first_line)  # fmt: skip
