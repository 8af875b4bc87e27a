"""Instruments, quotes, bars and news through the adapter."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from brokers.ibkr import IbkrBroker, UnknownInstrument
from brokers.sim.server import SimGateway
from brokers.sim.universe import find
from catalyst_tui.clock import ControllableClock
from tests.integration.broker.conftest import settings_for
from tests.integration.conftest import running_gateway, until


async def test_instruments_are_qualified_once_with_ib_lots_ticks_and_hours(broker: IbkrBroker, clock) -> None:
    hsbc = await broker.details("0005.HK")
    assert (hsbc.con_id, hsbc.lot, hsbc.instrument.display) == (9_000_005, 400, "0005.HK")
    tencent = await broker.details("700")
    assert tencent.ticks.band_for(Decimal("512.5")).tick == Decimal("0.5")
    assert tencent.ticks.band_for(Decimal("98")).tick == Decimal("0.05")
    assert tencent.is_open(clock.now()) and not tencent.is_open(clock.now() + timedelta(hours=2.5))  # 12:30: lunch
    assert await broker.details("HK:700") is tencent  # cached, whatever the spelling
    apple = await broker.details("AAPL")
    assert apple.lot == 1 and not apple.is_open(clock.now())
    for bad, words in (("NOPE", "IB does not know NOPE"), ("70O.HK", "70O")):
        with pytest.raises(UnknownInstrument, match=words):
            await broker.details(bad)


async def test_quotes_stream_with_age_and_go_stale_when_ticks_stop(
    broker: IbkrBroker, gateway: SimGateway, clock: ControllableClock
) -> None:
    assert await broker.watch(["700", "AAPL", "NOPE"]) == ["IB does not know NOPE (NOPE on SMART)"]
    await until(lambda: broker.quote("700").bid is not None and broker.quote("AAPL").last is not None, what="quotes")
    tencent = broker.quote("0700.HK")
    assert tencent.bid < tencent.ask and tencent.prev_close == Decimal("512.5") and not tencent.delayed
    assert isinstance(tencent.bid, Decimal) and tencent.age(clock.now()) <= timedelta(seconds=1)
    gateway.pause()  # the feed goes quiet while HKEX is open
    await clock.advance(31)
    assert broker.quote("700").stale is True
    assert broker.quote("AAPL").stale is False  # New York is closed: no ticks is normal
    gateway.resume()
    await clock.advance(1)
    await until(lambda: not broker.quote("700").stale, what="fresh ticks")


async def test_no_subscription_falls_back_to_delayed_quotes(clock: ControllableClock) -> None:
    async with running_gateway(clock, seed=7, delayed_only=frozenset({"HK"})) as sim:
        adapter = IbkrBroker(settings_for(sim.port), clock, rng=random.Random(1))
        await adapter.connect()
        try:
            await adapter.watch(["700", "AAPL"])
            await until(lambda: adapter.quote("700").bid is not None, what="delayed quotes")
            assert adapter.quote("700").delayed is True
            await until(lambda: adapter.quote("AAPL").bid is not None, what="the US quote")
            assert adapter.quote("AAPL").delayed is False
        finally:
            await adapter.stop()


async def test_bars_and_headlines(broker: IbkrBroker, gateway: SimGateway) -> None:
    daily = await broker.bars("700", "10 D", "1 day")
    assert len(daily) >= 6 and all(isinstance(b.close, Decimal) and b.low <= b.close <= b.high for b in daily)
    assert daily[0].time < daily[-1].time and daily[-1].time.tzinfo is not None
    intraday = await broker.bars("700", "3600 S", "5 mins")
    assert len(intraday) == 12 and intraday[-1].close == gateway.market.book(9_000_700).last
    news = await broker.headlines("700", days=7)
    assert news and all("Tencent" in h.text for h in news) and news[0].time.tzinfo is not None


async def test_a_tick_is_in_the_very_next_quote_though_the_clock_has_not_moved(
    broker: IbkrBroker, gateway: SimGateway
) -> None:
    await broker.watch(["700"])
    await until(lambda: broker.quote("700").last is not None, what="a first quote")
    before = broker.quote("700")
    assert broker.quote("700") is before  # no tick since, the same instant: the same quote, not built again
    gapped = gateway.move(find("700", "", "", 0), 5)  # type: ignore[arg-type]
    await until(lambda: broker.quote("700").last == gapped, what="the gap in the next quote")
