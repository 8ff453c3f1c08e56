"""The call-record journal: durable before it returns, replayed after a crash, trimmed once
applied."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.store import journal as journal_module
from ivr.store.journal import NOT_JOURNALLED, Journal, JournalEntry


async def test_entries_survive_a_restart_until_applied(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    assert await journal.open() == []
    first = await journal.append({"call": "a", "version": 1})
    await journal.append({"call": "b", "version": 1})
    await journal.close()

    reopened = Journal(tmp_path)
    leftovers = await reopened.open()
    assert [e.data for e in leftovers] == [{"call": "a", "version": 1}, {"call": "b", "version": 1}]
    assert first.segment == leftovers[0].segment
    reopened.applied(leftovers)
    await reopened.close()

    assert await Journal(tmp_path).open() == []


async def test_an_entry_carries_its_line_as_written_and_as_replayed(tmp_path: Path) -> None:
    """The record writer sends PostgreSQL the journal's own line of a snapshot rather than
    encoding it again: the line an entry carries is the one on disk, before and after a
    restart, and an entry the disk refused keeps it too."""
    journal = Journal(tmp_path)
    await journal.open()
    written = await journal.append({"call": "a", "name": "Zoë", "version": 2})
    await journal.close()
    [on_disk] = tmp_path.glob("journal-*.jsonl")
    assert written.line == on_disk.read_bytes()
    assert json.loads(written.line) == written.data
    reopened = Journal(tmp_path)
    [replayed] = await reopened.open()
    assert replayed.line == written.line
    await reopened.close()


async def test_concurrent_appends_share_durable_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real_write = journal_module.write_durably

    def counting_write(fd: int, data: bytes) -> None:
        nonlocal calls
        calls += 1
        real_write(fd, data)

    journal = Journal(tmp_path)
    await journal.open()
    monkeypatch.setattr(journal_module, "write_durably", counting_write)
    await asyncio.gather(*(journal.append({"n": n}) for n in range(500)))
    monkeypatch.undo()
    await journal.close()
    assert 1 <= calls < 100, f"500 appends took {calls} durable writes: no group commit"
    leftovers = await Journal(tmp_path).open()
    assert sorted(e.data["n"] for e in leftovers) == list(range(500))


async def test_torn_final_line_is_dropped_not_fatal(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    await journal.open()
    await journal.append({"ok": 1})
    await journal.close()
    segment = next(tmp_path.glob("journal-*.jsonl"))
    with segment.open("ab") as handle:
        handle.write(b'{"half":')
    leftovers = await Journal(tmp_path).open()
    assert [e.data for e in leftovers] == [{"ok": 1}]


async def test_applied_segments_are_deleted_after_rotation(tmp_path: Path) -> None:
    journal = Journal(tmp_path, segment_entries=3)
    await journal.open()
    entries = [await journal.append({"n": n}) for n in range(7)]
    assert len({e.segment for e in entries}) == 3
    journal.applied(entries[:6])
    await journal.forgotten()  # the files go in the forgetting thread
    segments = sorted(tmp_path.glob("journal-*.jsonl"))
    assert len(segments) == 1, segments
    assert journal.unapplied_count == 1
    await journal.close()
    leftovers = await Journal(tmp_path).open()
    assert [e.data for e in leftovers] == [{"n": 6}]


async def test_a_segment_is_deleted_only_after_the_database_made_it_durable(
    tmp_path: Path,
) -> None:
    """``before_forget`` runs before each deletion; a database that could not sync (OSError)
    keeps the segment, replayed at the next start."""
    steps: list[tuple[str, int]] = []
    failing = True

    def make_durable() -> None:
        steps.append(("durable", len(list(tmp_path.glob("journal-*.jsonl")))))
        if failing:
            raise OSError("disk went away")

    journal = Journal(tmp_path, segment_entries=3, before_forget=make_durable)
    await journal.open()
    entries = [await journal.append({"n": n}) for n in range(7)]
    journal.applied(entries[:3])  # the first segment: not durable, so kept
    await journal.forgotten()
    assert len(list(tmp_path.glob("journal-*.jsonl"))) == 3
    failing = False
    journal.applied(entries[3:6])  # the second: durable first (three files then), deleted after
    await journal.forgotten()
    remaining = sorted(p.name for p in tmp_path.glob("journal-*.jsonl"))
    assert steps == [("durable", 3), ("durable", 3)]
    assert len(remaining) == 2 and remaining[0] == f"journal-{entries[0].segment:08d}.jsonl"
    await journal.close()
    leftovers = await Journal(tmp_path).open()
    assert [e.data for e in leftovers] == [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 6}]


async def test_forgetting_a_segment_holds_neither_the_event_loop_nor_the_next_append(
    tmp_path: Path,
) -> None:
    """Deleting an applied segment syncs the database first (SQLite: an fsync of its WAL) and
    frees a big file: 5-15 ms that held every call's next step. It runs in a thread of its own;
    close() still waits for it."""
    syncing = threading.Event()
    release = threading.Event()

    def slow_durable() -> None:
        syncing.set()
        release.wait(5)

    journal = Journal(tmp_path, segment_entries=2, before_forget=slow_durable)
    await journal.open()
    entries = [await journal.append({"n": n}) for n in range(3)]
    started = time.perf_counter()
    journal.applied(entries[:2])
    assert time.perf_counter() - started < 0.5  # it did not wait for the sync
    assert await asyncio.to_thread(syncing.wait, 5)
    later = await asyncio.wait_for(journal.append({"n": 3}), 2)  # the journal thread is free
    assert later.segment == entries[2].segment
    assert len(list(tmp_path.glob("journal-*.jsonl"))) == 2  # not deleted before it is durable
    release.set()
    await journal.forgotten()
    assert len(list(tmp_path.glob("journal-*.jsonl"))) == 1
    await journal.close()


async def test_append_after_close_is_refused(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    await journal.open()
    await journal.close()
    with pytest.raises(RuntimeError, match="closed"):
        await journal.append({"late": True})


async def test_a_failed_write_is_not_left_counted_as_unapplied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path)
    await journal.open()

    def disk_full(fd: int, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module, "write_durably", disk_full)
    with pytest.raises(OSError, match="No space left"):
        await journal.append({"lost": True})
    monkeypatch.undo()
    assert journal.unapplied_count == 0
    kept = await journal.append({"kept": True})
    journal.applied([kept, Journal.unjournalled({"lost": True})])
    assert journal.unapplied_count == 0
    await journal.close()


async def test_an_unexpected_write_error_reaches_the_waiter_and_the_journal_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only OSError: whatever the write raises is the appender's answer; nobody hangs."""
    journal = Journal(tmp_path)
    await journal.open()

    def broken(fd: int, data: bytes) -> None:
        raise ValueError("a bug in the write")

    monkeypatch.setattr(journal_module, "write_durably", broken)
    with pytest.raises(ValueError, match="a bug"):
        await asyncio.wait_for(journal.append({"lost": True}), 5)
    monkeypatch.undo()
    kept = await asyncio.wait_for(journal.append({"kept": True}), 5)
    await asyncio.wait_for(journal.close(), 5)
    assert [e.data for e in await Journal(tmp_path).open()] == [kept.data]


