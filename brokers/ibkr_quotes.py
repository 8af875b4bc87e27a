"""Streaming quotes: the latest value per symbol with the time of its last tick, delayed data when IB says 354,
and every subscription restored after a reconnect."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from ib_async import IB, Contract, Ticker

from catalyst_tui.clock import Clock
from catalyst_tui.models import Instrument, Quote

log = logging.getLogger(__name__)

NOT_SUBSCRIBED = 354
DELAYED = 3
REUSE_FOR = timedelta(seconds=1)  # a quote built within this long, with no tick since, is given again


def decimal_or_none(value: float | None, allow_zero: bool = False) -> Decimal | None:
    """IB marks a missing value as NaN or -1 (and a missing price as 0): all of those are None, never 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value < 0 or (value == 0 and not allow_zero):
        return None
    return Decimal(str(value))


class Tick(NamedTuple):
    """When a symbol last ticked, by our clock, and in which batch of ticks."""

    time: datetime
    batch: int


class QuoteBook:
    def __init__(
        self,
        ib: IB,
        clock: Clock,
        stale_seconds: int,
        market_open: Callable[[Instrument, datetime], bool],
    ) -> None:
        self.ib, self.clock = ib, clock
        self.stale_after = timedelta(seconds=stale_seconds)
        self.market_open = market_open
        self.wanted: dict[str, tuple[Instrument, Contract]] = {}  # display → what to stream; survives reconnects
        self._tickers: dict[str, Ticker] = {}
        self._display_of: dict[Ticker, str] = {}  # the tickers streaming now → their symbol
        self._by_con_id: dict[int, str] = {}
        self._last_tick: dict[str, Tick] = {}
        self._batches = 0
        self._asked_at: dict[str, datetime] = {}
        self._built: dict[str, tuple[datetime, Tick | None, Quote]] = {}  # display → the quote last built, from what
        self.delayed_mode = False
        self.listeners: list[Callable[[list[Quote]], None]] = []
        ib.pendingTickersEvent += self._on_tickers
        ib.errorEvent += self._on_error

    def watch(self, instrument: Instrument, contract: Contract) -> None:
        """Stream this instrument from now on, and again after every reconnect."""
        if instrument.display in self.wanted:
            return
        self.wanted[instrument.display] = (instrument, contract)
        self._by_con_id[contract.conId] = instrument.display
        if self.ib.isConnected():
            self._request(instrument.display)

    def unwatch(self, instrument: Instrument) -> None:
        entry = self.wanted.pop(instrument.display, None)
        if entry is not None and self.ib.isConnected():
            self.ib.cancelMktData(entry[1])
        self._forget_ticker(instrument.display)
        self._built.pop(instrument.display, None)

    def restore(self) -> None:
        """A new connection has no subscriptions: ask for every wanted one again."""
        self._tickers.clear()
        self._display_of.clear()
        self._built.clear()
        if self.delayed_mode:
            self.ib.reqMarketDataType(DELAYED)
        for display in self.wanted:
            self._request(display)

    def _request(self, display: str) -> None:
        _, contract = self.wanted[display]
        self._asked_at[display] = self.clock.now()
        self._forget_ticker(display)
        ticker = self._tickers[display] = self.ib.reqMktData(contract)
        self._display_of[ticker] = display
        self._built.pop(display, None)

    def _forget_ticker(self, display: str) -> None:
        ticker = self._tickers.pop(display, None)
        if ticker is not None:
            self._display_of.pop(ticker, None)

    def _on_error(self, req_id: int, code: int, text: str, contract: Contract | None) -> None:
        if code != NOT_SUBSCRIBED or contract is None:
            return
        display = self._by_con_id.get(contract.conId)
        if display is None or display not in self.wanted:
            return
        log.info("no live data for %s (354): asking for delayed data", display)
        if not self.delayed_mode:
            self.delayed_mode = True
            self.ib.reqMarketDataType(DELAYED)
        self.ib.cancelMktData(self.wanted[display][1])
        self._request(display)

    def _on_tickers(self, tickers: set[Ticker]) -> None:
        """Stamp each symbol that ticked with this batch (its time, and its number, for a clock that stands still).

        Called for every batch of ticks from the socket, 2,000 ticks a second on a busy board: it only stamps;
        a quote is built when someone reads it."""
        self._batches += 1
        tick = Tick(self.clock.now(), self._batches)
        changed = [display for display in map(self._display_of.get, tickers) if display is not None]
        self._last_tick.update(dict.fromkeys(changed, tick))
        if changed and self.listeners:
            quotes = [q for q in (self.quote(d) for d in changed) if q is not None]
            for listener in list(self.listeners):
                listener(quotes)

    def quote(self, display: str) -> Quote | None:
        """The latest quote for a watched symbol; fields IB has not given are None.

        The console reads the quotes on screen ten times a second: a quote with no tick since it was built, less
        than `REUSE_FOR` ago, is the same quote (only its staleness could have turned, and it is a second late at
        most), so it is given again rather than built again."""
        now = self.clock.now()
        tick = self._last_tick.get(display)
        built = self._built.get(display)
        if built is not None and built[1] is tick and timedelta(0) <= now - built[0] < REUSE_FOR:
            return built[2]
        quote = self._build(display)
        if quote is not None:
            self._built[display] = (now, tick, quote)
        return quote

    def _build(self, display: str) -> Quote | None:
        entry, ticker = self.wanted.get(display), self._tickers.get(display)
        if entry is None:
            return None
        instrument = entry[0]
        tick = self._last_tick.get(display)
        last_tick = tick.time if tick is not None else None
        if ticker is None:
            return Quote(instrument, stale=self._is_stale(instrument, display, last_tick))
        return Quote(
            instrument=instrument, time=last_tick, bid=decimal_or_none(ticker.bid), ask=decimal_or_none(ticker.ask),
            last=decimal_or_none(ticker.last), bid_size=decimal_or_none(ticker.bidSize, allow_zero=True),
            ask_size=decimal_or_none(ticker.askSize, allow_zero=True),
            volume=decimal_or_none(ticker.volume, allow_zero=True), prev_close=decimal_or_none(ticker.close),
            delayed=ticker.marketDataType in (3, 4), stale=self._is_stale(instrument, display, last_tick),
        )  # fmt: skip

    def quotes(self) -> list[Quote]:
        return [q for q in (self.quote(d) for d in self.wanted) if q is not None]

    def _is_stale(self, instrument: Instrument, display: str, last_tick: datetime | None) -> bool:
        """No tick for `quote_stale_seconds` while the market is open (counted from the request if none yet)."""
        now = self.clock.now()
        if not self.market_open(instrument, now):
            return False
        since = last_tick or self._asked_at.get(display)
        return since is None or now - since > self.stale_after
