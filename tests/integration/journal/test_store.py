"""The journal's store on both engines: what is written comes back exact, a bracket is one order, a replayed record
changes nothing, a record with nothing to attach to is refused whole, and the schema upgrades in one piece or not at
all."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from catalyst_tui.journal import reads
from catalyst_tui.journal.errors import JournalVersionError, RecordError
from catalyst_tui.journal.migrations import CURRENT_VERSION, MIGRATIONS
from catalyst_tui.journal.reads import CycleView, ProposalView
from catalyst_tui.journal.records import (
    RECORD_TYPES,
    Check,
    CheckOutcome,
    CycleEnded,
    CycleStarted,
    Decision,
    DecisionKind,
    DecisionLogged,
    EntryKind,
    EquitySnapshot,
    ErrorRecorded,
    FillRecorded,
    IntentRecorded,
    OrderChanged,
    Proposal,
    ProposalDecided,
    ProposalMade,
    Record,
    TradingStateChanged,
    TranscriptEntry,
)
from catalyst_tui.journal.schema import current_version
from catalyst_tui.journal.store import Store, open_store
from catalyst_tui.journal.urls import parse_journal_url
from catalyst_tui.journal.writes import write_record
from catalyst_tui.models import BracketRole, Fill, Instrument, Order, OrderStatus, OrderType, Side
from tests.integration.journal.examples import APPLE, TENCENT
from tests.postgres import SUPERUSER, PostgresServer

D = Decimal
# A Friday morning in Hong Kong, 10:00 HKT, with microseconds so a truncated time would show.
T0 = datetime(2026, 11, 20, 2, 0, 0, 123456, tzinfo=UTC)
HKT = timezone(timedelta(hours=8))
TABLES = (
    "cycles", "transcript", "proposals", "proposal_checks", "orders", "fills", "order_events", "equity_snapshots",
    "errors", "trading_states", "decision_log",
)  # fmt: skip


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def order(intent_id: str, **changes: Any) -> Order:
    """A limit buy of 300 Tencent at 402.20, not yet at the broker, unless told otherwise."""
    fields: dict[str, Any] = {"instrument": TENCENT, "side": Side.BUY, "quantity": D(300)}
    fields |= {"order_type": OrderType.LIMIT, "limit_price": D("402.20")} | changes
    return Order(intent_id, **fields)


def fill(exec_id: str, time: datetime, realized_pnl: Decimal | None, instrument: Instrument | None = None) -> Fill:
    return Fill(
        exec_id, instrument or TENCENT, Side.SELL, D(100), D("402.20"), time, intent_id="sell-1",
        commission=D("18.07"), realized_pnl=realized_pnl,
    )  # fmt: skip


def proposal_made(
    proposal_id: str,
    made_at: datetime,
    tool: str,
    symbol: str,
    side: Side,
    quantity: Decimal,
    order_type: OrderType,
    cycle_id: str | None = None,
    checks: tuple[Check, ...] = (),
    **fields: Any,
) -> ProposalMade:
    """A proposal as the brain made it, with the gate's checks."""
    proposal = Proposal(proposal_id, tool, symbol, side, quantity, order_type, cycle_id=cycle_id, **fields)
    return ProposalMade(proposal, made_at, checks)


