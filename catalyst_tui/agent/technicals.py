"""Technical indicators computed locally from bars, so the model reads numbers instead of guessing them from a chart.

Everything here is pure arithmetic on `Decimal`: no I/O, no clock, no feed. Bars are oldest first. An indicator that
cannot be computed honestly — too few bars, or a division by zero — is `None`, never 0: a 0 that means "unknown"
reads as a real value downstream (an RSI of 0 is an extreme oversold signal, not a blank). Rounding happens only in
`Technicals.describe`, for display; the values themselves keep full precision.

A lookback `n` below 1 is a programming error and raises `ValueError`; odd *data* (flat prices, zero volume, zero
prices) never raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from catalyst_tui.broker_models import Bar

HUNDRED = Decimal(100)


def _check(n: int) -> None:
    if n < 1:
        raise ValueError(f"lookback must be at least 1, not {n}")


def sma(closes: Sequence[Decimal], n: int) -> Decimal | None:
    """The mean of the last `n` closes; None with fewer than `n`, since a shorter mean is a different indicator."""
    _check(n)
    if len(closes) < n:
        return None
    return sum(closes[-n:], Decimal(0)) / n


def _ema_series(values: Sequence[Decimal], n: int) -> list[Decimal]:
    """EMA values from index n-1 on, seeded with the SMA of the first n so the start does not hang on one close."""
    if len(values) < n:
        return []
    k = Decimal(2) / (n + 1)
    current = sum(values[:n], Decimal(0)) / n
    series = [current]
    for value in values[n:]:
        current += k * (value - current)
        series.append(current)
    return series


def ema(closes: Sequence[Decimal], n: int) -> Decimal | None:
    """Exponential moving average with k = 2/(n+1), seeded with the SMA of the first `n` closes; None with fewer.

    The seed makes the result depend only on the bars given (no warm-up guess), so the same bars always give the
    same number. On a straight-line series the SMA seed already sits at the EMA's steady lag of (n-1)/2.
    """
    _check(n)
    series = _ema_series(closes, n)
    return series[-1] if series else None


def _wilder(values: Sequence[Decimal], n: int) -> Decimal | None:
    """Wilder's smoothing: the mean of the first `n`, then avg = (avg·(n-1) + x)/n for each later value."""
    if len(values) < n:
        return None
    average = sum(values[:n], Decimal(0)) / n
    for value in values[n:]:
        average = (average * (n - 1) + value) / n
    return average


def rsi(closes: Sequence[Decimal], n: int = 14) -> Decimal | None:
    """Wilder's RSI over the whole series given (needs n+1 closes for n changes), 0 to 100.

    With no losses in the window the RSI is 100 (the textbook limit, and a real signal: price only rose). With
    neither gains nor losses — a flat series — it is None: 0/0 has no meaning, and printing 50 would invent a
    "neutral" reading the market never gave.
    """
    _check(n)
    if len(closes) < n + 1:
        return None
    changes = [b - a for a, b in pairwise(closes)]
    gain = _wilder([max(c, Decimal(0)) for c in changes], n)
    loss = _wilder([max(-c, Decimal(0)) for c in changes], n)
    assert gain is not None and loss is not None  # len(changes) >= n
    if loss == 0:
        return None if gain == 0 else HUNDRED
    return HUNDRED - HUNDRED / (1 + gain / loss)


def true_range(bar: Bar, prev_close: Decimal) -> Decimal:
    """The bar's range widened to include a gap from the previous close, so overnight jumps count as volatility."""
    return max(bar.high - bar.low, abs(bar.high - prev_close), abs(bar.low - prev_close))


def atr(bars: Sequence[Bar], n: int = 14) -> Decimal | None:
    """Wilder's average true range; needs n+1 bars because every true range uses the previous bar's close.

    The first bar only supplies a previous close (its own true range would ignore the gap), so the result is the
    same whether or not an older bar happened to be fetched.
    """
    _check(n)
    if len(bars) < n + 1:
        return None
    ranges = [true_range(bar, prev.close) for prev, bar in pairwise(bars)]
    return _wilder(ranges, n)


