"""Exchange hours on the simulator's own clock, and the liquid/trading hours strings IB puts in contract details."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from brokers.sim.universe import Stock

HK = ZoneInfo("Asia/Hong_Kong")
NY = ZoneInfo("America/New_York")
_HK_CONTINUOUS = ((time(9, 30), time(12, 0)), (time(13, 0), time(16, 0)))
_HK_TRADING = ((time(9, 0), time(12, 0)), (time(13, 0), time(16, 10)))
_US_CONTINUOUS = ((time(9, 30), time(16, 0)),)
_US_TRADING = ((time(4, 0), time(20, 0)),)


class Sessions:
    """When each exchange trades; `always_open` makes every market trade around the clock."""

    def __init__(self, always_open: bool) -> None:
        self.always_open = always_open
        self._closed: dict[tuple[str, int], set[date]] = {}

    def zone(self, stock: Stock) -> ZoneInfo:
        return HK if stock.is_hk else NY

    def _trades_on(self, stock: Stock, day: date) -> bool:
        code = "XHKG" if stock.is_hk else "XNYS"
        key = (code, day.year)
        if key not in self._closed:
            self._closed[key] = set(holidays.financial_holidays(code, years=day.year))
        return day.weekday() < 5 and day not in self._closed[key]

    def is_open(self, stock: Stock, t: datetime) -> bool:
        if self.always_open:
            return True
        local = t.astimezone(self.zone(stock))
        if not self._trades_on(stock, local.date()):
            return False
        spans = _HK_CONTINUOUS if stock.is_hk else _US_CONTINUOUS
        return any(start <= local.time() < end for start, end in spans)

    def volume_weight(self, stock: Stock, t: datetime) -> float:
        """U-shaped intraday profile with a mean of one over the session: busy at the open and the close."""
        local = t.astimezone(self.zone(stock))
        open_at, close_at = (9.5, 16.0)
        hour = local.hour + local.minute / 60
        frac = min(max((hour - open_at) / (close_at - open_at), 0.0), 1.0)
        return 0.6 + 4.8 * (frac - 0.5) ** 2

    def hours(self, stock: Stock, start: datetime, days: int = 7, liquid: bool = True) -> str:
        """IB's format: `20261120:0930-20261120:1200;…;20261121:CLOSED`, in the exchange's zone."""
        zone = self.zone(stock)
        first = start.astimezone(zone).date()
        parts = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            d = f"{day:%Y%m%d}"
            if self.always_open:
                nxt = day + timedelta(days=1)
                parts.append(f"{d}:0000-{nxt:%Y%m%d}:0000")
            elif not self._trades_on(stock, day):
                parts.append(f"{d}:CLOSED")
            else:
                spans = (
                    (_HK_CONTINUOUS if liquid else _HK_TRADING)
                    if stock.is_hk
                    else (_US_CONTINUOUS if liquid else _US_TRADING)
                )
                parts += [f"{d}:{a:%H%M}-{d}:{b:%H%M}" for a, b in spans]
        return ";".join(parts)

    @staticmethod
    def zone_id(stock: Stock) -> str:
        return "Asia/Hong_Kong" if stock.is_hk else "US/Eastern"
