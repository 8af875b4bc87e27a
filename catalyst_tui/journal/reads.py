"""What the app asks of the journal: today's counts for the risk gate, recent cycles, a cycle's proposals, and the
proposals left waiting."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from catalyst_tui.journal.records import (
    CycleEnded,
    CycleStarted,
    EntryKind,
    ProposalDecided,
    ProposalMade,
    TranscriptEntry,
)
from catalyst_tui.journal.store import Tx
from catalyst_tui.models import Check, CheckOutcome, Decision, DecisionKind, OrderType, Proposal, Side


@dataclass(frozen=True)
class CycleView:
    started: CycleStarted
    ended: CycleEnded | None  # None while the cycle runs, or if the process died during it
    transcript: tuple[TranscriptEntry, ...]


@dataclass(frozen=True)
class ProposalView:
    made: ProposalMade
    decided: ProposalDecided | None  # None while it waits for a decision


def order_count(tx: Tx, since: datetime) -> int:
    """New orders since `since`: a bracket counts once (its children are not new decisions), and every order the
    journal recorded counts, whatever the broker did with it: the limit is on attempts."""
    rows = tx.rows("SELECT COUNT(*) AS n FROM {s}orders WHERE created_at >= ? AND parent_intent_id IS NULL", since)
    return int(rows[0]["n"])


def realized_pnl(tx: Tx, since: datetime) -> dict[str, Decimal]:
    """Realised P&L by currency (IB's figure, net of the closing commission); the caller converts with IB's rates."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in tx.rows(
        "SELECT currency, realized_pnl FROM {s}fills WHERE executed_at >= ? AND realized_pnl IS NOT NULL", since
    ):
        totals[row["currency"]] += row["realized_pnl"]
    return dict(totals)


def cost_since(tx: Tx, since: datetime) -> Decimal:
    """What the model cost since `since` (USD), for the daily cap."""
    rows = tx.rows("SELECT cost_usd FROM {s}cycles WHERE started_at >= ? AND cost_usd IS NOT NULL", since)
    return sum((row["cost_usd"] for row in rows), Decimal(0))


def recent_cycles(tx: Tx, limit: int) -> list[CycleView]:
    """The last `limit` cycles, newest first, each with its whole transcript in order."""
    cycles = tx.rows("SELECT * FROM {s}cycles ORDER BY started_at DESC, id DESC LIMIT ?", limit)
    entries: dict[str, list[TranscriptEntry]] = defaultdict(list)
    ids = [c["id"] for c in cycles]
    if ids:
        marks = ", ".join("?" * len(ids))
        for row in tx.rows(f"SELECT * FROM {{s}}transcript WHERE cycle_id IN ({marks}) ORDER BY cycle_id, seq", *ids):
            entries[row["cycle_id"]].append(_entry(row))
    return [CycleView(_started(c), _ended(c), tuple(entries[c["id"]])) for c in cycles]


def proposals(tx: Tx, cycle_id: str) -> list[ProposalView]:
    rows = tx.rows("SELECT * FROM {s}proposals WHERE cycle_id = ? ORDER BY proposed_at, id", cycle_id)
    return [ProposalView(_proposal(tx, row), _decision(row)) for row in rows]


def pending_proposals(tx: Tx) -> list[ProposalMade]:
    """Every proposal still waiting for a decision, oldest first, in any cycle. At start-up these are a dead process's
    leftovers: the app expires them, and none may ever be executed later."""
    rows = tx.rows("SELECT * FROM {s}proposals WHERE decision IS NULL ORDER BY proposed_at, id")
    return [_proposal(tx, row) for row in rows]


def open_cycles(tx: Tx) -> list[str]:
    """Cycles started and never ended, oldest first. At start-up these are a dead process's: nothing will end them."""
    rows = tx.rows("SELECT id FROM {s}cycles WHERE ended_at IS NULL ORDER BY started_at, id")
    return [row["id"] for row in rows]


def _started(row: dict[str, Any]) -> CycleStarted:
    return CycleStarted(row["id"], row["started_at"], row["market"], row["trigger"], row["brain"], row["model"])


def _ended(row: dict[str, Any]) -> CycleEnded | None:
    if row["ended_at"] is None:
        return None
    return CycleEnded(
        row["id"], row["ended_at"], row["outcome"], row["input_tokens"], row["output_tokens"],
        row["cache_read_tokens"], row["cache_write_tokens"], row["cost_usd"], row["error"],
    )  # fmt: skip


def _entry(row: dict[str, Any]) -> TranscriptEntry:
    return TranscriptEntry(row["cycle_id"], row["seq"], row["at"], row["role"], EntryKind(row["kind"]), row["content"])


def _proposal(tx: Tx, row: dict[str, Any]) -> ProposalMade:
    check_rows = tx.rows("SELECT * FROM {s}proposal_checks WHERE proposal_id = ? ORDER BY position", row["id"])
    checks = tuple(
        Check(c["name"], CheckOutcome(c["outcome"]), c["measured"], c["limit_value"], c["detail"]) for c in check_rows
    )
    proposal = Proposal(
        proposal_id=row["id"], tool=row["tool"], symbol=row["symbol"], side=Side(row["side"]),
        quantity=row["quantity"], order_type=OrderType(row["order_type"]), limit_price=row["limit_price"],
        stop_loss=row["stop_loss"], take_profit=row["take_profit"], reason=row["reason"], cycle_id=row["cycle_id"],
        tool_use_id=row["tool_use_id"],
    )  # fmt: skip
    return ProposalMade(proposal, row["proposed_at"], checks)


def _decision(row: dict[str, Any]) -> ProposalDecided | None:
    if row["decision"] is None:
        return None
    decision = Decision(DecisionKind(row["decision"]), row["decided_by"], row["decided_at"], row["decision_reason"])
    return ProposalDecided(row["id"], decision)
