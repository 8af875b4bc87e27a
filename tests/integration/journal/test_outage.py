"""PostgreSQL goes away in the middle of a session and comes back: every record arrives once, in order."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from catalyst_tui.journal import (
    CycleStarted,
    EntryKind,
    Journal,
    JournalState,
    JournalUnavailable,
    TranscriptEntry,
    open_store,
)
from tests.integration.journal.examples import T0
from tests.postgres import PostgresServer

RECORDS = 1000
OUTAGE_SECONDS = 10


def line(seq: int) -> TranscriptEntry:
    return TranscriptEntry("cyc-1", seq, T0 + timedelta(seconds=seq), "assistant", EntryKind.TEXT, f"line {seq}")


def transcript_in_database(url: str) -> list[int]:
    store = open_store(url)
    try:
        return [row["seq"] for row in store.rows("SELECT seq FROM {s}transcript ORDER BY id")]
    finally:
        store.close()


async def test_a_ten_second_outage_mid_stream_loses_and_repeats_nothing(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = own_postgres.new_database()
    journal = Journal(url, tmp_path, retry_seconds=0.5)
    await journal.open()
    states: list[JournalState] = []
    journal.status_listeners.append(lambda status: states.append(status.state))
    await journal.write(CycleStarted("cyc-1", T0, "HK", "schedule", "rules"))
    stopping: asyncio.Future[None] | None = None
    for seq in range(RECORDS):
        await journal.write(line(seq))
        if seq == 300:  # the server goes down while the stream goes on
            stopping = asyncio.ensure_future(asyncio.to_thread(own_postgres.stop))
        if seq == 500 and stopping is not None:
            await stopping  # from here on the server is certainly down
    assert journal.status.state is JournalState.SPOOLING and journal.status.spooled > 0
    with pytest.raises(JournalUnavailable, match="spool"):
        await journal.order_count(T0)  # a count without the spooled records would be too low: refuse
    await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself, as long as the scenario says
    await asyncio.to_thread(own_postgres.start)
    await asyncio.wait_for(journal.caught_up(), timeout=30)
    assert journal.status.state is JournalState.WRITING and not list(tmp_path.glob("*.jsonl"))
    await journal.close()
    assert transcript_in_database(url) == list(range(RECORDS))
    assert [s for i, s in enumerate(states) if i == 0 or states[i - 1] is not s] == [
        JournalState.SPOOLING, JournalState.WRITING,
    ]  # fmt: skip


async def test_a_journal_opened_while_the_database_is_down_spools_until_it_is_up(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = own_postgres.new_database()
    own_postgres.stop()
    journal = Journal(url, tmp_path, retry_seconds=0.2)
    await journal.open()
    assert journal.status.state is JournalState.SPOOLING and "unavailable" in journal.status.reason
    await journal.write(CycleStarted("cyc-1", T0, "HK", "schedule", "rules"), line(0), line(1))
    await asyncio.to_thread(own_postgres.start)
    await asyncio.wait_for(journal.caught_up(), timeout=30)
    await journal.close()
    assert transcript_in_database(url) == [0, 1]


async def test_a_spool_left_by_a_dead_process_is_replayed_at_the_next_start(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = own_postgres.new_database()
    own_postgres.stop()
    first = Journal(url, tmp_path, retry_seconds=60)
    await first.open()
    await first.write(CycleStarted("cyc-1", T0, "HK", "schedule", "rules"), *(line(s) for s in range(5)))
    await first.close()  # the process ends with the database still down: the spool stays
    assert len(list(tmp_path.glob("*.jsonl"))) == 1
    own_postgres.start()
    second = Journal(url, tmp_path)
    await second.open()
    assert second.status.state is JournalState.WRITING
    await second.close()
    assert transcript_in_database(url) == [0, 1, 2, 3, 4]
