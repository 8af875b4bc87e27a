"""How many records per second the journal's writer commits, on SQLite and on a real PostgreSQL server, and how
long a single acknowledged write (an order intent, which the agent waits for) takes.

PostgreSQL is started from the machine's install exactly as the tests do (tests/postgres.py), with fsync on, as in
production.

    PYTHONPATH=. .venv/bin/python bench/journal_throughput.py [--records 20000] [--acks 500]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from catalyst_tui.journal import CycleStarted, EntryKind, IntentRecorded, Journal, TranscriptEntry
from catalyst_tui.models import Instrument, Market, Order, OrderType, Side
from tests.postgres import PostgresServer, require_postgres

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TENCENT = Instrument(Market.HK, "700", "SEHK", "HKD", "0700.HK")


async def measure(url: str, records: int, acks: int) -> tuple[float, float, float]:
    """(records/s for a burst of posted transcript lines, median and p99 ms of an awaited intent write)"""
    with tempfile.TemporaryDirectory() as spool:
        journal = Journal(url, Path(spool))
        await journal.open()
        await journal.write(CycleStarted("cyc-bench", T0, "HK", "command", "rules"))
        start = time.perf_counter()
        for seq in range(records):
            journal.post(TranscriptEntry("cyc-bench", seq, T0, "assistant", EntryKind.TEXT, f"token {seq} " * 8))
        await journal.caught_up()
        rate = records / (time.perf_counter() - start)
        waits = []
        for n in range(acks):
            order = Order(f"bench-{n}", TENCENT, Side.BUY, Decimal(100), OrderType.LIMIT, limit_price=Decimal("402.2"))
            begun = time.perf_counter()
            await journal.write(IntentRecorded(order, T0, "bench"))
            waits.append((time.perf_counter() - begun) * 1000)
        await journal.close()
    waits.sort()
    return rate, statistics.median(waits), waits[int(len(waits) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--acks", type=int, default=500)
    args = parser.parse_args()
    print(f"{platform.machine()}, {platform.python_version()}, {args.records} posted records, {args.acks} acked writes")
    print("| engine | posted records/s | acknowledged write, median | p99 |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        rate, median, p99 = asyncio.run(measure(f"sqlite:///{folder}/bench.sqlite3", args.records, args.acks))
        print(f"| SQLite (WAL, synchronous=FULL) | {rate:,.0f} | {median:.2f} ms | {p99:.2f} ms |")
    server = PostgresServer(require_postgres(), fsync=True)
    try:
        server.start()
        rate, median, p99 = asyncio.run(measure(server.new_database(), args.records, args.acks))
        print(f"| PostgreSQL 15 (fsync on, loopback) | {rate:,.0f} | {median:.2f} ms | {p99:.2f} ms |")
    finally:
        server.destroy()


if __name__ == "__main__":
    main()
