"""The journal as the app uses it, on both engines: acknowledged writes, reads, and a loop that never waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from catalyst_tui.journal import (
    CycleStarted,
    EntryKind,
    ErrorRecorded,
    IntentRecorded,
    Journal,
    JournalError,
    JournalState,
    RecordError,
    TranscriptEntry,
    open_store,
)
from catalyst_tui.models import Order, OrderType, Side
from tests.integration.journal.examples import T0, TENCENT


@pytest.fixture
async def journal(journal_url: str, tmp_path: Path) -> AsyncIterator[Journal]:
    opened = Journal(journal_url, tmp_path / "spool", retry_seconds=0.2)
    await opened.open()
    yield opened
    await opened.close()


def intent(intent_id: str, at: datetime) -> IntentRecorded:
    order = Order(intent_id, TENCENT, Side.BUY, Decimal(100), OrderType.LIMIT, limit_price=Decimal("402.20"))
    return IntentRecorded(order, at, reason="0700.HK above VWAP")


async def test_an_acknowledged_intent_counts_for_the_risk_gate_at_once(journal: Journal) -> None:
    assert await journal.order_count(T0) == 0
    await journal.write(intent("buy-1", T0 + timedelta(minutes=1)))
    await journal.write(intent("buy-2", T0 + timedelta(minutes=2)))
    assert await journal.order_count(T0) == 2
    assert await journal.order_count(T0 + timedelta(minutes=2)) == 1
    assert journal.status.state is JournalState.WRITING


async def test_posted_transcript_lines_arrive_in_order(journal: Journal) -> None:
    await journal.write(CycleStarted("cyc-1", T0, "HK", "operator", "rules"))
    for seq in range(50):
        journal.post(TranscriptEntry("cyc-1", seq, T0, "assistant", EntryKind.TEXT, f"line {seq}"))
    await journal.caught_up()
    [cycle] = await journal.recent_cycles(1)
    assert [e.content for e in cycle.transcript] == [f"line {seq}" for seq in range(50)]


async def test_a_refused_record_fails_its_own_write_and_no_other(journal: Journal) -> None:
    orphan = TranscriptEntry("no-such-cycle", 0, T0, "assistant", EntryKind.TEXT, "lost?")
    good = ErrorRecorded(T0, "broker", "farm 2104")
    results = await asyncio.gather(journal.write(orphan), journal.write(good), return_exceptions=True)
    assert isinstance(results[0], RecordError) and results[1] is None
    store = open_store(journal.target.display)
    try:
        assert [r["message"] for r in store.rows("SELECT message FROM {s}errors")] == ["farm 2104"]
    finally:
        store.close()


async def test_the_event_loop_runs_on_while_the_database_is_busy(journal: Journal, journal_url: str) -> None:
    """A write stuck behind another connection's lock must not hold up quotes, keys or the agent."""
    await journal.write(CycleStarted("cyc-1", T0, "HK", "operator", "rules"))
    blocker = open_store(journal_url)
    ticks = 0
    try:
        with blocker.transaction() as tx:
            _lock_transcript(tx, journal_url)
            write = asyncio.create_task(
                journal.write(TranscriptEntry("cyc-1", 0, T0, "assistant", EntryKind.TEXT, "after the lock"))
            )
            while ticks < 100:  # the loop keeps turning while the write waits on the lock
                await asyncio.sleep(0)
                ticks += 1
            assert not write.done()
        await write
    finally:
        blocker.close()
    [cycle] = await journal.recent_cycles(1)
    assert [e.content for e in cycle.transcript] == ["after the lock"]


def _lock_transcript(tx: object, url: str) -> None:
    """SQLite's BEGIN IMMEDIATE already holds the write lock; PostgreSQL needs the table locked."""
    if url.startswith("postgresql"):
        tx.execute("LOCK TABLE {s}transcript IN ACCESS EXCLUSIVE MODE")  # type: ignore[attr-defined]


async def test_an_unwritable_spool_and_database_fail_loudly(tmp_path: Path) -> None:
    """Nowhere to put a record: the caller hears it, and the status says no new trade may be recorded."""
    (tmp_path / "spool").write_text("a file where the spool directory should be")
    journal = Journal(f"sqlite:///{tmp_path / 'missing-dir' / 'x' / 'j.sqlite3'}", tmp_path / "spool")
    (tmp_path / "missing-dir").write_text("a file where the journal's directory should be")
    await journal.open()
    with pytest.raises(JournalError, match="spool failed"):
        await journal.write(intent("buy-1", T0))
    assert journal.status.state is JournalState.FAILED
    await journal.close()
