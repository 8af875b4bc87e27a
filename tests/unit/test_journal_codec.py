"""The spool's codec: every record comes back from its line exactly as it went in, and a line that is not a record
says so with a CodecError the spool can report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalyst_tui.journal.codec import CodecError, decode, encode
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
from catalyst_tui.models import BracketRole, Fill, Instrument, Market, Order, OrderStatus, OrderType, Side

D = Decimal
T0 = datetime(2026, 11, 20, 2, 0, 0, 123456, tzinfo=UTC)
HKT = timezone(timedelta(hours=8))
NEW_YORK_WINTER = timezone(timedelta(hours=-5))


def hk_instrument() -> Instrument:
    return Instrument(Market.HK, "700", "SEHK", "HKD", "0700.HK")


def us_instrument() -> Instrument:
    return Instrument(Market.US, "BRK B", "SMART", "USD", "BRK.B")


def stop_loss_order() -> Order:
    """A bracket child at the broker, partly filled: every field away from its default."""
    return Order(
        "brk-1:sl", hk_instrument(), Side.SELL, D("300"), OrderType.STOP, OrderStatus.SUBMITTED, limit_price=None,
        stop_price=D("398.00"), filled=D("100"), broker_order_id=4_100_000_123, role=BracketRole.STOP_LOSS,
        parent_intent_id="brk-1",
    )  # fmt: skip


CYCLE_ENDED = CycleEnded(
    "cyc-1", T0, "error", input_tokens=12_345, output_tokens=678, cache_read_tokens=9_000, cache_write_tokens=1_200,
    cost_usd=D("0.0123456789012345678901234567"), error="overloaded\nretry later",
)  # fmt: skip
PROPOSAL = ProposalMade(
    Proposal(
        "prop-1", "execute_trade", "0700.HK", Side.BUY, D("300"), OrderType.LIMIT, cycle_id="cyc-1",
        tool_use_id="toolu_01", limit_price=D("402.20"), stop_loss=D("398.00"), take_profit=D("410.50"),
        reason="breakout above VWAP",
    ),
    T0,
    checks=(
        Check("max_position_value", CheckOutcome.PASS, "120660.00", "200000", "HKD"),
        Check("daily_orders", CheckOutcome.WARN, "9", "10", "one order left today"),
        Check("stop_distance", CheckOutcome.FAIL, "0.4%", "1%"),
    ),
)  # fmt: skip
SOLD = Fill(
    "0001f4e8.67a1b2c3.01.01", hk_instrument(), Side.SELL, D("100"), D("402.20"), T0.astimezone(HKT),
    intent_id="brk-1:sl", commission=D("18.07"), realized_pnl=D("-1234.50"),
)  # fmt: skip
EXAMPLES: list[Record] = [
    CycleStarted("cyc-1", T0, "HK", "schedule", "claude", model="claude-sonnet-4"),
    CycleStarted("cyc-2", T0.astimezone(HKT), "all", "operator", "rules"),
    CYCLE_ENDED,
    TranscriptEntry("cyc-1", 3, T0, "user", EntryKind.TOOL_RESULT, 'bid 402.20 "ask"\n402.40\x1e\u00e9\U0001f4c8'),
    PROPOSAL,
    ProposalMade(Proposal("prop-2", "close_position", "BRK.B", Side.SELL, D("0.5"), OrderType.MARKET), T0),
    ProposalDecided(
        "prop-1", Decision(DecisionKind.EXPIRED, "restart", T0.astimezone(NEW_YORK_WINTER), "app restarted")
    ),
    IntentRecorded(stop_loss_order(), T0, reason="bracket stop", proposal_id="prop-1", cycle_id="cyc-1"),
    IntentRecorded(Order("buy-2", us_instrument(), Side.BUY, D(10), OrderType.MARKET), T0),
    OrderChanged(stop_loss_order(), T0, message="IB: Submitted"),
    FillRecorded(SOLD),
    FillRecorded(Fill("x-2", us_instrument(), Side.BUY, D("10"), D("410.00"), T0)),
    EquitySnapshot(T0, "DU1234567", "USD", D("100250.37"), D("50000.00"), D("200500.74"), D("-312.50")),
    EquitySnapshot(T0, "U7654321", "HKD", D("1E+6"), D("0"), D("0.00")),
    ErrorRecorded(T0, "broker", "IB error 201: Order rejected", cycle_id="cyc-1"),
    TradingStateChanged(T0, "trading", "halted", "daily loss limit reached"),
    DecisionLogged(T0, "no trade", "nothing up on volume\nsecond line", cycle_id="cyc-1"),
]


def test_the_examples_cover_every_record_type() -> None:
    assert {type(r) for r in EXAMPLES} == set(RECORD_TYPES)


@pytest.mark.parametrize("record", EXAMPLES, ids=lambda r: type(r).__name__)
def test_every_record_comes_back_exactly(record: Record) -> None:
    line = encode(record)
    back = decode(line)

    assert back == record
    # repr tells apart what == does not: Decimal('402.20') from Decimal('402.2'), +08:00 from UTC, an enum from its
    # value, a tuple of checks from a list.
    assert repr(back) == repr(record)


@pytest.mark.parametrize("record", EXAMPLES, ids=lambda r: type(r).__name__)
def test_a_record_is_one_line_the_spool_can_split(record: Record) -> None:
    line = encode(record)
    assert "\n" not in line
    assert "\x1e" not in line  # the spool's separator between a group's records


def test_nested_values_come_back_as_their_own_types() -> None:
    back = decode(encode(next(r for r in EXAMPLES if isinstance(r, OrderChanged))))
    assert isinstance(back, OrderChanged)
    o = back.order
    assert type(o) is Order and type(o.instrument) is Instrument
    assert (type(o.instrument.market), type(o.side), type(o.status), type(o.role)) == (
        Market, Side, OrderStatus, BracketRole,
    )  # fmt: skip
    assert (type(o.quantity), type(o.stop_price), type(o.filled)) == (Decimal, Decimal, Decimal)
    assert type(o.broker_order_id) is int
    assert back.at.tzinfo is not None and back.at == T0


money = st.decimals(allow_nan=False, allow_infinity=False)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets).map(
    lambda t: t.replace(fold=0)
)  # `fold` means nothing at a fixed offset, and isoformat rightly drops it


@given(at=instants, equity=money, cash=money, pnl=st.none() | money, account=st.text())
def test_any_decimal_and_any_aware_time_come_back_exactly(
    at: datetime, equity: Decimal, cash: Decimal, pnl: Decimal | None, account: str
) -> None:
    record = EquitySnapshot(at, account, "HKD", equity, cash, equity, pnl)
    back = decode(encode(record))
    assert repr(back) == repr(record)


def garbage() -> list[str]:
    good = encode(EXAMPLES[0])
    fill_line = encode(FillRecorded(SOLD))
    return [
        "",
        "not json",
        good[: len(good) // 2],  # a torn line
        "null",
        "[]",
        "{}",
        '{"type": "CycleStarted"}',
        '{"type": "NoSuchRecord", "data": {}}',
        '{"type": ["CycleStarted"], "data": {}}',
        '{"type": "CycleStarted", "data": {}}',  # fields missing
        '{"type": "CycleStarted", "data": "cyc-1"}',
        '{"type": "CycleStarted", "data": null}',
        good.replace('"market"', '"venue"'),  # a field this version does not know
        good.replace(T0.isoformat(), "yesterday"),
        good.replace(T0.isoformat(), "12"),
        fill_line.replace('"402.20"', '"four hundred"'),
        fill_line.replace('"SELL"', '"SHORT"'),
        fill_line.replace('"HK"', '"LSE"'),
        '{"type": "FillRecorded", "data": {"fill": "x-1"}}',
        '{"type": "FillRecorded", "data": {"fill": ["x-1"]}}',
        '{"type": "ProposalMade", "data": {"checks": 5}}',
    ]


@pytest.mark.parametrize("line", garbage())
def test_a_line_that_is_not_a_record_raises_codec_error(line: str) -> None:
    with pytest.raises(CodecError, match="not a journal record"):
        decode(line)
