"""Each record as SQL inside the caller's transaction. Every insert is keyed, so writing a record twice is harmless."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalyst_tui.journal.errors import RecordError
from catalyst_tui.journal.records import (
    CycleEnded,
    CycleStarted,
    DecisionLogged,
    EquitySnapshot,
    ErrorRecorded,
    FillRecorded,
    IntentRecorded,
    OrderChanged,
    ProposalDecided,
    ProposalMade,
    Record,
    TradingStateChanged,
    TranscriptEntry,
)
from catalyst_tui.journal.store import Tx
from catalyst_tui.models import Order


def write_record(tx: Tx, record: Record) -> None:
    _WRITERS[type(record)](tx, record)


def _cycle_started(tx: Tx, r: CycleStarted) -> None:
    tx.execute(
        "INSERT INTO {s}cycles (id, market, trigger, started_at, brain, model) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO NOTHING",
        r.cycle_id, r.market, r.trigger, r.at, r.brain, r.model,
    )  # fmt: skip


def _cycle_ended(tx: Tx, r: CycleEnded) -> None:
    changed = tx.execute(
        "UPDATE {s}cycles SET ended_at = ?, outcome = ?, input_tokens = ?, output_tokens = ?, cache_read_tokens = ?,"
        " cache_write_tokens = ?, cost_usd = ?, error = ? WHERE id = ?",
        r.at, r.outcome, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens, r.cost_usd,
        r.error, r.cycle_id,
    )  # fmt: skip
    _require(changed, f"the end of cycle {r.cycle_id}, which never started")


def _transcript(tx: Tx, r: TranscriptEntry) -> None:
    tx.execute(
        "INSERT INTO {s}transcript (cycle_id, seq, at, role, kind, content) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (cycle_id, seq) DO NOTHING",
        r.cycle_id, r.seq, r.at, r.role, r.kind, r.content,
    )  # fmt: skip


def _proposal_made(tx: Tx, r: ProposalMade) -> None:
    p = r.proposal
    added = tx.execute(
        "INSERT INTO {s}proposals (id, cycle_id, tool_use_id, tool, proposed_at, symbol, side, quantity, order_type,"
        " limit_price, stop_loss, take_profit, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO NOTHING",
        p.proposal_id, p.cycle_id, p.tool_use_id, p.tool, r.at, p.symbol, p.side, p.quantity, p.order_type,
        p.limit_price, p.stop_loss, p.take_profit, p.reason,
    )  # fmt: skip
    if not added:
        return
    tx.execute_many(
        "INSERT INTO {s}proposal_checks (proposal_id, position, name, outcome, measured, limit_value, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(p.proposal_id, n, c.name, c.outcome, c.measured, c.limit, c.detail) for n, c in enumerate(r.checks)],
    )  # one round trip for the gate's 25 checks, not 25: the agent waits for this write before anything is sent


def _proposal_decided(tx: Tx, r: ProposalDecided) -> None:
    d = r.decision
    changed = tx.execute(
        "UPDATE {s}proposals SET decision = ?, decided_by = ?, decision_reason = ?, decided_at = ? WHERE id = ?",
        d.kind, d.decided_by, d.reason, d.at, r.proposal_id,
    )  # fmt: skip
    _require(changed, f"a decision on proposal {r.proposal_id}, which was never recorded")


def _intent(tx: Tx, r: IntentRecorded) -> None:
    _insert_order(tx, r.order, r.at, r.reason, r.proposal_id, r.cycle_id)


def _order_changed(tx: Tx, r: OrderChanged) -> None:
    """The history row is the key: a replayed change adds nothing and moves the order's status nowhere."""
    o = r.order
    _insert_order(tx, o, r.at, "found at the broker; not placed by this journal", None, None)
    added = tx.execute(
        "INSERT INTO {s}order_events (record_id, intent_id, at, status, broker_order_id, filled, message)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO NOTHING",
        r.record_id, o.intent_id, r.at, o.status, o.broker_order_id, o.filled, r.message,
    )  # fmt: skip
    if added:
        tx.execute(
            "UPDATE {s}orders SET status = ?, filled = ?, broker_order_id = COALESCE(?, broker_order_id),"
            " updated_at = ? WHERE intent_id = ?",
            o.status, o.filled, o.broker_order_id, r.at, o.intent_id,
        )  # fmt: skip


def _insert_order(tx: Tx, o: Order, at: Any, reason: str, proposal_id: str | None, cycle_id: str | None) -> None:
    i = o.instrument
    tx.execute(
        "INSERT INTO {s}orders (intent_id, created_at, symbol, market, currency, side, quantity, order_type,"
        " limit_price, stop_price, role, parent_intent_id, proposal_id, cycle_id, reason, broker_order_id, status,"
        " filled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (intent_id) DO NOTHING",
        o.intent_id, at, i.display, i.market, i.currency, o.side, o.quantity, o.order_type, o.limit_price,
        o.stop_price, o.role, o.parent_intent_id, proposal_id, cycle_id, reason, o.broker_order_id, o.status,
        o.filled, at,
    )  # fmt: skip


def _fill(tx: Tx, r: FillRecorded) -> None:
    f, i = r.fill, r.fill.instrument
    tx.execute(
        "INSERT INTO {s}fills (exec_id, intent_id, symbol, market, currency, side, quantity, price, commission,"
        " realized_pnl, executed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (exec_id) DO NOTHING",
        f.exec_id, f.intent_id, i.display, i.market, i.currency, f.side, f.quantity, f.price, f.commission,
        f.realized_pnl, f.time,
    )  # fmt: skip


def _equity(tx: Tx, r: EquitySnapshot) -> None:
    tx.execute(
        "INSERT INTO {s}equity_snapshots (record_id, at, account_id, currency, equity, cash, buying_power, daily_pnl)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO NOTHING",
        r.record_id, r.at, r.account_id, r.currency, r.equity, r.cash, r.buying_power, r.daily_pnl,
    )  # fmt: skip


def _error(tx: Tx, r: ErrorRecorded) -> None:
    tx.execute(
        "INSERT INTO {s}errors (record_id, at, source, message, cycle_id) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (record_id) DO NOTHING",
        r.record_id, r.at, r.source, r.message, r.cycle_id,
    )  # fmt: skip


def _trading_state(tx: Tx, r: TradingStateChanged) -> None:
    tx.execute(
        "INSERT INTO {s}trading_states (record_id, at, old_state, new_state, cause) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (record_id) DO NOTHING",
        r.record_id, r.at, r.old, r.new, r.cause,
    )  # fmt: skip


def _decision_logged(tx: Tx, r: DecisionLogged) -> None:
    tx.execute(
        "INSERT INTO {s}decision_log (record_id, cycle_id, at, decision, reasoning) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (record_id) DO NOTHING",
        r.record_id, r.cycle_id, r.at, r.decision, r.reasoning,
    )  # fmt: skip


def _require(changed: int, what: str) -> None:
    if not changed:
        raise RecordError(f"the journal has no place for {what}")


_WRITERS: dict[type, Callable[[Tx, Any], None]] = {
    CycleStarted: _cycle_started,
    CycleEnded: _cycle_ended,
    TranscriptEntry: _transcript,
    ProposalMade: _proposal_made,
    ProposalDecided: _proposal_decided,
    IntentRecorded: _intent,
    OrderChanged: _order_changed,
    FillRecorded: _fill,
    EquitySnapshot: _equity,
    ErrorRecorded: _error,
    TradingStateChanged: _trading_state,
    DecisionLogged: _decision_logged,
}
