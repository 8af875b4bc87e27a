"""Fault injection as a client lives through it: pauses, connectivity messages, refusals; and orders across days."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from ib_async import IB, LimitOrder, MarketOrder, Order

from brokers.sim.server import SimGateway
from catalyst_tui.clock import ControllableClock
from tests.integration.conftest import connected, running_gateway, until
from tests.integration.sim.test_orders import error_codes, qualified


async def test_a_pause_in_the_middle_of_an_order(ib: IB, gateway: SimGateway) -> None:
    tencent = await qualified(ib)
    gateway.pause()
    trade = ib.placeOrder(tencent, MarketOrder("BUY", 100))
    await until(lambda: (1, trade.order.orderId) in gateway.broker.orders, what="the simulator to take the order")
    assert gateway.broker.orders[(1, trade.order.orderId)].status == "Filled"
    assert trade.orderStatus.status == "PendingSubmit"  # the client has heard nothing
    gateway.resume()
    await until(lambda: trade.orderStatus.status == "Filled" and len(trade.fills) == 1, what="the held messages")
    assert ib.isConnected()


async def test_connectivity_lost_and_restored_reach_the_client(ib: IB, gateway: SimGateway) -> None:
    codes = error_codes(ib)
    gateway.connectivity(1100)
    gateway.connectivity(1102)
    await until(lambda: codes[-2:] == [1100, 1102], what="1100 then 1102")
    assert ib.isConnected()
    assert await ib.reqCurrentTimeAsync() == gateway.clock.now().replace(microsecond=0)


async def test_a_sixty_second_refusal(ib: IB, gateway: SimGateway, clock: ControllableClock) -> None:
    await gateway.refuse_for(60)
    late = IB()
    with pytest.raises(ConnectionRefusedError):
        await late.connectAsync("127.0.0.1", gateway.port, clientId=2, timeout=5)
    await clock.advance(59)
    with pytest.raises(ConnectionRefusedError):
        await late.connectAsync("127.0.0.1", gateway.port, clientId=2, timeout=5)
    assert ib.isConnected()  # a refusal turns away new logins only
    await clock.advance(1)
    await until(lambda: gateway.listening, what="the gateway to listen again")
    await late.connectAsync("127.0.0.1", gateway.port, clientId=2, timeout=5)
    assert late.isConnected()
    late.disconnect()


async def test_all_open_orders_shows_every_client(ib: IB, gateway: SimGateway) -> None:
    async with connected(gateway.port, 2) as other:
        tencent = await qualified(ib)
        mine = ib.placeOrder(tencent, LimitOrder("BUY", 100, 400.0, orderRef="client-1"))
        theirs = other.placeOrder(tencent, LimitOrder("BUY", 100, 401.0, orderRef="client-2"))
        await until(lambda: mine.orderStatus.status == theirs.orderStatus.status == "Submitted", what="both orders")
        assert {t.order.orderRef for t in await other.reqOpenOrdersAsync()} == {"client-2"}
        assert {t.order.orderRef for t in await other.reqAllOpenOrdersAsync()} == {"client-1", "client-2"}


async def test_a_sell_stop_triggers_when_the_price_falls(ib: IB, gateway: SimGateway, clock) -> None:
    tencent = await qualified(ib)  # seed 7 takes Tencent down
    bought = ib.placeOrder(tencent, MarketOrder("BUY", 100))
    await until(lambda: bought.orderStatus.status == "Filled", what="the entry")
    book = gateway.market.book(tencent.conId)
    stop_price = float(book.last) - 1.0  # two ticks below the last trade
    stop = ib.placeOrder(tencent, Order(action="SELL", totalQuantity=100, orderType="STP", auxPrice=stop_price))
    await until(lambda: stop.orderStatus.status == "Submitted", what="the stop to work")
    held = gateway.broker.orders[(1, stop.order.orderId)]
    for _ in range(120):
        if held.status == "Filled":
            break
        await clock.advance(30)
    await until(lambda: stop.orderStatus.status == "Filled", what="the stop to fill")
    [fill] = stop.fills
    assert fill.execution.price <= stop_price
    assert [p.position for p in await ib.reqPositionsAsync()] == [0]


@pytest.fixture
async def minute_steps(clock: ControllableClock) -> AsyncIterator[SimGateway]:
    """A market that steps a minute at a time, so the clock can cross a weekend quickly."""
    async with running_gateway(clock, seed=7, step_seconds=60) as sim:
        yield sim


async def test_day_orders_expire_and_gtc_orders_stay(minute_steps: SimGateway, clock: ControllableClock) -> None:
    async with connected(minute_steps.port) as ib:
        tencent = await qualified(ib)
        day = ib.placeOrder(tencent, LimitOrder("BUY", 100, 400.0, tif="DAY"))
        gtc = ib.placeOrder(tencent, LimitOrder("BUY", 100, 401.0, tif="GTC"))
        await until(lambda: day.orderStatus.status == gtc.orderStatus.status == "Submitted", what="both orders")
        await clock.advance(timedelta(days=3).total_seconds())  # Friday 10:00 to Monday 10:00 in Hong Kong
        await until(lambda: day.orderStatus.status == "Cancelled", what="the DAY order to expire")
        assert gtc.orderStatus.status == "Submitted"
        assert [t.order.tif for t in await ib.reqOpenOrdersAsync()] == ["GTC"]
        ticker = ib.reqMktData(tencent)
        await until(lambda: ticker.close == ticker.close, what="the first quote")
        friday_last = minute_steps.market.book(tencent.conId).prev_close
        assert ticker.close == float(friday_last) and ticker.close != 512.5  # Friday's last is Monday's close
