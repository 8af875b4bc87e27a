"""The scan's daily bars, kept for the trading day, so a cycle does not ask IB for the whole universe's history again.

Fetching them cost one request a symbol, and ib_async holds requests to 45 a second (IB disconnects a client past
50): on a 50-symbol watchlist every scan waited a second or more, and the orders after it queued behind the bars.

Past sessions' bars do not change during the day. Today's bar, when IB gives one, is read by the scan for its open,
which is fixed once the session has begun, and for its volume only when the quote has none: for such a symbol the
bars are fetched afresh. Bars fetched before today's session began are fetched again once it has, or today's open
would be missed. A new trading day fetches everything anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from catalyst_tui.broker_models import Bar
from catalyst_tui.models import Quote

DURATION, BAR_SIZE = "30 D", "1 day"


class BarSource(Protocol):
    async def bars(self, symbol: str, duration: str = "30 D", bar_size: str = "1 day") -> list[Bar]: ...


@dataclass(frozen=True)
class _Kept:
    day: date  # the market's trading date when fetched
    began: bool  # today's session had begun: today's bar, if any, carries its open
    bars: tuple[Bar, ...]


class DailyBars:
    def __init__(self, source: BarSource) -> None:
        self.source = source
        self._kept: dict[str, _Kept] = {}  # one entry a symbol: a new day replaces the old one

    async def bars(self, symbol: str, today: date, began: bool, quote: Quote | None) -> list[Bar]:
        """About 30 daily bars, oldest first. `today` is the symbol's market date, `began` whether its session has
        begun today, `quote` the live one, whose volume the scan prefers to today's bar's."""
        kept = self._kept.get(symbol)
        if kept is not None and _usable(kept, today, began, quote):
            return list(kept.bars)
        found = await self.source.bars(symbol, DURATION, BAR_SIZE)
        if found:  # no bars is a gap the scan reports, and asks about again next time
            self._kept[symbol] = _Kept(today, began, tuple(found))
        return found


def _usable(kept: _Kept, today: date, began: bool, quote: Quote | None) -> bool:
    return kept.day == today and (kept.began or not began) and quote is not None and quote.volume is not None
