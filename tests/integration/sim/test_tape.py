"""The bench tape over TCP: the synthetic stocks trade in turn at the tape's rate, and each trade's price, as a
real ib_async client reads it, says when the simulator sent it."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from ib_async import Stock, Ticker

from brokers.sim.tape import TURN_SECONDS, sent_at
from catalyst_tui.clock import ControllableClock
from tests.integration.conftest import connected, running_gateway, until

SYMBOLS = ("ZAAA", "ZAAB", "ZAAC", "ZAAD")
LAST = 4


async def test_the_tape_trades_each_synthetic_stock_in_turn_at_its_rate(clock: ControllableClock) -> None:
    async with (
        running_gateway(clock, always_open=True, extra_stocks=len(SYMBOLS), tape_rate=40) as sim,
        connected(sim.port) as ib,
    ):
        contracts = await ib.qualifyContractsAsync(*(Stock(s, "SMART", "USD") for s in SYMBOLS))
        for contract in contracts:
            ib.reqMktData(contract)
        await until(lambda: sum(len(s.quotes) for s in sim.clients.values()) == len(SYMBOLS), what="4 streams")
        trades: list[tuple[str, Decimal]] = []

        def on_tickers(tickers: set[Ticker]) -> None:
            for ticker in tickers:
                trades.extend((ticker.contract.symbol, Decimal(str(t.price))) for t in ticker.ticks
                                  if t.tickType == LAST)  # fmt: skip

        ib.pendingTickersEvent += on_tickers
        start = clock.now()
        await clock.advance(1.0)
        await until(lambda: len(trades) >= 40, what="a second of the tape")
        assert Counter(symbol for symbol, _ in trades) == dict.fromkeys(SYMBOLS, 10)
        turn = round(TURN_SECONDS * 1000)  # the tape wakes every `turn` ms and sends what has come due
        due = [start + timedelta(milliseconds=math.ceil(25 * n / turn) * turn) for n in range(1, 41)]  # 40 a second
        assert [sent_at(price, clock.now()) for _, price in trades] == due