@contextmanager
def opened(url: str, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> Iterator[Store]:
    store = open_store(url, migrations=migrations)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def looked_at(url: str) -> Iterator[Store]:
    """A store that only looks: no migration, whatever version the journal is at."""
    store = Store(parse_journal_url(url))
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def store(journal_url: str) -> Iterator[Store]:
    with opened(journal_url) as fresh:
        yield fresh


def write(store: Store, *records: Record) -> None:
    """All of `records` in one transaction, as the journal's writer does."""
    with store.transaction() as tx:
        for record in records:
            write_record(tx, record)


def row_counts(store: Store) -> dict[str, int]:
    return {table: int(store.rows(f"SELECT COUNT(*) AS n FROM {{s}}{table}")[0]["n"]) for table in TABLES}


def assert_money(value: Any, expected: str) -> None:
    """Exactly the Decimal written, scale and all: never a float, never rounded."""
    assert type(value) is Decimal, f"{value!r} came back as {type(value).__name__}, not Decimal"
    assert value == D(expected)
    assert str(value) == expected


def assert_instant(value: Any, expected: datetime) -> None:
    """An aware UTC time, the same instant as written."""
    assert isinstance(value, datetime), f"{value!r} is not a datetime"
    assert value.utcoffset() == timedelta(0), f"{value!r} is not in UTC"
    assert value == expected


# -- Everything written comes back ----------------------------------------------------------------------------------


def test_a_cycle_comes_back_with_its_transcript_in_order(store: Store) -> None:
    started = CycleStarted("cyc-1", T0, "HK", "schedule", "claude", model="claude-sonnet-4")
    entries = (
        TranscriptEntry("cyc-1", 0, at(0.1), "system", EntryKind.TEXT, "HK session open; 3 candidates"),
        TranscriptEntry("cyc-1", 1, at(0.2), "assistant", EntryKind.THINKING, "0700.HK is above VWAP…"),
        TranscriptEntry("cyc-1", 2, at(0.3), "assistant", EntryKind.TOOL_CALL, '{"symbol": "0700.HK"}'),
        TranscriptEntry("cyc-1", 3, at(0.4), "user", EntryKind.TOOL_RESULT, "bid 402.20 ask 402.40\nvolume 1.2M"),
    )
    ended = CycleEnded(
        "cyc-1", at(1), "done", input_tokens=12_345, output_tokens=678, cache_read_tokens=9_000,
        cache_write_tokens=1_200, cost_usd=D("0.0123456789012345678"),
    )  # fmt: skip
    running = CycleStarted("cyc-2", at(5), "US", "operator", "rules")
    write(store, started, *reversed(entries), ended, running)

    cycles = store.run(lambda tx: reads.recent_cycles(tx, 5))

    assert cycles == [CycleView(running, None, ()), CycleView(started, ended, entries)]
    assert_money(cycles[1].ended.cost_usd, "0.0123456789012345678")
    assert_instant(cycles[1].started.at, T0)
    assert [c.started.cycle_id for c in store.run(lambda tx: reads.recent_cycles(tx, 1))] == ["cyc-2"]


def test_proposals_come_back_with_their_checks_and_decisions(store: Store) -> None:
    checks = (
        Check("max_position_value", CheckOutcome.PASS, measured="120660.00", limit="200000", detail="HKD"),
        Check("daily_orders", CheckOutcome.WARN, measured="9", limit="10", detail="one order left today"),
        Check("stop_distance", CheckOutcome.FAIL, measured="0.4%", limit="1%"),
    )
    made = ProposalMade(
        Proposal(
            "prop-1", "execute_trade", "0700.HK", Side.BUY, D(300), OrderType.LIMIT, cycle_id="cyc-1",
            tool_use_id="toolu_01", limit_price=D("402.20"), stop_loss=D("398.00"), take_profit=D("410.50"),
            reason="breakout above VWAP",
        ),
        at(0.5), checks=checks,
    )  # fmt: skip
    decided = ProposalDecided("prop-1", Decision(DecisionKind.REJECTED, "operator", at(0.7), reason="stop too tight"))
    waiting = proposal_made(
        "prop-2", at(0.6), "close_position", "0005.HK", Side.SELL, D(400), OrderType.MARKET, "cyc-1"
    )  # fmt: skip
    write(store, CycleStarted("cyc-1", T0, "HK", "schedule", "claude"), made, waiting, decided)

    views = store.run(lambda tx: reads.proposals(tx, "cyc-1"))

    assert views == [ProposalView(made, decided), ProposalView(waiting, None)]
    assert views[0].made.checks == checks
    assert_money(views[0].made.proposal.limit_price, "402.20")
    assert_money(views[0].made.proposal.stop_loss, "398.00")
    assert store.run(lambda tx: reads.proposals(tx, "cyc-other")) == []


def test_only_proposals_without_a_decision_are_pending_and_an_expiry_decides_them(store: Store) -> None:
    decided = proposal_made("prop-1", at(0.5), "execute_trade", "0700.HK", Side.BUY, D(300), OrderType.LIMIT, "cyc-1")
    waiting = proposal_made(
        "prop-2", at(0.6), "close_position", "0005.HK", Side.SELL, D(400), OrderType.MARKET, "cyc-1",
        checks=(Check("market_open", CheckOutcome.PASS, "open", "open"),),
    )  # fmt: skip
    approved = ProposalDecided("prop-1", Decision(DecisionKind.APPROVED, "operator", at(0.7)))
    write(store, CycleStarted("cyc-1", T0, "HK", "schedule", "claude"), decided, waiting, approved)

    assert store.run(reads.pending_proposals) == [waiting]

    write(store, ProposalDecided("prop-2", Decision(DecisionKind.EXPIRED, "restart", at(5), "app restarted")))

    assert store.run(reads.pending_proposals) == []
    [_, view] = store.run(lambda tx: reads.proposals(tx, "cyc-1"))
    assert view.decided is not None and view.decided.decision.kind is DecisionKind.EXPIRED


def test_orders_and_fills_keep_exact_prices_and_times(store: Store) -> None:
    intent = IntentRecorded(
        order("buy-1", stop_price=D("398.00")), at(1).astimezone(HKT), reason="0700.HK above VWAP",
        proposal_id="prop-1", cycle_id="cyc-1",
    )  # fmt: skip
    bought = Fill(
        "0001f4e8.67a1b2c3.01.01", TENCENT, Side.BUY, D(300), D("402.20"), at(2).astimezone(HKT),
        intent_id="buy-1", commission=D("18.07"),
    )  # fmt: skip
    proposal = proposal_made("prop-1", at(0.5), "execute_trade", "0700.HK", Side.BUY, D(300), OrderType.LIMIT, "cyc-1")
    write(store, CycleStarted("cyc-1", T0, "HK", "schedule", "claude"), proposal, intent, FillRecorded(bought))

    [row] = store.rows("SELECT * FROM {s}orders")
    assert {k: row[k] for k in ("intent_id", "symbol", "market", "currency", "side", "order_type", "role")} == {
        "intent_id": "buy-1", "symbol": "0700.HK", "market": "HK", "currency": "HKD", "side": "BUY",
        "order_type": "LMT", "role": "entry",
    }  # fmt: skip
    assert (row["parent_intent_id"], row["proposal_id"], row["cycle_id"]) == (None, "prop-1", "cyc-1")
    assert (row["reason"], row["status"], row["broker_order_id"]) == ("0700.HK above VWAP", "PendingSubmit", None)
    assert_money(row["quantity"], "300")
    assert_money(row["limit_price"], "402.20")
    assert_money(row["stop_price"], "398.00")
    assert_money(row["filled"], "0")
    assert_instant(row["created_at"], at(1))
    assert_instant(row["updated_at"], at(1))

    [row] = store.rows("SELECT * FROM {s}fills")
    assert (row["exec_id"], row["intent_id"], row["symbol"], row["market"], row["currency"], row["side"]) == (
        "0001f4e8.67a1b2c3.01.01", "buy-1", "0700.HK", "HK", "HKD", "BUY",
    )  # fmt: skip
    assert_money(row["quantity"], "300")
    assert_money(row["price"], "402.20")
    assert_money(row["commission"], "18.07")
    assert row["realized_pnl"] is None
    assert_instant(row["executed_at"], at(2))


def test_equity_errors_and_trading_states_come_back_exact(store: Store) -> None:
    equity = EquitySnapshot(
        at(3).astimezone(HKT), "DU1234567", "USD", D("100250.37"), D("50000.00"), D("200500.74"), D("-312.50")
    )
    no_pnl = EquitySnapshot(at(4), "DU1234567", "USD", D("100250.37"), D("50000.00"), D("200500.74"))
    error = ErrorRecorded(at(5), "broker", "IB error 201: Order rejected - margin", cycle_id="cyc-9")
    state = TradingStateChanged(at(6), "trading", "halted", "daily loss limit reached: -2.0% of equity")
    write(store, equity, no_pnl, error, state)

    first, second = store.rows("SELECT * FROM {s}equity_snapshots ORDER BY at")
    assert (first["record_id"], first["account_id"], first["currency"]) == (equity.record_id, "DU1234567", "USD")
    assert_instant(first["at"], at(3))
    assert_money(first["equity"], "100250.37")
    assert_money(first["cash"], "50000.00")
    assert_money(first["buying_power"], "200500.74")
    assert_money(first["daily_pnl"], "-312.50")
    assert second["daily_pnl"] is None

    [row] = store.rows("SELECT record_id, at, source, message, cycle_id FROM {s}errors")
    assert_instant(row.pop("at"), at(5))
    assert row == {"record_id": error.record_id, "source": "broker", "message": error.message, "cycle_id": "cyc-9"}

    [row] = store.rows("SELECT record_id, at, old_state, new_state, cause FROM {s}trading_states")
    assert_instant(row.pop("at"), at(6))
    assert row == {"record_id": state.record_id, "old_state": "trading", "new_state": "halted", "cause": state.cause}


# -- Orders: brackets, the risk gate's count, status history ----------------------------------------------------------


def test_a_bracket_counts_as_one_order_and_earlier_orders_do_not_count(store: Store) -> None:
    yesterday = IntentRecorded(order("buy-0"), at(-24 * 60))
    entry = order("brk-1")
    stop_loss = order(
        "brk-1:sl", side=Side.SELL, order_type=OrderType.STOP, limit_price=None, stop_price=D("398.00"),
        role=BracketRole.STOP_LOSS, parent_intent_id="brk-1",
    )  # fmt: skip
    take_profit = order(
        "brk-1:tp", side=Side.SELL, limit_price=D("410.50"), role=BracketRole.TAKE_PROFIT, parent_intent_id="brk-1"
    )
    rejected = order("buy-2", status=OrderStatus.REJECTED)
    write(
        store, yesterday, IntentRecorded(entry, T0), IntentRecorded(stop_loss, T0), IntentRecorded(take_profit, T0),
        IntentRecorded(rejected, at(5)),
    )  # fmt: skip

    def count(since: datetime) -> int:
        return store.run(lambda tx: reads.order_count(tx, since))

    assert count(T0) == 2  # the bracket once, and the rejected attempt: the limit is on attempts
    assert count(T0.astimezone(HKT)) == 2  # the same instant, told in Hong Kong time
    assert count(at(1)) == 1
    assert count(at(-25 * 60)) == 3
    assert count(at(6)) == 0
    children = store.rows("SELECT intent_id, role, parent_intent_id FROM {s}orders WHERE parent_intent_id IS NOT NULL")
    assert sorted((r["intent_id"], r["role"], r["parent_intent_id"]) for r in children) == [
        ("brk-1:sl", "stop_loss", "brk-1"), ("brk-1:tp", "take_profit", "brk-1"),
    ]  # fmt: skip


def test_order_changes_keep_history_and_the_order_follows_the_latest(store: Store) -> None:
    placed = IntentRecorded(order("buy-1"), T0, reason="breakout")
    changes = (
        OrderChanged(order("buy-1", status=OrderStatus.SUBMITTED, broker_order_id=41), at(1), "accepted"),
        OrderChanged(order("buy-1", status=OrderStatus.SUBMITTED, broker_order_id=41, filled=D(100)), at(2)),
        OrderChanged(order("buy-1", status=OrderStatus.FILLED, filled=D(300)), at(3), "filled at 402.20"),
    )
    write(store, placed)
    for change in changes:
        write(store, change)

    events = store.rows(
        "SELECT intent_id, at, status, broker_order_id, filled, message FROM {s}order_events ORDER BY id"
    )
    assert [(e["intent_id"], e["status"], e["broker_order_id"], e["message"]) for e in events] == [
        ("buy-1", "Submitted", 41, "accepted"),
        ("buy-1", "Submitted", 41, ""),
        ("buy-1", "Filled", None, "filled at 402.20"),
    ]
    for event, change in zip(events, changes, strict=True):
        assert_instant(event["at"], change.at)
        assert_money(event["filled"], str(change.order.filled))

    [row] = store.rows("SELECT * FROM {s}orders")
    assert (row["status"], row["broker_order_id"], row["reason"]) == ("Filled", 41, "breakout")  # the id stays known
    assert_money(row["filled"], "300")
    assert_instant(row["created_at"], T0)
    assert_instant(row["updated_at"], at(3))


def test_a_change_for_an_order_never_recorded_adds_it_as_found_at_the_broker(store: Store) -> None:
    found = order("manual-7", instrument=APPLE, side=Side.SELL, quantity=D(10), limit_price=D("189.99"))
    change = OrderChanged(replace(found, status=OrderStatus.SUBMITTED, broker_order_id=77), at(1), "reconciled")
    write(store, change)

    [row] = store.rows("SELECT * FROM {s}orders")
    assert (row["intent_id"], row["symbol"], row["currency"], row["side"]) == ("manual-7", "AAPL", "USD", "SELL")
    assert (row["status"], row["broker_order_id"], row["proposal_id"], row["cycle_id"]) == ("Submitted", 77, None, None)
    assert "found at the broker" in row["reason"]
    assert_money(row["limit_price"], "189.99")
    assert_instant(row["created_at"], at(1))
    [event] = store.rows("SELECT * FROM {s}order_events")
    assert (event["record_id"], event["intent_id"], event["status"]) == (change.record_id, "manual-7", "Submitted")


# -- Realised P&L for the risk gate -----------------------------------------------------------------------------------


def test_realized_pnl_sums_each_currency_since_a_time(store: Store) -> None:
    write(
        store,
        FillRecorded(fill("x-old", at(-60), D("9999.00"))),  # before `since`
        FillRecorded(fill("x-open", at(1), None)),  # an opening fill: no P&L
        FillRecorded(fill("x-win", at(2), D("1200.50"))),
        FillRecorded(fill("x-loss", at(3), D("-300.25"))),
        FillRecorded(fill("x-us", at(4).astimezone(HKT), D("-45.10"), APPLE)),
    )

    def pnl(since: datetime) -> dict[str, Decimal]:
        return store.run(lambda tx: reads.realized_pnl(tx, since))

    totals = pnl(T0)
    assert totals == {"HKD": D("900.25"), "USD": D("-45.10")}
    assert_money(totals["HKD"], "900.25")
    assert_money(totals["USD"], "-45.10")
    assert pnl(at(-120)) == {"HKD": D("10899.25"), "USD": D("-45.10")}
    assert pnl(at(4)) == {"USD": D("-45.10")}  # `since` itself is included
    assert pnl(at(5)) == {}


# -- Replays: a spool sent again after a commit whose answer was lost ------------------------------------------------


def every_record_type() -> list[Record]:
    """One batch with every kind of record, in an order the app could write them."""
    entry = order("brk-1")
    proposal = proposal_made(
        "prop-1", at(0.3), "execute_trade", "0700.HK", Side.BUY, D(300), OrderType.LIMIT, "cyc-1",
        limit_price=D("402.20"), checks=(Check("a", CheckOutcome.PASS), Check("b", CheckOutcome.WARN)),
    )  # fmt: skip
    return [
        CycleStarted("cyc-1", T0, "HK", "schedule", "claude", "claude-sonnet-4"),
        TranscriptEntry("cyc-1", 0, at(0.1), "assistant", EntryKind.TEXT, "buying Tencent"),
        TranscriptEntry("cyc-1", 1, at(0.2), "assistant", EntryKind.TOOL_CALL, "execute_trade"),
        proposal,
        ProposalDecided("prop-1", Decision(DecisionKind.APPROVED, "operator", at(0.4))),
        IntentRecorded(entry, at(0.5), "approved", "prop-1", "cyc-1"),
        IntentRecorded(order("brk-1:sl", role=BracketRole.STOP_LOSS, parent_intent_id="brk-1"), at(0.5)),
        OrderChanged(replace(entry, status=OrderStatus.SUBMITTED, broker_order_id=41), at(0.6)),
        OrderChanged(replace(entry, status=OrderStatus.FILLED, filled=D(300)), at(0.7)),
        FillRecorded(fill("x-1", at(0.7), None)),
        EquitySnapshot(at(0.8), "DU1234567", "HKD", D("1000000.00"), D("879340.00"), D("3000000.00")),
        ErrorRecorded(at(0.9), "brain", "tool call timed out", "cyc-1"),
        TradingStateChanged(at(0.95), "trading", "paused", "operator"),
        DecisionLogged(at(0.97), "no more trades", "enough for one cycle", "cyc-1"),
        CycleEnded("cyc-1", at(1), "done", 100, 20, cost_usd=D("0.0042")),
    ]


def snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    return {table: store.rows(f"SELECT * FROM {{s}}{table} ORDER BY 1, 2") for table in TABLES}


def test_writing_the_same_records_again_changes_nothing(store: Store) -> None:
    batch = every_record_type()
    assert {type(r) for r in batch} == set(RECORD_TYPES)
    write(store, *batch)
    before = snapshot(store)
    assert all(before.values()), {t: len(rows) for t, rows in before.items()}

    write(store, *batch)

    assert row_counts(store) == {t: len(rows) for t, rows in before.items()}
    assert snapshot(store) == before


def test_a_replayed_order_change_does_not_move_the_status_back(store: Store) -> None:
    submitted = OrderChanged(order("buy-1", status=OrderStatus.SUBMITTED, broker_order_id=41), at(1))
    filled = OrderChanged(order("buy-1", status=OrderStatus.FILLED, broker_order_id=41, filled=D(300)), at(2))
    write(store, IntentRecorded(order("buy-1"), T0), submitted, filled)

    for replay in ((submitted, filled), (submitted,)):  # the spool again, then a stale change on its own
        write(store, *replay)

        [row] = store.rows("SELECT status, filled, updated_at FROM {s}orders")
        assert row["status"] == "Filled"
        assert_money(row["filled"], "300")
        assert_instant(row["updated_at"], at(2))
        history = store.rows("SELECT status FROM {s}order_events ORDER BY id")
        assert [e["status"] for e in history] == ["Submitted", "Filled"]


# -- A record with nothing to attach to -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orphan", "missing"),
    [
        (ProposalDecided("prop-missing", Decision(DecisionKind.APPROVED, "operator", T0)), "proposal prop-missing"),
        (CycleEnded("cyc-missing", T0, "done"), "cycle cyc-missing"),
    ],
    ids=["decision-for-unknown-proposal", "end-of-unknown-cycle"],
)
def test_a_record_with_nothing_to_attach_to_is_refused_and_its_transaction_rolls_back(
    store: Store, orphan: Record, missing: str
) -> None:
    earlier = (CycleStarted("cyc-1", T0, "HK", "schedule", "claude"), ErrorRecorded(T0, "broker", "disconnected"))
    with pytest.raises(RecordError, match=missing):
        write(store, *earlier, orphan)

    assert row_counts(store) == dict.fromkeys(TABLES, 0)
    write(store, *earlier)  # the journal still takes good records
    assert (row_counts(store)["cycles"], row_counts(store)["errors"]) == (1, 1)


