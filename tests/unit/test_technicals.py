from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalyst_tui.agent.technicals import (
    Levels,
    Technicals,
    atr,
    display,
    ema,
    macd,
    rsi,
    sma,
    support_resistance,
    technicals_of,
    vwap,
)
from catalyst_tui.broker_models import Bar

D = Decimal
START = datetime(2024, 3, 1)
TINY = D("1e-20")


def bar(high: str | int, low: str | int, close: str | int, volume: str | int = 1000, day: int = 0) -> Bar:
    c = D(close)
    return Bar(START + timedelta(days=day), c, D(high), D(low), c, D(volume))


def linear(count: int, first: int = 1) -> list[Decimal]:
    return [D(first + i) for i in range(count)]


def decimals(text: str) -> list[Decimal]:
    return [D(x) for x in text.split()]


# StockCharts ChartSchool RSI worksheet (Wilder's example): closes and the published RSI14 from the 15th close on.
RSI_CLOSES = decimals("""
    44.3389 44.0902 44.1497 43.6124 44.3278 44.8264 45.0955 45.4245 45.8433 46.0826 45.8931 46.0328 45.614 46.282
    46.282 46.0028 46.0328 46.4116 46.2222 45.6439 46.2122 46.2521 45.7137 46.4515 45.7835 45.3548 44.0288 44.1783
    44.2181 44.5672 43.4205 42.6628 43.1314""")
RSI_PUBLISHED = decimals("""
    70.53 66.32 66.55 69.41 66.36 57.97 62.93 63.26 56.06 62.38 54.71 50.42 39.99 41.46 41.87 45.46 37.30 33.08
    37.77""")


def test_sma_is_the_mean_of_the_last_n() -> None:
    assert sma(linear(30), 20) == D("20.5")  # (11 + … + 30) / 20
    assert sma([D(3)], 1) == D(3)
    assert sma(linear(19), 20) is None


def test_ema_is_seeded_with_the_sma_then_smoothed() -> None:
    # n=3: seed (1+2+3)/3 = 2, k = 2/4 = 0.5 → 2 + 0.5·(10-2) = 6 → 6 + 0.5·(4-6) = 5
    assert ema([D(1), D(2), D(3)], 3) == D(2)
    assert ema([D(1), D(2), D(3), D(10)], 3) == D(6)
    assert ema([D(1), D(2), D(3), D(10), D(4)], 3) == D(5)
    assert ema(linear(2), 3) is None


def test_ema_of_a_straight_line_lags_by_half_the_window() -> None:
    value = ema(linear(30), 20)  # steady lag (n-1)/2 = 9.5 below the last close, 30
    assert value is not None and abs(value - D("20.5")) < TINY


def test_rsi_matches_wilders_published_example() -> None:
    for end, published in enumerate(RSI_PUBLISHED, start=15):
        value = rsi(RSI_CLOSES[:end], 14)
        assert value is not None
        assert value.quantize(D("0.01")) == published, end


def test_rsi_small_hand_example() -> None:
    # changes +1, -0.5, +1 with n=2: seed gain 0.5, loss 0.25; then gain (0.5+1)/2 = 0.75, loss 0.25/2 = 0.125
    # RS = 6 → RSI = 100 - 100/7
    value = rsi([D(10), D(11), D("10.5"), D("11.5")], 2)
    assert value is not None and abs(value - (100 - D(100) / 7)) < TINY


def test_rsi_edges() -> None:
    assert rsi(linear(14)) is None  # 14 closes give only 13 changes
    assert rsi(linear(15)) == 100  # no losses: the textbook limit, a real reading
    assert rsi(list(reversed(linear(15)))) == 0  # no gains: 0 is a real reading too
    assert rsi([D(50)] * 30) is None  # flat: 0/0, no reading rather than an invented 50


def test_atr_uses_true_ranges_and_wilders_smoothing() -> None:
    bars = [
        bar(10, 10, 10),  # only supplies the previous close
        bar(11, 9, 10),  # TR 2
        bar(14, 11, 13),  # TR 4: the gap up from 10 counts
        bar(13, 10, 12),  # TR 3
        bar(12, 7, 8),  # TR 5
    ]
    assert atr(bars[:3], 3) is None
    assert atr(bars[:4], 3) == D(3)  # (2 + 4 + 3) / 3
    value = atr(bars, 3)  # (3·2 + 5) / 3
    assert value is not None and abs(value - D(11) / 3) < TINY


def test_macd_of_a_straight_line() -> None:
    # EMA12 lags 5.5 and EMA26 lags 12.5 behind a slope-1 line, so the MACD line is a constant 7
    result = macd(linear(40))
    assert result is not None
    line, signal, histogram = result
    assert abs(line - 7) < TINY and abs(signal - 7) < TINY and abs(histogram) < TINY
    assert macd(linear(33)) is None  # the signal line needs 26 + 9 - 1 = 34 closes
    assert macd(linear(34)) is not None


