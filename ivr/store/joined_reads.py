"""PostgreSQL: reads of one kind asked at the same moment go to the server in ONE statement.

Why: each statement costs the switch its own round trip (a task's steps, a send, a wake-up,
the reply's parsing) and the server its own execution; the history read ran once per call.
Claims showed what batching is worth: sent one statement per claim instead of batched, the
switch's CPU per call rose from 1.13-1.19 to 1.29-1.33 ms (bench/README.md, round 8). So a
read asked while one of its kind is under way waits for it, then goes with every other one
asked meanwhile (group commit, for reads): alone at low load, in one statement under load.

Each question still gets the answer it would get alone: the joined statement answers each in
its order as the single one would (a test compares them). A failed statement fails every
question in it (each caller's own error handling decides, as for a read of its own); the
statement is sent by ``read`` (``Database.read_sync``: once more on a fresh connection when
the held one had died). A question whose caller stopped waiting (hung up, timed out)
before its statement was sent is left out of it, and a statement whose callers all stopped
waiting is cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from ivr.store.raw_sql import Fetch

Q = TypeVar("Q")
T = TypeVar("T")


class JoinedReads(Generic[Q, T]):
    """``await read(question)``: its answer, from ``joined(questions)``, one statement that
    answers each question of a batch in order, sent by ``send``."""

    def __init__(
        self,
        send: Callable[[Fetch[list[T]]], Awaitable[list[T]]],
        joined: Callable[[list[Q]], Fetch[list[T]]],
        *,
        max_batch: int = 128,
    ) -> None:
        self._send = send
        self._joined = joined
        self._max_batch = max_batch
        self._waiting: list[tuple[Q, asyncio.Future[T]]] = []
        self._task: asyncio.Task[None] | None = None
        self.statements = 0  # sent so far
        self.questions = 0  # answered by them

    def read(self, question: Q) -> asyncio.Future[T]:
        answer: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((question, answer))
        if self._task is None:
            self._task = asyncio.create_task(self._send_all(), name="joined-reads")
        return answer

    async def _send_all(self) -> None:
        """One statement at a time, each with every question asked while the last one ran."""
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                asked = [(question, answer) for question, answer in batch if not answer.done()]
                if asked:
                    await self._answer(asked)
        finally:
            self._task = None

    async def _answer(self, asked: list[tuple[Q, asyncio.Future[T]]]) -> None:
        statement = self._joined([question for question, _ in asked])
        fetch = asyncio.ensure_future(self._send(statement))
        _cancel_when_all_gave_up(fetch, [answer for _, answer in asked])
        try:
            answers = await fetch
        except asyncio.CancelledError:
            if fetch.cancelled() and all(answer.done() for _, answer in asked):
                return  # nobody waits for it any more: the next statement may go
            raise
        except Exception as exc:  # every question in the statement hears it
            for _, answer in asked:
                if not answer.done():
                    answer.set_exception(exc)
            return
        self.statements += 1
        self.questions += len(asked)
        for (_, answer), value in zip(asked, answers, strict=True):
            if not answer.done():
                answer.set_result(value)


def _cancel_when_all_gave_up(
    fetch: asyncio.Future[Any], answers: list[asyncio.Future[Any]]
) -> None:
    """A statement that hangs (a server that accepted it and went silent) must not hold up the
    reads asked after it: once every caller in it stopped waiting (each read has its time
    limit), it is cancelled, which drops its connection (``HeldConnections``)."""
    left = len(answers)

    def gave_up(_: asyncio.Future[Any]) -> None:
        nonlocal left
        left -= 1
        if left == 0 and not fetch.done():
            fetch.cancel()

    for answer in answers:
        answer.add_done_callback(gave_up)
