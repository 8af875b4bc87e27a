"""`catalyst check`: connect, show what the gateway says, and exit 0 or 1. The seed ran this test by hand."""

from __future__ import annotations

import asyncio
import contextlib

from brokers.ibkr import ConnectError, IbkrBroker
from catalyst_tui.clock import Clock
from catalyst_tui.config.schema import BrokerSource, Settings
from catalyst_tui.gateway import gateway_for
from catalyst_tui.markets.symbols import normalize
from catalyst_tui.models import Market, Quote

QUOTE_WAIT_SECONDS = 5.0
FALLBACK = {Market.HK: "0700.HK", Market.US: "AAPL"}


def probe_symbols(settings: Settings) -> list[str]:
    """One HKEX and one US symbol: the first of each in the watchlist, else Tencent and Apple."""
    chosen = {}
    for instrument in map(normalize, settings.markets.watchlist):
        chosen.setdefault(instrument.market, instrument.display)
    return [chosen.get(m, FALLBACK[m]) for m in (Market.HK, Market.US)]


async def run_check(settings: Settings, clock: Clock) -> tuple[bool, list[str]]:
    """(ok, lines): the report, or the reason it failed."""
    async with gateway_for(settings.broker, clock) as target:
        address = f"{target.host}:{target.port}"
        if settings.broker.source is BrokerSource.SIM:
            address += " (the embedded simulator)"
        broker = IbkrBroker(target, clock, settings.risk.quote_stale_seconds)
        try:
            await broker.connect()
        except ConnectError as exc:
            return False, [f"FAILED {exc}"]
        try:
            return True, await _report(broker, address, probe_symbols(settings))
        finally:
            await broker.stop()


async def _report(broker: IbkrBroker, address: str, symbols: list[str]) -> list[str]:
    state = broker.state
    lines = [f"gateway      {address}, server version {broker.server_version()}, client id {state.client_id}"]
    for account in broker.accounts():
        lines.append(f"account      {account} {'PAPER' if account.upper().startswith('D') else 'LIVE'}")
    for symbol in symbols:
        lines.append(f"{symbol:<12} {await _market_data(broker, symbol)}")
    lines.append(f"open orders  {len(broker.open_orders())}")
    lines.append(f"positions    {len(broker.positions())}")
    return lines


async def _market_data(broker: IbkrBroker, symbol: str) -> str:
    arrived = asyncio.Event()
    broker.quotes.listeners.append(lambda quotes: arrived.set())
    problems = await broker.watch([symbol])  # it reports unknown symbols and lost connections itself
    if problems:
        return f"no data: {problems[0]}"
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_first_price(broker, symbol, arrived), QUOTE_WAIT_SECONDS)
    quote = broker.quote(symbol)
    if quote is None or (quote.last is None and quote.bid is None):
        return f"no quote within {QUOTE_WAIT_SECONDS:g} s (no subscription, or no trading)"
    return _describe(quote)


async def _first_price(broker: IbkrBroker, symbol: str, arrived: asyncio.Event) -> None:
    while (q := broker.quote(symbol)) is None or (q.last is None and q.bid is None):
        arrived.clear()
        await arrived.wait()


def _describe(quote: Quote) -> str:
    kind = "delayed" if quote.delayed else "live"
    parts = [f"{name} {value}" for name, value in (("bid", quote.bid), ("ask", quote.ask), ("last", quote.last))
             if value is not None]  # fmt: skip
    return f"{kind}: {', '.join(parts)}"


def one_line(ok: bool, lines: list[str]) -> str:
    """The cron form: everything on one line, starting OK or FAILED."""
    if not ok:
        return lines[0]
    return "OK " + "; ".join(" ".join(line.split()) for line in lines)
