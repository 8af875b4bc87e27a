"""Historical bars for reqHistoricalData: deterministic per seed, ending at the simulated market's prices.

Daily bars walk back from the previous close; intraday bars lead up to the current price.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from brokers.sim.market import snap
from brokers.sim.universe import Stock

BAR_SECONDS = {
    "1 min": 60, "2 mins": 120, "3 mins": 180, "5 mins": 300, "10 mins": 600, "15 mins": 900,
    "30 mins": 1800, "1 hour": 3600, "1 day": 86400,
}  # fmt: skip
DURATION_SECONDS = {"S": 1, "D": 86400, "W": 7 * 86400, "M": 30 * 86400, "Y": 365 * 86400}
MAX_BARS = 2000
REGULAR_SECONDS = {True: 5 * 3600 + 30 * 60, False: 6 * 3600 + 30 * 60}  # a regular session: HKEX, NYSE


class HistoryError(ValueError):
    """A request IB would answer with error 321 or 162."""


@dataclass(frozen=True)
class Bar:
    date: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int


def parse_request(duration: str, bar_size: str) -> tuple[int, int]:
    """`"5 D"`, `"1 day"` → (duration seconds, bar seconds)."""
    size = BAR_SECONDS.get(bar_size.strip())
    amount, _, unit = duration.strip().partition(" ")
    if size is None or not amount.isdigit() or unit not in DURATION_SECONDS:
        raise HistoryError(f"Historical Market Data Service error message:invalid request {duration!r} {bar_size!r}")
    return int(amount) * DURATION_SECONDS[unit], size


def bars(stock: Stock, seed: int, end_price: Decimal, end: datetime, zone_name: str, zone, duration: str,
         bar_size: str, regular_hours: bool = False) -> list[Bar]:  # fmt: skip
    """`regular_hours` (useRTH=1): intraday bars of the regular session only, as IB sends them: 66 five-minute
    bars for an HKEX day, 78 for NYSE, not 288 for the whole clock."""
    span, size = parse_request(duration, bar_size)
    count = min(MAX_BARS, max(1, span // size if size < 86400 else span // 86400 * 5 // 7))
    if regular_hours and size < 86400:
        count = min(count, max(1, span // 86400) * REGULAR_SECONDS[stock.is_hk] // size)
    rng = random.Random(f"{seed}:{stock.symbol}:{bar_size}:{end.astimezone(zone).date()}")
    sigma = stock.volatility * math.sqrt(size / (252 * 6.5 * 3600) if size < 86400 else 1 / 252)
    closes = [float(end_price)]
    for _ in range(count - 1):
        closes.append(closes[-1] / math.exp(rng.gauss(0, sigma)))
    closes.reverse()
    stamps = _stamps(end.astimezone(zone), size, count)
    per_bar = stock.daily_volume * (size / 23400 if size < 86400 else 1)
    result = []
    for stamp, close, previous in zip(stamps, closes, [closes[0], *closes[:-1]], strict=True):
        wiggle = abs(rng.gauss(0, sigma)) * close
        high, low = max(close, previous) + wiggle, min(close, previous) - wiggle
        label = f"{stamp:%Y%m%d}" if size >= 86400 else f"{stamp:%Y%m%d %H:%M:%S} {zone_name}"
        volume = int(per_bar * rng.uniform(0.5, 1.5)) // stock.lot * stock.lot
        result.append(
            Bar(label, snap(stock, previous, False), snap(stock, high, True), snap(stock, low, False),
                snap(stock, close, False), volume)
        )  # fmt: skip
    return result


def _stamps(end: datetime, size: int, count: int) -> list[datetime]:
    if size < 86400:
        last = end - timedelta(seconds=end.timestamp() % size)
        return [last - timedelta(seconds=size * i) for i in reversed(range(count))]
    days: list[datetime] = []
    day = end - timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return list(reversed(days))
