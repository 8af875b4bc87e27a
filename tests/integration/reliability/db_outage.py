"""What the PostgreSQL outage test and its soak in `bench/` share: what the spool holds, and whether each of those
records reached the database once and in order once it is back.

The journal's promise during an outage is that every record it acknowledged is in the spool, and that the spool
reaches the database whole, once, in order. These helpers check that promise record by record, against the rows.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalyst_tui.journal import (
    CycleEnded,
    CycleStarted,
    DecisionLogged,
    EquitySnapshot,
    ErrorRecorded,
    FillRecorded,
    IntentRecorded,
    Journal,
    OrderChanged,
    ProposalDecided,
    ProposalMade,
    Record,
    TradingStateChanged,
    TranscriptEntry,
    open_store,
)
from catalyst_tui.journal.spool import Group, Spool

# Where each kind of record lands, and the condition that finds its row. Tables with an auto-numbered id keep the
# order rows arrived in; the rest are keyed by the record's own id.
Where = tuple[str, str, Callable[[Any], tuple[object, ...]]]
ROWS: dict[type, Where] = {
    CycleStarted: ("cycles", "id = ?", lambda r: (r.cycle_id,)),
    CycleEnded: ("cycles", "id = ? AND outcome = ?", lambda r: (r.cycle_id, r.outcome)),
    TranscriptEntry: ("transcript", "cycle_id = ? AND seq = ? AND content = ?", lambda r: (r.cycle_id, r.seq,
                                                                                             r.content)),
    ProposalMade: ("proposals", "id = ?", lambda r: (r.proposal.proposal_id,)),
    ProposalDecided: ("proposals", "id = ? AND decision = ?", lambda r: (r.proposal_id, str(r.decision.kind))),
    IntentRecorded: ("orders", "intent_id = ?", lambda r: (r.order.intent_id,)),
    OrderChanged: ("order_events", "record_id = ?", lambda r: (r.record_id,)),
    FillRecorded: ("fills", "exec_id = ?", lambda r: (r.fill.exec_id,)),
    EquitySnapshot: ("equity_snapshots", "record_id = ?", lambda r: (r.record_id,)),
    ErrorRecorded: ("errors", "record_id = ?", lambda r: (r.record_id,)),
    TradingStateChanged: ("trading_states", "record_id = ?", lambda r: (r.record_id,)),
    DecisionLogged: ("decision_log", "record_id = ?", lambda r: (r.record_id,)),
}  # fmt: skip
NUMBERED = {"transcript", "order_events", "equity_snapshots", "errors", "trading_states", "decision_log"}


def spooled(journal: Journal, spool_dir: Path) -> list[Group]:
    """What waits in the journal's spool now, read from a copy so the live file is never touched."""
    live = spool_dir / journal.target.spool_name
    if not live.exists():
        return []
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / live.name
        shutil.copyfile(live, copy)
        return Spool(copy).read()


@dataclass(frozen=True)
class Landing:
    """How the spooled records fared in the database."""

    records: int
    missing: list[Record]
    repeated: list[Record]
    out_of_order: list[str]  # tables whose rows arrived in another order than the spool's
    kinds: Counter[str]

    @property
    def lost(self) -> int:
        return len(self.missing)


def landing(url: str, groups: Sequence[Group]) -> Landing:
    """Looks up every spooled record's row: missing, found more than once, or found in another order."""
    records = [r for g in groups for r in g]
    missing: list[Record] = []
    repeated: list[Record] = []
    ids: dict[str, list[int]] = {}
    store = open_store(url)
    try:
        for record in records:
            table, condition, key = ROWS[type(record)]
            column = "id" if table in NUMBERED else "NULL"
            rows = store.rows(f"SELECT {column} AS n FROM {{s}}{table} WHERE {condition}", *key(record))
            if not rows:
                missing.append(record)
            elif len(rows) > 1:
                repeated.append(record)
            elif table in NUMBERED:
                ids.setdefault(table, []).append(int(rows[0]["n"]))
    finally:
        store.close()
    out_of_order = [table for table, seen in ids.items() if seen != sorted(seen)]
    return Landing(len(records), missing, repeated, out_of_order, Counter(type(r).__name__ for r in records))