# -- Migrations -------------------------------------------------------------------------------------------------------


def test_a_version_1_journal_is_upgraded_with_its_rows_intact(journal_url: str) -> None:
    started = CycleStarted("cyc-1", T0, "HK", "schedule", "claude")
    entry = TranscriptEntry("cyc-1", 0, at(0.1), "assistant", EntryKind.TEXT, "buying Tencent")
    made = proposal_made(
        "prop-1", at(0.2), "execute_trade", "0700.HK", Side.BUY, D(300), OrderType.LIMIT, "cyc-1",
        limit_price=D("402.20"), checks=(Check("daily_orders", CheckOutcome.PASS, "1", "10"),),
    )  # fmt: skip
    decided = ProposalDecided("prop-1", Decision(DecisionKind.AUTO, "autopilot", at(0.3)))
    ended = CycleEnded("cyc-1", at(1), "done", cost_usd=D("0.0042"))
    with opened(journal_url, MIGRATIONS[:1]) as old:
        assert current_version(old) == 1
        write(
            old, started, entry, made, decided, IntentRecorded(order("buy-1"), at(0.4), "approved", "prop-1", "cyc-1"),
            FillRecorded(fill("x-1", at(0.5), D("-12.34"))), ended,
        )  # fmt: skip
        with pytest.raises(RecordError, match="order_events"):
            old.rows("SELECT * FROM {s}order_events")

    with opened(journal_url) as store:
        assert current_version(store) == CURRENT_VERSION
        assert store.run(lambda tx: reads.recent_cycles(tx, 5)) == [CycleView(started, ended, (entry,))]
        assert store.run(lambda tx: reads.proposals(tx, "cyc-1")) == [ProposalView(made, decided)]
        assert store.run(lambda tx: reads.order_count(tx, T0)) == 1
        assert store.run(lambda tx: reads.realized_pnl(tx, T0)) == {"HKD": D("-12.34")}

        write(
            store, OrderChanged(order("buy-1", status=OrderStatus.FILLED, broker_order_id=41, filled=D(300)), at(2)),
            EquitySnapshot(at(3), "DU1234567", "HKD", D("1000000.00"), D("879340.00"), D("3000000.00")),
            ErrorRecorded(at(4), "journal", "upgraded"), TradingStateChanged(at(5), "paused", "trading", "operator"),
            DecisionLogged(at(6), "no trade", "flat tape"),
        )  # fmt: skip
        [row] = store.rows("SELECT status, broker_order_id FROM {s}orders")
        assert (row["status"], row["broker_order_id"]) == ("Filled", 41)
        counts = row_counts(store)
        later = ("order_events", "equity_snapshots", "errors", "trading_states", "decision_log")
        assert [counts[t] for t in later] == [1, 1, 1, 1, 1]


