"""The data requests of a client session: quotes (live or delayed), historical bars and news."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from brokers.sim import history, news
from brokers.sim import messages as msg
from brokers.sim.requests import ContractRef, as_int, contract_at
from brokers.sim.universe import Stock, tick_for

if TYPE_CHECKING:
    from brokers.sim.server import SimGateway


@dataclass(frozen=True)
class Ticks:
    """The tick types one kind of market data arrives as: live, or IB's delayed equivalents."""

    bid: int
    ask: int
    last: int
    close: int
    volume: int
    last_timestamp: int


@dataclass(frozen=True)
class Feed:
    con_id: int
    ticks: Ticks


LIVE_TICKS = Ticks(bid=1, ask=2, last=4, close=9, volume=8, last_timestamp=45)
DELAYED_TICKS = Ticks(bid=66, ask=67, last=68, close=75, volume=74, last_timestamp=88)
NOT_SUBSCRIBED = (
    354,
    "Requested market data is not subscribed. Check API status by selecting the Account menu then under "
    "Management choose Market Data Subscription Manager and/or Market Data Subscriptions.",
)
SHOWING_DELAYED = (10167, "Requested market data is not subscribed. Displaying delayed market data.")


class DataRequests:
    """Mixed into ClientSession, which provides the connection these answers go out on."""

    gateway: SimGateway
    market_data_type: int
    quotes: dict[int, Feed]

    @property
    def now(self) -> datetime:
        return self.gateway.clock.now()

    def send(self, fields: list[object]) -> None:
        raise NotImplementedError

    def known_stock(self, req_id: int, ref: ContractRef) -> Stock | None:
        raise NotImplementedError

    # Market data

    def req_historical_data(self, fields: list[str]) -> None:
        """reqHistoricalData: reqId, Contract(12), includeExpired, end, barSize, duration, useRTH, whatToShow, …"""
        req_id = as_int(fields[1])
        stock = self.known_stock(req_id, contract_at(fields, 2))
        if stock is None:
            return
        sessions, book = self.gateway.sessions, self.gateway.market.book(stock.con_id)
        try:
            found = history.bars(
                stock, self.gateway.seed, book.last, self.now, sessions.zone_id(stock), sessions.zone(stock),
                duration=fields[17], bar_size=fields[16], regular_hours=fields[18] == "1",
            )  # fmt: skip
        except history.HistoryError as exc:
            self.send(msg.error(req_id, 162, str(exc)))
            return
        rows = [x for b in found for x in (b.date, b.open, b.high, b.low, b.close, b.volume, b.close, 1)]
        self.send([17, req_id, found[0].date, found[-1].date, len(found), *rows])

    def req_market_data_type(self, fields: list[str]) -> None:
        self.market_data_type = as_int(fields[2]) or 1

    def req_mkt_data(self, fields: list[str]) -> None:
        req_id = as_int(fields[2])
        stock = self.known_stock(req_id, contract_at(fields, 3))
        if stock is None:
            return
        ticks = self._ticks_for(req_id, stock)
        if ticks is None:
            return
        feed = Feed(stock.con_id, ticks)
        self.send([58, 1, req_id, 3 if ticks is DELAYED_TICKS else 1])
        self.send([81, req_id, tick_for(stock, stock.price), "9c0001", 3])
        self.send_quote(req_id, feed, full=True)
        if fields[17] == "1":  # a snapshot
            self.send([57, 1, req_id])
        else:
            self.quotes[req_id] = feed

    def _ticks_for(self, req_id: int, stock: Stock) -> Ticks | None:
        """Live ticks where the account is subscribed; delayed ones where it is not and the client asked for them
        (reqMarketDataType 3 or 4); otherwise error 354 and no data, as at IB."""
        if self.gateway.has_live_data(stock):
            return LIVE_TICKS
        if self.market_data_type in (3, 4):
            self.send(msg.error(req_id, *SHOWING_DELAYED))
            return DELAYED_TICKS
        self.send(msg.error(req_id, *NOT_SUBSCRIBED))
        return None

    def cancel_mkt_data(self, fields: list[str]) -> None:
        self.quotes.pop(as_int(fields[2]), None)

    def send_quote(self, req_id: int, feed: Feed, full: bool = False) -> None:
        book, ticks = self.gateway.market.book(feed.con_id), feed.ticks
        changed = {"bid", "ask", "last", "volume"} if full else book.changed
        if "bid" in changed:
            self.send([1, 6, req_id, ticks.bid, book.bid, book.bid_size, 0])
        if "ask" in changed:
            self.send([1, 6, req_id, ticks.ask, book.ask, book.ask_size, 0])
        if "last" in changed:
            self.send([1, 6, req_id, ticks.last, book.last, book.last_size or book.stock.lot, 0])
            self.send([46, 6, req_id, ticks.last_timestamp, int(self.gateway.market.time.timestamp())])
        if "volume" in changed:
            self.send([2, 6, req_id, ticks.volume, book.volume])
        if full or "close" in changed:
            self.send([1, 6, req_id, ticks.close, book.prev_close, 0, 0])

    # News

    def req_news_providers(self, fields: list[str]) -> None:
        self.send([85, len(news.PROVIDERS), *(x for provider in news.PROVIDERS for x in provider)])

    def req_historical_news(self, fields: list[str]) -> None:
        """reqHistoricalNews: reqId, conId, providerCodes, start, end, totalResults, options."""
        req_id, con_id = as_int(fields[1]), as_int(fields[2])
        stock = self.known_stock(req_id, ContractRef(con_id, "", "STK", "", "", ""))
        if stock is None:
            return
        try:
            providers = news.parse_providers(fields[3])
            end = news.parse_time(fields[5]) or self.now
            start = news.parse_time(fields[4]) or end - timedelta(days=7)
        except news.NewsError as exc:
            self.send(msg.error(req_id, exc.code, str(exc)))
            return
        limit = as_int(fields[6])
        found = self.gateway.news.headlines(stock, providers, start, min(end, self.now), limit + 1)
        for item in found[:limit]:
            self.send([86, req_id, item.wire_time, item.provider, item.article_id, item.text])
        self.send([87, req_id, int(len(found) > limit)])

    def req_news_article(self, fields: list[str]) -> None:
        """reqNewsArticle: reqId, providerCode, articleId, options; answered as plain text (type 0)."""
        req_id = as_int(fields[1])
        item = self.gateway.news.article(fields[3])
        if item is None or item.time > self.now:
            self.send(msg.error(req_id, 10172, f"Failed to request news article: article {fields[3]!r} not found"))
            return
        self.send([83, req_id, 0, item.body])
