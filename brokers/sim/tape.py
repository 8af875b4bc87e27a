"""A tape for benchmarks: the synthetic stocks trade in turn at a fixed rate, and each trade's price is the time it
was sent, so whoever reads a price off the screen knows how old it is without asking the simulator.

The price of a trade sent at wall time t (milliseconds since the epoch) is 1000 + (t mod 9,000,000) / 100: from
1,000.00 to 90,999.99, repeating every 2.5 hours. `sent_at` turns a price back into the time, given a time near it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from brokers.sim.universe import Stock

if TYPE_CHECKING:
    from brokers.sim.server import SimGateway
    from brokers.sim.session import ClientSession

PERIOD_MS = 9_000_000
BASE = Decimal(1000)
TURN_SECONDS = 0.002  # how often the tape wakes to send the trades that have come due
TRADE_SIZE = 100


def price_at(t: datetime) -> Decimal:
    ms = int(t.timestamp() * 1000)
    return BASE + Decimal(ms % PERIOD_MS) / 100


def sent_at(price: Decimal, near: datetime) -> datetime:
    """The send time a tape price stands for: the one of its 2.5-hour repeats closest to `near`."""
    ms = int((price - BASE) * 100)
    near_ms = int(near.timestamp() * 1000)
    base = near_ms - near_ms % PERIOD_MS + ms
    best = min((base - PERIOD_MS, base, base + PERIOD_MS), key=lambda x: abs(x - near_ms))
    return datetime.fromtimestamp(best / 1000, UTC)


class Tape:
    """Trades `stocks` round-robin, `rate` trades a second on the gateway's clock; the market leaves them alone.

    The round goes in a shuffled (seeded) order, so neighbours on a screen trade at different moments, as real
    stocks do, rather than all within the same few milliseconds."""

    def __init__(self, gateway: SimGateway, stocks: tuple[Stock, ...], rate: float) -> None:
        if not stocks or rate <= 0:
            raise ValueError("a tape needs stocks to trade and a positive rate")
        order = list(stocks)
        random.Random(gateway.seed).shuffle(order)
        self.gateway, self.stocks, self.rate = gateway, tuple(order), rate
        gateway.market.still = frozenset(s.con_id for s in stocks)
        self.sent = 0
        self._subscribers: dict[int, list[tuple[ClientSession, int]]] = {}
        self._subscriptions_seen: tuple[int, ...] = ()  # (session, count, newest reqId) per client

    async def run(self) -> None:
        clock = self.gateway.clock
        start = clock.now()
        while True:
            await clock.sleep(TURN_SECONDS)
            due = int((clock.now() - start) / timedelta(seconds=1) * self.rate) - self.sent
            self._refresh_subscribers()
            for _ in range(due):
                self._trade(self.stocks[self.sent % len(self.stocks)])
                self.sent += 1

    def _trade(self, stock: Stock) -> None:
        book = self.gateway.market.book(stock.con_id)
        book.last = price_at(self.gateway.clock.now())
        book.last_size = TRADE_SIZE
        book.volume += TRADE_SIZE
        book.changed = {"last"}
        for session, req_id in self._subscribers.get(stock.con_id, ()):
            feed = session.quotes.get(req_id)
            if feed is not None:
                session.send_quote(req_id, feed)
        book.changed = set()

    def _refresh_subscribers(self) -> None:
        """Who streams what, rebuilt only when a client or a subscription came or went."""
        sessions = list(self.gateway.clients.values())
        seen = tuple(x for s in sessions for x in (id(s), len(s.quotes), max(s.quotes, default=0)))
        if seen == self._subscriptions_seen:
            return
        self._subscriptions_seen = seen
        self._subscribers = {}
        for session in sessions:
            for req_id, feed in session.quotes.items():
                self._subscribers.setdefault(feed.con_id, []).append((session, req_id))