def macd(
    closes: Sequence[Decimal], fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[Decimal, Decimal, Decimal] | None:
    """(MACD line, signal line, histogram): EMA(fast) - EMA(slow), its EMA(signal), and their difference.

    Needs slow + signal - 1 closes (34 with the defaults): the signal line is seeded with the SMA of the first
    `signal` MACD values, like `ema`. None with fewer, rather than a signal line built from a shorter history.
    """
    for lookback in (fast, slow, signal):
        _check(lookback)
    if fast >= slow:
        raise ValueError(f"the fast EMA ({fast}) must be shorter than the slow one ({slow})")
    slow_series = _ema_series(closes, slow)
    fast_series = _ema_series(closes, fast)[slow - fast :]  # aligned: both start at index slow-1
    line = [f - s for f, s in zip(fast_series, slow_series, strict=True)]
    signal_series = _ema_series(line, signal)
    if not signal_series:
        return None
    return line[-1], signal_series[-1], line[-1] - signal_series[-1]


def typical_price(bar: Bar) -> Decimal:
    return (bar.high + bar.low + bar.close) / 3


def vwap(bars: Sequence[Bar]) -> Decimal | None:
    """Volume-weighted average of the typical price (high+low+close)/3 over the bars given.

    The caller passes today's intraday bars, so this is the session VWAP; None with no bars or no volume at all
    (before the first trade there is no average price to lean on).
    """
    volume = sum((b.volume for b in bars), Decimal(0))
    if volume == 0:
        return None
    return sum((typical_price(b) * b.volume for b in bars), Decimal(0)) / volume


@dataclass(frozen=True)
class Levels:
    """Price levels from the last `lookback` bars.

    `range_low`/`range_high` are the lowest low and highest high of the window. `support` is the nearest swing low
    below the last close — the highest one, a low strictly lower than the lows of the bars on either side — or the
    range low when no swing low sits below the close; `resistance` mirrors it with swing highs above. Either is
    None when nothing in the window lies on that side of the close (a close at the window's low has no support
    below it in these bars, and saying so is more honest than naming the close itself).
    """

    range_low: Decimal
    range_high: Decimal
    support: Decimal | None
    resistance: Decimal | None


def support_resistance(bars: Sequence[Bar], lookback: int = 20) -> Levels | None:
    """Range and nearest swing levels of the last `lookback` bars; None with fewer bars than the lookback.

    Swings need a bar on each side, so the window's first and last bars are never swings; the last bar still
    counts for the range. Three-bar swings are the simplest definition the model can check against a chart.
    """
    _check(lookback)
    if len(bars) < lookback:
        return None
    window = bars[-lookback:]
    close = window[-1].close
    range_low = min(b.low for b in window)
    range_high = max(b.high for b in window)
    inner = list(zip(window, window[1:], window[2:], strict=False))
    swing_lows = [b.low for a, b, c in inner if b.low < a.low and b.low < c.low and b.low < close]
    swing_highs = [b.high for a, b, c in inner if b.high > a.high and b.high > c.high and b.high > close]
    support = max(swing_lows) if swing_lows else (range_low if range_low < close else None)
    resistance = min(swing_highs) if swing_highs else (range_high if range_high > close else None)
    return Levels(range_low, range_high, support, resistance)


@dataclass(frozen=True)
class Technicals:
    """The indicators for one symbol at one moment, as `technicals_of` computed them; any may be None."""

    last: Decimal | None  # the latest close: intraday if intraday bars were given, else daily
    rsi14: Decimal | None
    sma20: Decimal | None
    ema20: Decimal | None
    atr14: Decimal | None
    macd: Decimal | None
    macd_signal: Decimal | None
    macd_hist: Decimal | None
    vwap: Decimal | None
    levels: Levels | None

    @property
    def atr_pct(self) -> Decimal | None:
        """ATR as a percentage of the last price: comparable across a HK$3 stock and a US$400 one."""
        if self.atr14 is None or not self.last:
            return None
        return self.atr14 / self.last * 100

    def describe(self) -> str:
        """One compact line for the model; a value that could not be computed reads "n/a", never 0."""
        places = price_places(self.last)

        def price(value: Decimal | None, signed: bool = False) -> str:
            return display(value, places, signed)

        macd_text = "n/a"
        if self.macd is not None and self.macd_signal is not None and self.macd_hist is not None:
            macd_text = f"{price(self.macd)}/{price(self.macd_signal)} ({price(self.macd_hist, signed=True)})"
        atr_text = price(self.atr14)
        if self.atr_pct is not None:
            atr_text += f" ({display(self.atr_pct, 1)}%)"
        parts = [
            f"RSI14 {display(self.rsi14, 1)}",
            f"SMA20 {price(self.sma20)}",
            f"EMA20 {price(self.ema20)}",
            f"ATR14 {atr_text}",
            f"MACD {macd_text}",
            f"VWAP {price(self.vwap)}",
        ]
        levels = self.levels
        if levels is None:
            parts.append("support n/a, resistance n/a")
        else:
            parts += [
                f"support {price(levels.support)}",
                f"resistance {price(levels.resistance)}",
                f"20d range {price(levels.range_low)}-{price(levels.range_high)}",
            ]
        return ", ".join(parts)


def price_places(price: Decimal | None) -> int:
    """Decimal places to show prices near `price`: 2, or 4 below 1 so a HK penny stock's moves do not round away."""
    return 2 if price is None or abs(price) >= 1 else 4


def display(value: Decimal | None, places: int, signed: bool = False) -> str:
    """`value` rounded half up to `places` for the model to read, or "n/a" when missing.

    For display only: Python's default for Decimal is banker's rounding, which surprises readers checking a number.
    """
    if value is None:
        return "n/a"
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00"
    return f"{rounded:+f}" if signed else f"{rounded:f}"


def technicals_of(daily_bars: Sequence[Bar], intraday_bars: Sequence[Bar]) -> Technicals:
    """All indicators for one symbol: trend and momentum from daily bars, VWAP from today's intraday bars.

    Daily bars are oldest first and may end with today's partial bar; intraday bars should be today's only, since
    VWAP is a session measure. Nothing here raises on short or odd input: missing pieces come back None.
    """
    closes = [b.close for b in daily_bars]
    macd_values = macd(closes)
    latest = intraday_bars[-1].close if intraday_bars else (daily_bars[-1].close if daily_bars else None)
    return Technicals(
        last=latest,
        rsi14=rsi(closes, 14),
        sma20=sma(closes, 20),
        ema20=ema(closes, 20),
        atr14=atr(daily_bars, 14),
        macd=None if macd_values is None else macd_values[0],
        macd_signal=None if macd_values is None else macd_values[1],
        macd_hist=None if macd_values is None else macd_values[2],
        vwap=vwap(intraday_bars),
        levels=support_resistance(daily_bars, 20),
    )
