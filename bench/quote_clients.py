"""The two yardsticks the quote-board bench holds Catalyst against, each fed the simulator's tape:

- `bare`: an ib_async client that streams every symbol and does nothing with the ticks but count them. No screen
  can cost less than this: it is the floor.
- `datatable`: what a typical Textual app does, a `DataTable` with a row per symbol and `update_cell` on every tick.

    PYTHONPATH=. .venv/bin/python bench/quote_clients.py bare --port 4002 --symbols 500
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from decimal import Decimal

from ib_async import IB, Contract, Stock, Ticker
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from brokers.sim.universe import synthetic

LAST = 4  # IB's tick type of a trade's price


def contracts(count: int) -> list[Contract]:
    return [Stock(s.symbol, "SMART", "USD") for s in synthetic(count)]


async def subscribe(ib: IB, port: int, client_id: int, count: int) -> list[Ticker]:
    await ib.connectAsync("127.0.0.1", port, clientId=client_id, timeout=30)
    qualified = await ib.qualifyContractsAsync(*contracts(count))
    return [ib.reqMktData(c) for c in qualified]


async def bare(port: int, count: int) -> None:
    """Counts ticks between two SIGUSR1s and prints the rate: the stream as it really arrived."""
    ib = IB()
    ticks = 0
    started: float | None = None

    def counted(tickers: set[Ticker]) -> None:
        nonlocal ticks
        ticks += sum(len(t.ticks) for t in tickers)

    def window() -> None:
        nonlocal ticks, started
        if started is None:
            ticks, started = 0, time.monotonic()
        else:
            print(f"ticks/s {ticks / (time.monotonic() - started):.1f}", flush=True)

    ib.pendingTickersEvent += counted
    await subscribe(ib, port, 51, count)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, window)
    await stop.wait()
    ib.disconnect()


def price(value: float) -> str:
    return f"{Decimal(str(value)):,.2f}"


class TableApp(App[None]):
    """A row per symbol; every tick goes into its cell at once, as the DataTable docs show it."""

    def __init__(self, port: int, count: int) -> None:
        super().__init__()
        self.port, self.count = port, count
        self.ib = IB()

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("Symbol", "Last", "Bid", "Ask", "Volume"):
            table.add_column(key, key=key, width=10)
        tickers = await subscribe(self.ib, self.port, 52, self.count)
        for ticker in tickers:
            table.add_row(ticker.contract.symbol, "-", "-", "-", "-", key=ticker.contract.symbol)
        self.ib.pendingTickersEvent += self.on_tickers

    def on_tickers(self, tickers: set[Ticker]) -> None:
        table = self.query_one(DataTable)
        for ticker in tickers:
            row = ticker.contract.symbol
            for tick in ticker.ticks:
                column = {1: "Bid", 2: "Ask", LAST: "Last"}.get(tick.tickType)
                if column is not None:
                    table.update_cell(row, column, price(tick.price))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("bare", "datatable"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--symbols", type=int, default=500)
    args = parser.parse_args()
    if args.kind == "bare":
        asyncio.run(bare(args.port, args.symbols))
    else:
        TableApp(args.port, args.symbols).run()


if __name__ == "__main__":
    main()
