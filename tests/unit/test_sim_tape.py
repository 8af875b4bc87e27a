"""The bench tape's prices say when they were sent; the synthetic universe is made of symbols the console accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from brokers.sim.tape import PERIOD_MS, price_at, sent_at
from brokers.sim.universe import MAX_SYNTHETIC, STOCKS, synthetic
from catalyst_tui.markets import normalize

T = datetime(2026, 11, 20, 14, 30, 12, 345_000, tzinfo=UTC)


def test_a_tape_price_reads_back_as_the_millisecond_it_was_sent() -> None:
    price = price_at(T)
    assert Decimal(1000) <= price < Decimal(91000) and price.as_tuple().exponent == -2
    assert sent_at(price, T + timedelta(milliseconds=180)) == T  # read a moment later, on the screen


def test_a_price_read_across_the_period_boundary_is_not_taken_for_2_5_hours_earlier() -> None:
    end_of_period = datetime.fromtimestamp((T.timestamp() * 1000 // PERIOD_MS + 1) * PERIOD_MS / 1000 - 0.05, UTC)
    price = price_at(end_of_period)
    assert sent_at(price, end_of_period + timedelta(seconds=1)) == end_of_period.replace(
        microsecond=end_of_period.microsecond // 1000 * 1000
    )


def test_synthetic_stocks_are_distinct_nyse_symbols_the_console_accepts() -> None:
    stocks = synthetic(700)
    symbols = [s.symbol for s in stocks]
    assert symbols[:3] == ["ZAAA", "ZAAB", "ZAAC"] and len(set(symbols)) == 700
    assert not {s.symbol for s in STOCKS} & set(symbols) and not {s.con_id for s in STOCKS} & {s.con_id for s in stocks}
    assert all(normalize(s).display == s for s in symbols)
    with pytest.raises(ValueError, match="synthetic"):
        synthetic(MAX_SYNTHETIC + 1)
