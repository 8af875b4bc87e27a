"""The one piece of Catalyst that talks to Interactive Brokers, over ib_async.

Everything above it (agent tools, risk gate, TUI) uses `IbkrBroker` and the domain records it returns, never
ib_async directly. Parts live beside it: the link (`ibkr_link`), contracts, quotes, orders and conversions.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ib_async import IB, PortfolioItem, Trade
from ib_async import Fill as IbFill

from brokers.ibkr_contracts import Contracts, UnknownInstrument, instrument_of
from brokers.ibkr_link import ConnectError, Link
from brokers.ibkr_orders import OrderDesk
from brokers.ibkr_quotes import QuoteBook
from brokers.ibkr_views import account_from, fill_from, local_date, order_from, position_from
from catalyst_tui.broker_models import (
    Bar,
    Headline,
    InstrumentDetails,
    LinkPhase,
    LinkState,
    Reconciliation,
    TradeResult,
)
from catalyst_tui.clock import Clock
from catalyst_tui.config.schema import BrokerSettings
from catalyst_tui.markets import sessions
from catalyst_tui.models import Account, Fill, Instrument, Order, OrderType, Position, Quote, Side

__all__ = ["ConnectError", "IbkrBroker", "UnknownInstrument"]
log = logging.getLogger(__name__)


class IbkrBroker:
    def __init__(self, settings: BrokerSettings, clock: Clock, quote_stale_seconds: int = 30,
                 rng: random.Random | None = None) -> None:  # fmt: skip
        self.clock = clock
        self.ib = IB()
        self.contracts = Contracts(self.ib, clock)
        self.quotes = QuoteBook(self.ib, clock, quote_stale_seconds, self.market_open)
        self.link = Link(self.ib, settings, clock, self._reconcile, self.quotes.restore, rng)
        self.orders = OrderDesk(self.ib, self.contracts, self.quotes, self._why_not)
        self.fill_listeners: list[Callable[[Fill], None]] = []
        self.order_listeners: list[Callable[[Order], None]] = []  # every status IB reports, for the journal
        self.last_reconciliation: Reconciliation | None = None
        self._seen_exec_ids: set[str] = set()
        self._caught_up: list[Fill] = []  # fills ib_async replayed while (re)connecting: they happened while away
        self.ib.commissionReportEvent += self._on_commission
        self.ib.updatePortfolioEvent += self._on_portfolio
        self.ib.orderStatusEvent += self._on_order_status
        self._watch_tasks: set[asyncio.Task[list[str]]] = set()

    # Connection

    @property
    def state(self) -> LinkState:
        return self.link.state

    async def connect(self) -> None:
        """Connect once, raising ConnectError with the reason (for `catalyst check`)."""
        await self.link.connect()

    async def start(self) -> None:
        """Connect, and keep reconnecting for as long as the broker runs."""
        await self.link.start()

    async def stop(self) -> None:
        await self.link.stop()

    def server_version(self) -> int:
        return self.ib.client.serverVersion()

    def accounts(self) -> list[str]:
        return list(self.ib.managedAccounts())

    def _why_not(self) -> str | None:
        state = self.link.state
        if state.phase is LinkPhase.RECONCILING:
            return "reconciling with IB after a reconnect; orders wait until open orders and fills are re-read"
        if state.phase is not LinkPhase.CONNECTED:
            return f"not connected to IB Gateway ({state.phase.value}{': ' + state.reason if state.reason else ''})"
        if not state.ib_link:
            return "IB Gateway has lost its own connection to IB (1100)"
        return None

    async def _reconcile(self) -> None:
        """After every connect: re-read everything the broker holds, match it to intents, report missed fills."""
        self.orders.pending.clear()
        await self.ib.reqAllOpenOrdersAsync()
        await self.ib.reqCompletedOrdersAsync(apiOnly=False)
        await self.ib.reqExecutionsAsync()
        await self.ib.reqPositionsAsync()
        unseen = [self._report(f) for f in self.ib.fills() if f.execution.execId not in self._seen_exec_ids]
        missed, self._caught_up = self._caught_up + unseen, []
        done = {t.order.orderRef for t in self.ib.trades() if t.isDone() and t.order.orderRef}
        self.last_reconciliation = Reconciliation(tuple(self.open_orders()), frozenset(done), tuple(missed))
        if missed:
            log.info("reconciled: %d fill(s) happened while disconnected", len(missed))
        self.quotes.restore()
        await self.watch([instrument_of(p.contract).display for p in self.ib.positions() if p.position])

    def _on_portfolio(self, item: PortfolioItem) -> None:
        """Every held symbol streams quotes, whether or not it is on the watchlist."""
        display = instrument_of(item.contract).display
        if item.position and display not in self.quotes.wanted:
            task = asyncio.create_task(self.watch([display]), name="ibkr-watch-position")
            self._watch_tasks.add(task)
            task.add_done_callback(self._watch_tasks.discard)

    def _on_order_status(self, trade: Trade) -> None:
        order = order_from(trade)
        for listener in list(self.order_listeners):
            listener(order)

    def _on_commission(self, trade: Trade, fill: IbFill, report: object) -> None:
        if fill.execution.execId not in self._seen_exec_ids:
            record = self._report(fill)
            if self.link.state.phase is not LinkPhase.CONNECTED:
                self._caught_up.append(record)

    def _report(self, fill: IbFill) -> Fill:
        self._seen_exec_ids.add(fill.execution.execId)
        record = fill_from(fill)
        for listener in list(self.fill_listeners):
            listener(record)
        return record

    # Instruments and quotes

    async def details(self, symbol: str) -> InstrumentDetails:
        return await self.contracts.details(symbol)

    def market_open(self, instrument: Instrument, t: datetime) -> bool:
        """IB's liquid hours once the contract is known (they include holidays), else the offline calendar."""
        known = self.contracts.cached(instrument)
        return known.is_open(t) if known is not None else sessions.is_open(instrument.market, t)

    async def watch(self, symbols: list[str]) -> list[str]:
        """Stream quotes for these symbols; returns the ones that could not be watched, with why."""
        problems = []
        for symbol in symbols:
            try:
                details = await self.contracts.details(symbol)
            except UnknownInstrument as exc:
                problems.append(str(exc))
                continue
            except (ConnectionError, TimeoutError) as exc:
                problems.append(f"{symbol}: not connected ({exc or 'timeout'}); it is watched after the reconnect")
                continue
            self.quotes.watch(details.instrument, self.contracts.contract(details.instrument))
        return problems

    def quote(self, symbol: str) -> Quote | None:
        return self.quotes.quote(self.contracts.resolve(symbol).display)

    # Account

    def account(self) -> Account | None:
        account_id = self.link.state.account_id
        return account_from(account_id, self.ib.accountValues()) if account_id else None

    def positions(self) -> list[Position]:
        account = self.account()
        return [position_from(item, account) for item in self.ib.portfolio() if item.position]

    def open_orders(self) -> list[Order]:
        return [order_from(t) for t in self.ib.openTrades()]

    def executions_today(self) -> list[Fill]:
        fills = [fill_from(f) for f in self.ib.fills()]
        now = self.clock.now()
        return [f for f in fills if local_date(f.instrument.market, f.time) == local_date(f.instrument.market, now)]

    # Orders

    async def execute_trade(
        self, symbol: str, side: Side, quantity: Decimal, order_type: OrderType, limit_price: Decimal | None = None,
        stop_loss: Decimal | None = None, take_profit: Decimal | None = None, reason: str = "", intent_id: str = "",
    ) -> TradeResult:  # fmt: skip
        return await self.orders.execute_trade(
            symbol, side, quantity, order_type, limit_price, stop_loss, take_profit, reason, intent_id
        )

    async def cancel_order(self, intent_id: str) -> list[Order]:
        return [order_from(t) for t in await self.orders.cancel_order(intent_id)]

    def cancel_all(self) -> None:
        self.orders.cancel_all()

    async def close_position(self, symbol: str, intent_id: str, reason: str = "") -> TradeResult:
        return await self.orders.close_position(symbol, intent_id, reason)

    async def close_all_positions(self, intent_prefix: str, reason: str = "") -> list[TradeResult]:
        return await self.orders.close_all_positions(intent_prefix, reason)

    # Bars and news

    async def bars(self, symbol: str, duration: str = "30 D", bar_size: str = "1 day") -> list[Bar]:
        """Historical bars, oldest first; daily bars are dated at the market's midnight."""
        details = await self.contracts.details(symbol)
        found = await self.ib.reqHistoricalDataAsync(
            self.contracts.contract(details.instrument), "", duration, bar_size, "TRADES", True, timeout=10
        )
        return [_bar(b.date, b.open, b.high, b.low, b.close, b.volume, details.time_zone) for b in found]

    async def headlines(self, symbol: str, days: int = 3, limit: int = 20) -> list[Headline]:
        details = await self.contracts.details(symbol)
        providers = await self.ib.reqNewsProvidersAsync()
        codes = "+".join(p.code for p in providers)
        if not codes:
            return []
        start = self.clock.now() - timedelta(days=days)
        found = await self.ib.reqHistoricalNewsAsync(details.con_id, codes, start, "", limit) or []
        return [Headline(_as_utc(h.time), h.providerCode, h.articleId, h.headline) for h in found]


def _as_utc(t: datetime) -> datetime:
    """IB gives news times in UTC without a zone."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _bar(when: date | datetime, o: float, h: float, lo: float, c: float, v: float, zone: str) -> Bar:
    start = when if isinstance(when, datetime) else datetime.combine(when, time(0), ZoneInfo(zone))
    return Bar(start, *(Decimal(str(x)) for x in (o, h, lo, c, v)))
