"""The words the panes draw, tested without a screen: what the operator reads must mean the same in NO_COLOR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from catalyst_tui.broker_models import LinkPhase, LinkState
from catalyst_tui.markets import normalize
from catalyst_tui.models import BracketRole, Order, OrderStatus, OrderType, Position, Quote, Side
from widgets.orders import group_orders, order_cells
from widgets.positions import format_money, format_quantity, position_cells, total_cells
from widgets.quotes import (
    HEADER,
    LINE_WIDTH,
    age_text,
    format_change,
    format_price,
    format_volume,
    quote_cells,
    quote_flags,
    quote_line,
)
from widgets.status import banner_text, duration_text, status_text

D = Decimal
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TENCENT, AAPL = normalize("700"), normalize("AAPL")
CONNECTED = LinkState(LinkPhase.CONNECTED, NOW)


# Money, prices, quantities


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (D("-1234.565"), False, "-1,234.57"),
        (D("1234567.8"), False, "1,234,567.80"),
        (D("0.004"), True, "0.00"),
        (D("-0.004"), False, "0.00"),
        (D("12"), True, "+12.00"),
        (D("-12"), True, "-12.00"),
        (None, False, "-"),
        (D("NaN"), False, "-"),
    ],
)
def test_money_has_separators_two_decimals_and_never_shows_unknown_as_zero(
    value: Decimal | None, signed: bool, text: str
) -> None:
    assert format_money(value, signed=signed) == text


def test_prices_keep_the_digits_a_tick_needs_and_no_more() -> None:
    assert format_price(D("388.4")) == "388.40"
    assert format_price(D("0.435")) == "0.435"
    assert format_price(D("172.123456")) == "172.1235"
    assert format_price(D("12345.6")) == "12,345.60"
    assert format_price(None) == "-"
    assert format_price(D(0)) == "0.00"


def test_quantities_and_changes_and_volumes() -> None:
    assert [format_quantity(D(x)) for x in ("1000", "100.0", "-200", "0.50")] == ["1,000", "100", "-200", "0.5"]
    assert [format_change(x) for x in (D("2.2105"), D("-0.5"), D(0), None)] == ["+2.21%", "-0.50%", "0.00%", "-"]
    assert [format_volume(D(x)) for x in (0, 99999, 123456, 12345678, 12345678901)] == [
        "0", "99,999", "123.5K", "12.3M", "12.35B",
    ]  # fmt: skip
    assert format_volume(None) == "-"


# Quotes


def test_age_is_coarse_and_a_dash_before_the_first_tick() -> None:
    assert age_text(None) == "-"
    assert [age_text(timedelta(seconds=s)) for s in (0, 3.9, 59, 60, 150, 3600, 90000)] == [
        "0s", "3s", "59s", "1m", "2m", "1h", "1d",
    ]  # fmt: skip
    assert age_text(timedelta(seconds=-2)) == "0s"  # a tick stamped ahead of our clock is fresh


def test_flags_say_stale_and_delayed_in_words() -> None:
    assert quote_flags(Quote(TENCENT)) == ""
    assert quote_flags(Quote(TENCENT, stale=True)) == "STALE"
    assert quote_flags(Quote(TENCENT, delayed=True)) == "DLY"
    assert quote_flags(Quote(TENCENT, stale=True, delayed=True)) == "STALE DLY"
    assert quote_flags(None) == ""


def test_a_quote_line_shows_missing_values_as_dashes_never_zero() -> None:
    line = quote_line(quote_cells("AAPL", Quote(AAPL), NOW))
    assert line.split() == ["AAPL", "-", "-", "-", "-", "-", "-"]
    assert quote_line(quote_cells("MSFT", None, NOW)).split() == ["MSFT", "-", "-", "-", "-", "-", "-"]


def test_a_quote_line_lines_up_under_the_header_and_fits_a_pane() -> None:
    quote = Quote(TENCENT, NOW - timedelta(seconds=3), D("388.2"), D("388.4"), D("388.4"), volume=D(12345678),
                  prev_close=D("380"), delayed=True)  # fmt: skip
    line = quote_line(quote_cells("0700.HK", quote, NOW))
    assert line.split() == ["0700.HK", "388.40", "+2.21%", "388.20", "388.40", "3s", "DLY", "12.3M"]
    assert HEADER.index("Last") + len("Last") == line.index("388.40") + len("388.40")  # right-aligned together
    assert len(HEADER) <= LINE_WIDTH <= 78 and len(line) <= LINE_WIDTH


# Positions


def test_a_position_row_in_local_and_base_currency() -> None:
    position = Position(TENCENT, D(200), D("380"), D("390"), fx_rate=D("0.1282"))
    assert position_cells(position) == (
        "0700.HK", "HK", "200", "380.00", "390.00", "78,000.00", "9,999.60", "+2,000.00", "+256.40",
    )  # fmt: skip


def test_the_total_adds_base_values_and_says_what_it_left_out() -> None:
    priced = Position(AAPL, D(10), D("170"), D("180"), fx_rate=D(1))
    unpriced = Position(TENCENT, D(200), D("380"))
    no_rate = Position(TENCENT, D(100), D("380"), D("390"))
    assert total_cells([priced]) == ("TOTAL", "", "", "", "", "", "1,800.00", "", "+100.00")
    assert total_cells([priced, unpriced, no_rate])[5:] == ("2 excluded", "1,800.00", "", "+100.00")
    assert total_cells([unpriced])[6:] == ("-", "", "-")  # nothing known: a dash, not a reassuring 0.00


# Orders


def order(intent: str, role: BracketRole = BracketRole.ENTRY, parent: str | None = None, **kw: object) -> Order:
    kind = {BracketRole.STOP_LOSS: OrderType.STOP, BracketRole.TAKE_PROFIT: OrderType.LIMIT}.get(role, OrderType.LIMIT)
    fields: dict[str, object] = {"status": OrderStatus.SUBMITTED, "limit_price": D("380"), **kw}
    return Order(intent, TENCENT, Side.BUY, D(100), kind, role=role, parent_intent_id=parent, **fields)  # type: ignore[arg-type]


def test_bracket_legs_sit_under_their_entry_stop_before_target() -> None:
    rows = group_orders([
        order("ord-b"),
        order("ord-a:tp", BracketRole.TAKE_PROFIT, "ord-a"),
        order("ord-b:sl", BracketRole.STOP_LOSS, "ord-b", stop_price=D("370")),
        order("ord-a"),
        order("ord-a:sl", BracketRole.STOP_LOSS, "ord-a", stop_price=D("360")),
        order("ord-c", status=OrderStatus.FILLED),
    ])  # fmt: skip
    assert [(o.intent_id, label) for o, label in rows] == [
        ("ord-b", "ord-b"), ("ord-b:sl", "  └ stop"),
        ("ord-a", "ord-a"), ("ord-a:sl", "  └ stop"), ("ord-a:tp", "  └ target"),
    ]  # fmt: skip


def test_an_orphan_child_still_shows_and_names_its_bracket() -> None:
    rows = group_orders([
        order("ord-a", status=OrderStatus.FILLED),
        order("ord-a:tp", BracketRole.TAKE_PROFIT, "ord-a"),
        order("ord-a:sl", BracketRole.STOP_LOSS, "ord-a", stop_price=D("360")),
    ])  # fmt: skip
    assert [label for _, label in rows] == ["ord-a └ stop", "ord-a └ target"]


def test_an_order_row_shows_the_price_that_triggers_it_and_fills() -> None:
    stop = order("ord-a:sl", BracketRole.STOP_LOSS, "ord-a", stop_price=D("360"), limit_price=None, filled=D(40))
    assert order_cells(stop, "  └ stop") == ("  └ stop", "0700.HK", "BUY", "100", "STP", "360.00", "Submitted", "40/60")
    market = Order("ord-m", AAPL, Side.SELL, D(5), OrderType.MARKET)
    assert order_cells(market, "ord-m")[4:] == ("MKT", "MKT", "PendingSubmit", "0/5")


# Banner and status line


def test_the_banner_says_what_is_at_stake_without_colour() -> None:
    assert banner_text("SIMULATED", "SUPERVISED", "ACTIVE") == " SIMULATED | SUPERVISED | ACTIVE "
    assert banner_text("LIVE", "autopilot", "HALTED") == " !! LIVE !! | AUTOPILOT | !! HALTED !! "


def test_durations() -> None:
    assert [duration_text(timedelta(seconds=s)) for s in (-5, 45, 310, 7500)] == ["0s", "45s", "5m 10s", "2h 05m"]


def test_the_full_status_line_with_a_countdown_from_now() -> None:
    line = status_text(CONNECTED, "open", "closed", NOW + timedelta(minutes=5, seconds=10), NOW, D("-1234.56"),
                       "USD", D("0.42"), "", width=200)  # fmt: skip
    assert (
        line
        == "gateway connected | HKEX open | US closed | next cycle 02:05 (in 5m 10s) | P&L USD -1,234.56 | LLM USD 0.42"
    )


def test_the_next_cycle_is_shown_in_the_zone_of_now_and_due_when_past() -> None:
    hkt = NOW.astimezone(ZoneInfo("Asia/Hong_Kong"))
    line = status_text(CONNECTED, "open", "closed", NOW - timedelta(seconds=1), hkt, None, "HKD", None, width=200)
    assert "next cycle 09:59 (due)" in line and "P&L HKD -" in line and "LLM USD -" in line


def test_reconnecting_says_the_attempt_the_wait_and_why() -> None:
    link = LinkState(LinkPhase.RECONNECTING, NOW, attempt=3, next_try=NOW + timedelta(seconds=12),
                     reason="Connection refused\nby 127.0.0.1:4002")  # fmt: skip
    line = status_text(link, "open", "closed", None, NOW, None, "USD", None, width=200)
    assert line.startswith("gateway RECONNECTING (attempt 3, next try in 12s): Connection refused by 127.0.0.1:4002 |")
    down = LinkState(LinkPhase.DOWN, NOW, attempt=7, reason="gave up")
    assert status_text(down, "open", "closed", None, NOW, None, "USD", None).startswith(
        "gateway DOWN (attempt 7): gave up"
    )


def test_the_status_line_drops_the_note_first_then_the_cost() -> None:
    args = (CONNECTED, "open", "closed", NOW + timedelta(minutes=5, seconds=10), NOW, D("-1234.56"), "USD", D("0.42"))
    full = status_text(*args, note="journal spooling (3 waiting)", width=200)
    assert full.endswith("| LLM USD 0.42 | journal spooling (3 waiting)")
    at_80 = status_text(*args, note="journal spooling (3 waiting)")
    assert len(at_80) <= 80
    assert at_80 == "gateway connected | HKEX open | US closed | next in 5m 10s | P&L USD -1,234.56"
    no_note = status_text(*args, note="x" * 40, width=113)
    assert no_note.endswith("LLM USD 0.42")  # the note went before the cost did
    cut = status_text(*args, note="y" * 40, width=130)
    assert cut.endswith("| LLM USD 0.42 | " + "y" * 17 + "...") and len(cut) == 130


def test_the_link_state_survives_the_narrowest_line() -> None:
    link = LinkState(LinkPhase.RECONNECTING, NOW, attempt=12, next_try=NOW, reason="timeout " * 20)
    line = status_text(link, "closing auction", "after hours", NOW + timedelta(hours=3), NOW, D("-1234567.89"),
                       "USD", D("12.5"), "something went wrong")  # fmt: skip
    assert line == "gateway RECONNECTING #12 | HK auction | US post | P&L -1,234,567.89"
    down = LinkState(LinkPhase.DOWN, NOW, attempt=2, reason="IB Gateway is not running on 127.0.0.1:4002")
    line = status_text(down, "closing auction", "after hours", NOW + timedelta(hours=3), NOW, D("-1234.5"), "HKD", None)
    assert line == "gateway DOWN (attempt 2): IB Gateway i... | HK auction | US post | P&L -1,234.50"


@given(
    phase=st.sampled_from(list(LinkPhase)),
    attempt=st.integers(0, 10_000),
    reason=st.text(max_size=300),
    hk=st.sampled_from(["closed", "pre-open", "open", "lunch", "closing auction", "after hours"]),
    us=st.sampled_from(["closed", "pre-open", "open", "after hours"]),
    wait=st.none() | st.integers(-(10**6), 10**7),
    pnl=st.none() | st.decimals(-(10**12), 10**12, places=4, allow_nan=False),
    cost=st.none() | st.decimals(0, 10**6, places=4, allow_nan=False),
    note=st.text(max_size=300),
    width=st.integers(20, 200),
)
def test_the_status_line_always_fits_its_width(
    phase: LinkPhase, attempt: int, reason: str, hk: str, us: str, wait: int | None, pnl: Decimal | None,
    cost: Decimal | None, note: str, width: int,
) -> None:  # fmt: skip
    link = LinkState(phase, NOW, attempt=attempt, next_try=NOW + timedelta(seconds=attempt), reason=reason,
                     ib_link=attempt % 2 == 0, farms={"usfarm": attempt % 3 != 0})  # fmt: skip
    due = None if wait is None else NOW + timedelta(seconds=wait)
    line = status_text(link, hk, us, due, NOW, pnl, "USD", cost, note, width)
    assert cell_len(line) <= width
    assert "\n" not in line