def test_vwap_weights_the_typical_price_by_volume() -> None:
    bars = [bar(11, 9, 10, volume=100), bar(12, 10, 11, volume=300)]  # typical 10 and 11
    assert vwap(bars) == D("10.75")  # (10·100 + 11·300) / 400
    assert vwap([]) is None
    assert vwap([bar(11, 9, 10, volume=0)]) is None


def test_support_and_resistance_from_swings() -> None:
    lows = [10, 8, 9, 7, 9, 11, 11]  # swing lows 8 and 7
    highs = [12, 11, 13, 12, 14, 13, 13]  # swing highs 13 and 14
    closes = ["11", "10", "12", "10", "13", "12", "12.5"]
    bars = [bar(h, lo, c, day=i) for i, (h, lo, c) in enumerate(zip(highs, lows, closes, strict=True))]
    # the nearest swing low below 12.5 is 8, the nearest swing high above it 13
    assert support_resistance(bars, 7) == Levels(D(7), D(14), D(8), D(13))
    assert support_resistance(bars, 8) is None


def test_support_and_resistance_fall_back_to_the_range() -> None:
    rising = [bar(c + 1, c - 1, c, day=c) for c in range(100, 110)]  # no swings at all
    assert support_resistance(rising, 10) == Levels(D(99), D(110), D(99), D(110))
    at_the_low = [bar(10, 10, 10), bar(10, 9, 9)]  # closes on the window's low: nothing below it
    assert support_resistance(at_the_low, 2) == Levels(D(9), D(10), None, D(10))


def test_bad_lookbacks_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        sma(linear(5), 0)
    with pytest.raises(ValueError):
        macd(linear(50), 26, 12)


def test_technicals_of_and_describe() -> None:
    daily = [bar(c + 1, c - 1, c, day=i) for i, c in enumerate(range(100, 140))]  # closes 100 … 139, TR 2 each
    intraday = [bar(140, 138, 139, volume=100), bar(141, 139, 140, volume=300)]  # typical 139 and 140
    tech = technicals_of(daily, intraday)
    assert tech.last == D(140)  # the intraday close is the latest price
    assert tech.rsi14 == 100
    assert tech.sma20 == D("129.5")
    assert tech.atr14 == D(2)
    assert tech.vwap == D("139.75")
    assert tech.levels == Levels(D(119), D(140), D(119), D(140))
    assert tech.atr_pct is not None and abs(tech.atr_pct - D(200) / 140) < TINY
    assert tech.describe() == (
        "RSI14 100.0, SMA20 129.50, EMA20 129.50, ATR14 2.00 (1.4%), MACD 7.00/7.00 (+0.00), VWAP 139.75, "
        "support 119.00, resistance 140.00, 20d range 119.00-140.00"
    )


def test_technicals_of_nothing_is_all_missing_and_says_so() -> None:
    tech = technicals_of([], [])
    assert tech == Technicals(None, None, None, None, None, None, None, None, None, None)
    assert tech.atr_pct is None
    assert tech.describe() == (
        "RSI14 n/a, SMA20 n/a, EMA20 n/a, ATR14 n/a, MACD n/a, VWAP n/a, support n/a, resistance n/a"
    )


def test_technicals_without_intraday_bars_use_the_daily_close() -> None:
    daily = [bar(c + 1, c - 1, c, day=i) for i, c in enumerate(range(100, 120))]
    tech = technicals_of(daily, [])
    assert (tech.last, tech.vwap, tech.macd) == (D(119), None, None)
    assert "VWAP n/a" in tech.describe() and "MACD n/a" in tech.describe()


def test_describe_shows_penny_stocks_with_four_places() -> None:
    daily = [bar(D("0.52"), D("0.48"), D("0.5"), day=i) for i in range(20)]  # flat: no RSI
    text = technicals_of(daily, []).describe()
    assert text == (
        "RSI14 n/a, SMA20 0.5000, EMA20 0.5000, ATR14 0.0400 (8.0%), MACD n/a, VWAP n/a, "
        "support 0.4800, resistance 0.5200, 20d range 0.4800-0.5200"
    )


def test_display_rounds_half_up_and_never_shows_minus_zero() -> None:
    assert display(D("2.345"), 2) == "2.35"  # banker's rounding would give 2.34
    assert display(D("-0.001"), 2, signed=True) == "+0.00"
    assert display(D("0.35"), 2, signed=True) == "+0.35"
    assert display(None, 2) == "n/a"


prices = st.decimals(min_value=D("0.001"), max_value=D(10000), places=3, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(prices, prices, prices, st.integers(0, 10**6)), max_size=45))
def test_odd_but_finite_input_never_raises(rows: list[tuple[Decimal, Decimal, Decimal, int]]) -> None:
    bars = [bar(max(a, b, c), min(a, b, c), c, volume=v, day=i) for i, (a, b, c, v) in enumerate(rows)]
    tech = technicals_of(bars, bars)
    assert tech.rsi14 is None or 0 <= tech.rsi14 <= 100
    assert tech.atr14 is None or tech.atr14 >= 0
    assert isinstance(tech.describe(), str)
