"""The simulated market: a seeded random walk per stock, quotes on the exchange's grid, and an intraday volume profile.

Prices depend only on the seed and the number of steps taken, never on wall-clock timing, so the same seed
gives the same prices run after run.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from brokers.sim.sessions import Sessions
from brokers.sim.universe import Stock, tick_for

TRADING_SECONDS_PER_YEAR = 252 * 6.5 * 3600


def snap(stock: Stock, price: float, up: bool) -> Decimal:
    value = Decimal(repr(max(price, 0.0001)))
    tick = tick_for(stock, value)
    steps = (value / tick).to_integral_value(ROUND_CEILING if up else ROUND_FLOOR)
    return max(steps, Decimal(1)) * tick


@dataclass
class Book:
    """One stock's market now. Fields are None until the market has given them."""

    stock: Stock
    rng: random.Random
    fair: float
    last: Decimal
    bid: Decimal
    ask: Decimal
    prev_close: Decimal
    bid_size: int = 0
    ask_size: int = 0
    last_size: int = 0
    volume: int = 0
    day: date | None = None  # the exchange's trading date the volume and previous close belong to
    changed: set[str] = field(default_factory=set)

    def quote_size(self) -> int:
        lots = 1 + self.rng.randrange(20)
        return lots * self.stock.lot * (1 if self.stock.is_hk else 100)


class SimMarket:
    """All books, advanced in fixed steps of simulated time."""

    def __init__(
        self, stocks: tuple[Stock, ...], seed: int, start: datetime, sessions: Sessions, step_seconds: float = 0.25
    ):
        self.sessions = sessions
        self.step_seconds = step_seconds
        self.time = start
        self.books: dict[int, Book] = {s.con_id: self._open_book(s, seed) for s in stocks}
        for book in self.books.values():
            book.day = start.astimezone(sessions.zone(book.stock)).date()
        self.steps = 0
        self.still: frozenset[int] = frozenset()  # con_ids something else trades (the bench's tape): no random walk

    @staticmethod
    def _open_book(stock: Stock, seed: int) -> Book:
        rng = random.Random(f"{seed}:{stock.symbol}")
        book = Book(stock, rng, float(stock.price), stock.price, stock.price, stock.price, stock.price)
        book.bid, book.ask = _spread(stock, float(stock.price), rng)
        book.bid_size, book.ask_size = book.quote_size(), book.quote_size()
        return book

    def book(self, con_id: int) -> Book:
        return self.books[con_id]

    def advance_to(self, t: datetime, max_steps: int | None = None) -> list[Book]:
        """Take every whole step up to `t`, or at most `max_steps` of them; return the books that changed."""
        changed: dict[int, Book] = {}
        step = timedelta(seconds=self.step_seconds)
        taken = 0
        while self.time + step <= t and (max_steps is None or taken < max_steps):
            taken += 1
            self.time += step
            self.steps += 1
            for book in self.books.values():
                if book.stock.con_id in self.still:
                    continue
                if self.sessions.is_open(book.stock, self.time) and (self._roll_day(book) | self._step(book)):
                    changed[book.stock.con_id] = book
        return list(changed.values())

    def warm_up(self, until: datetime, step_seconds: float = 60) -> None:
        """Trade up to `until` in coarse steps, at once; nothing is published for it."""
        fine, self.step_seconds = self.step_seconds, step_seconds
        try:
            self.advance_to(until)
        finally:
            self.step_seconds = fine
        for book in self.books.values():
            book.changed.clear()

    def move(self, con_id: int, percent: float) -> Book:
        """A gap: the stock trades `percent` away at once (news, a block sale), and quotes follow."""
        book = self.books[con_id]
        book.fair *= 1 + percent / 100
        book.last = snap(book.stock, book.fair, up=percent > 0)
        book.changed |= {"last"}
        self._requote(book)
        return book

    def _roll_day(self, book: Book) -> bool:
        """A new trading date: yesterday's last becomes the previous close and the volume starts again."""
        today = self.time.astimezone(self.sessions.zone(book.stock)).date()
        if book.day == today:
            return False
        book.day, book.prev_close, book.volume = today, book.last, 0
        book.changed |= {"close", "volume"}
        return True

    def _step(self, book: Book) -> bool:
        stock, rng = book.stock, book.rng
        dt = self.step_seconds / TRADING_SECONDS_PER_YEAR
        shock = rng.gauss(0.0, 1.0)
        book.fair *= math.exp((stock.drift - stock.volatility**2 / 2) * dt + stock.volatility * math.sqrt(dt) * shock)
        if rng.random() > 0.35:  # most steps carry no trade; quotes still move
            return self._requote(book)
        expected = stock.daily_volume * self.sessions.volume_weight(stock, self.time) * self.step_seconds / 23400
        lot_shares = stock.lot
        size = max(lot_shares, int(expected * rng.expovariate(1.0) / 0.35 / lot_shares) * lot_shares)
        book.last = book.bid if shock < 0 else book.ask
        book.last_size = size
        book.volume += size
        book.changed |= {"last", "volume"}
        self._requote(book)
        return True

    @staticmethod
    def _requote(book: Book) -> bool:
        bid, ask = _spread(book.stock, book.fair, book.rng)
        if (bid, ask) == (book.bid, book.ask):
            return bool(book.changed)
        book.bid, book.ask = bid, ask
        book.bid_size, book.ask_size = book.quote_size(), book.quote_size()
        book.changed |= {"bid", "ask"}
        return True


def _spread(stock: Stock, fair: float, rng: random.Random) -> tuple[Decimal, Decimal]:
    bid = snap(stock, fair, up=False)
    ask = bid + tick_for(stock, bid) * (1 + (rng.random() < 0.3))
    return bid, ask