def test_a_journal_newer_than_this_catalyst_is_refused_and_left_alone(journal_url: str) -> None:
    with opened(journal_url) as store:
        store.run(lambda tx: tx.execute("UPDATE {s}schema_version SET version = 99"))

    with pytest.raises(JournalVersionError, match=r"schema version 99\b.*upgrade Catalyst"):
        open_store(journal_url)

    with looked_at(journal_url) as untouched:
        assert untouched.rows("SELECT version FROM {s}schema_version") == [{"version": 99}]


@pytest.mark.parametrize(
    ("start", "absent"),
    [
        (CURRENT_VERSION, ("broken",)),
        (1, ("broken", "order_events", "equity_snapshots", "errors", "trading_states", "decision_log")),
    ],
    ids=["from-the-current-version", "from-version-1-through-the-current-one"],
)
def test_a_failing_migration_step_leaves_the_journal_as_it_was(
    journal_url: str, start: int, absent: tuple[str, ...]
) -> None:
    """From version 1, the good version-2 step runs in the same transaction as the broken one: it is undone too."""
    with opened(journal_url, MIGRATIONS[:start]) as old:
        write(old, CycleStarted("cyc-1", T0, "HK", "schedule", "claude"))
    broken = (*MIGRATIONS, ("CREATE TABLE {s}broken (x INTEGER)", "THIS IS NOT SQL"))

    with pytest.raises(RecordError, match="syntax error"):
        open_store(journal_url, migrations=broken)

    with looked_at(journal_url) as store:
        assert current_version(store) == start
        for table in absent:
            with pytest.raises(RecordError, match=table):
                store.rows(f"SELECT * FROM {{s}}{table}")
        assert [c.started.cycle_id for c in store.run(lambda tx: reads.recent_cycles(tx, 5))] == ["cyc-1"]
    with opened(journal_url) as store:  # the real upgrade still works afterwards
        assert current_version(store) == CURRENT_VERSION