async def test_append_soon_starts_the_write_in_the_callers_turn(tmp_path: Path) -> None:
    """The group commit starts before ``append_soon`` returns, with no loop turn between; the
    future is the entry once it is on disk."""
    journal = Journal(tmp_path)
    await journal.open()
    durable = journal.append_soon({"call": "a"})
    assert journal._writing  # the journal thread has the entry already
    entry = await asyncio.wait_for(durable, 5)
    assert entry.data == {"call": "a"} and entry.error is None
    await journal.close()
    assert [e.data for e in await Journal(tmp_path).open()] == [{"call": "a"}]


async def test_then_runs_before_the_waiter_wakes_even_for_a_cancelled_waiter(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path)
    await journal.open()
    seen: list[tuple[str, bool]] = []

    def then_of(name: str, durable: list[asyncio.Future[object]]) -> Callable[[object], None]:
        return lambda entry: seen.append((name, durable[0].done()))

    kept: list[asyncio.Future[object]] = []
    dropped: list[asyncio.Future[object]] = []
    kept.append(journal.append_soon({"n": 1}, then=then_of("kept", kept)))
    dropped.append(journal.append_soon({"n": 2}, then=then_of("dropped", dropped)))
    dropped[0].cancel()  # its caller went away: the entry is written and handed on all the same
    await asyncio.wait_for(kept[0], 5)
    await journal.close()  # waits for every write under way
    assert seen == [("kept", False), ("dropped", True)]
    assert [e.data for e in await Journal(tmp_path).open()] == [{"n": 1}, {"n": 2}]


async def test_append_soon_hands_back_an_entry_the_disk_refused_as_unjournalled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk must not stop a call: the entry comes back unjournalled with its error, for
    the caller to store another way, and it holds no segment back as unapplied."""
    journal = Journal(tmp_path)
    await journal.open()

    def disk_full(fd: int, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module, "write_durably", disk_full)
    handed: list[JournalEntry] = []
    entry = await asyncio.wait_for(journal.append_soon({"call": "b"}, then=handed.append), 5)
    assert handed == [entry]
    assert entry.segment == NOT_JOURNALLED and isinstance(entry.error, OSError)
    assert entry.data == {"call": "b"} and json.loads(entry.line) == entry.data
    assert journal.unapplied_count == 0
    monkeypatch.undo()
    await journal.close()


async def test_a_failing_hook_leaves_no_other_append_waiting(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    await journal.open()

    def broken(entry: JournalEntry) -> None:
        raise RuntimeError("a bug in a hook")

    first = journal.append_soon({"n": 1})  # alone in the first group commit
    durable = [journal.append_soon({"n": n}, then=broken) for n in (2, 3)]
    entries = await asyncio.wait_for(asyncio.gather(first, *durable), 5)
    assert [entry.data["n"] for entry in entries] == [1, 2, 3]
    await journal.close()


async def test_the_next_group_commit_starts_without_waiting_for_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries appended while a write runs are written as soon as it ends, by the journal
    thread itself: a busy event loop (here: blocked outright) delays only the wake-ups, never
    the next durable write."""
    journal = Journal(tmp_path)
    await journal.open()
    real_write = journal_module.write_durably
    first_started = threading.Event()

    def slow_first_write(fd: int, data: bytes) -> None:
        if not first_started.is_set():
            first_started.set()
            time.sleep(0.05)
        real_write(fd, data)

    monkeypatch.setattr(journal_module, "write_durably", slow_first_write)
    first = journal.append_soon({"n": 1})
    assert first_started.wait(5)
    second = journal.append_soon({"n": 2})  # the next group commit: the first is under way
    on_disk = b""
    for _ in range(100):  # the event loop stays blocked all along: no callback runs
        on_disk = b"".join(path.read_bytes() for path in tmp_path.glob("journal-*.jsonl"))
        if b'"n":2' in on_disk:
            break
        time.sleep(0.01)  # noqa: ASYNC251 (blocking the loop is the point)
    assert b'"n":2' in on_disk
    assert [e.data["n"] for e in await asyncio.wait_for(asyncio.gather(first, second), 5)] == [1, 2]
    await journal.close()
