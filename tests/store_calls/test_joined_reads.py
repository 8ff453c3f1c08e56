"""PostgreSQL: reads asked at the same moment go in one statement (``JoinedReads``), each
answered as it would be alone; a failure reaches every read in the statement; a statement whose
callers all stopped waiting is cancelled, and the reads asked after it are not held up."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError

from ivr.store.driver_values import Kind
from ivr.store.held_connections import HeldConnections
from ivr.store.joined_reads import JoinedReads
from ivr.store.raw_sql import Fetch, Sql

# Each question is a number; the answer is its double, or a division by it (0 fails), after
# sleeping the given seconds: enough to see batching, failures and hangs on a real server.
_DOUBLES = Sql(
    "SELECT n * 2 FROM unnest(?::integer[]) WITH ORDINALITY AS q(n, i), pg_sleep(?) ORDER BY i",
    (Kind.PLAIN, Kind.PLAIN),
)
_DIVIDES = Sql(
    "SELECT 10 / n FROM unnest(?::integer[]) WITH ORDINALITY AS q(n, i) ORDER BY i", (Kind.PLAIN,)
)


def _doubles(sleep_s: float = 0.0, *, only_with: int | None = None) -> Any:
    """``only_with``: a statement sleeps only when that question is in it."""

    def joined(questions: list[int]) -> Fetch[list[int]]:
        sleeps = only_with is None or only_with in questions
        params = (questions, sleep_s if sleeps else 0.0)
        return Fetch(_DOUBLES, params, lambda rows, _d: [r[0] for r in rows])

    return joined


def _divides(questions: list[int]) -> Fetch[list[int]]:
    return Fetch(_DIVIDES, (questions,), lambda rows, _d: [r[0] for r in rows])


async def test_reads_asked_together_share_one_statement(held: HeldConnections) -> None:
    reads: JoinedReads[int, int] = JoinedReads(held.fetch, _doubles())
    answers = await asyncio.gather(*(reads.read(n) for n in range(10)))
    assert answers == [n * 2 for n in range(10)]
    assert (reads.statements, reads.questions) == (1, 10)


async def test_reads_asked_during_a_statement_go_in_the_next_one(held: HeldConnections) -> None:
    reads: JoinedReads[int, int] = JoinedReads(held.fetch, _doubles(0.2))
    first = reads.read(1)
    await asyncio.sleep(0.05)  # the first statement is under way
    later = [reads.read(n) for n in (2, 3, 4)]
    assert await asyncio.gather(first, *later) == [2, 4, 6, 8]
    assert (reads.statements, reads.questions) == (2, 4)


async def test_a_failed_statement_fails_each_read_in_it_and_not_the_next(
    held: HeldConnections,
) -> None:
    reads: JoinedReads[int, int] = JoinedReads(held.fetch, _divides)
    failed = await asyncio.gather(reads.read(5), reads.read(0), return_exceptions=True)
    assert all(isinstance(f, DBAPIError) and "division by zero" in str(f) for f in failed)
    assert await reads.read(5) == 2


async def test_a_statement_nobody_waits_for_is_cancelled(held: HeldConnections) -> None:
    reads: JoinedReads[int, int] = JoinedReads(held.fetch, _doubles(30, only_with=1))
    hung = reads.read(1)  # a server that accepted the statement and went silent
    await asyncio.sleep(0.2)
    hung.cancel()  # its caller's time limit
    # the next read is not stuck behind it: the hung statement was cancelled
    assert await asyncio.wait_for(reads.read(2), 5) == 4
    assert reads.statements == 1  # only the second one answered