# -- PostgreSQL: a shared database -----------------------------------------------------------------------------------


def shared_database(postgres: PostgresServer, owner: str) -> str:
    """A fresh database owned by `owner`, as a production database shared with other applications would be.

    The test server's superuser is named `catalyst`, and PostgreSQL's search_path starts with "$user": connected as
    that user, a table created without the `catalyst.` prefix would land in the catalyst schema anyway."""
    url = postgres.new_database()
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,)).fetchall():
            conn.execute(f"CREATE ROLE {owner} LOGIN")
        conn.execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} OWNER TO {owner}")
    return url.replace(f"//{SUPERUSER}@", f"//{owner}@")


def test_on_postgresql_everything_lives_in_the_catalyst_schema(postgres: PostgresServer) -> None:
    with opened(shared_database(postgres, "trading_desk")) as store:
        write(store, *every_record_type())
        assert current_version(store) == CURRENT_VERSION
        assert [c.started.cycle_id for c in store.run(lambda tx: reads.recent_cycles(tx, 5))] == ["cyc-1"]
        assert len(store.run(lambda tx: reads.proposals(tx, "cyc-1"))) == 1
        assert store.run(lambda tx: reads.order_count(tx, T0)) == 1
        assert store.run(lambda tx: reads.realized_pnl(tx, T0)) == {}
        tables = store.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'catalyst'")
        in_public = store.rows(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public'"
        )

    assert {t["table_name"] for t in tables} == {*TABLES, "schema_version"}
    assert in_public == []  # no table, index or sequence
