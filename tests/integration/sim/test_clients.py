"""Many clients, duplicate client ids, restarts, and reproducibility."""

from __future__ import annotations

import pytest
from ib_async import IB, LimitOrder, MarketOrder, Stock

from brokers.sim.server import SimGateway
from catalyst_tui.clock import ControllableClock
from tests.integration.conftest import HK_MORNING, until


async def connect(port: int, client_id: int) -> IB:
    client = IB()
    await client.connectAsync("127.0.0.1", port, clientId=client_id, timeout=5)
    return client


async def test_two_clients_at_once_and_a_duplicate_id_is_refused(gateway: SimGateway) -> None:
    first, second = await connect(gateway.port, 1), await connect(gateway.port, 2)
    try:
        assert first.isConnected() and second.isConnected()
        duplicate = IB()
        codes: list[int] = []
        duplicate.errorEvent += lambda req_id, code, text, contract: codes.append(code)
        with pytest.raises((ConnectionError, TimeoutError)):
            await duplicate.connectAsync("127.0.0.1", gateway.port, clientId=1, timeout=2)
        assert 326 in codes
        assert first.isConnected()
    finally:
        first.disconnect()
        second.disconnect()


async def test_a_restart_with_working_orders(gateway: SimGateway, clock: ControllableClock) -> None:
    ib = await connect(gateway.port, 7)
    tencent = Stock("700", "SEHK", "HKD")
    await ib.qualifyContractsAsync(tencent)
    bought = ib.placeOrder(tencent, MarketOrder("BUY", 100, orderRef="before-restart-fill"))
    working = ib.placeOrder(tencent, LimitOrder("BUY", 100, 400.0, orderRef="before-restart-working"))
    await until(lambda: bought.orderStatus.status == "Filled" and working.orderStatus.status == "Submitted")
    used_ids = {bought.order.orderId, working.order.orderId}

    await gateway.restart(down_seconds=30)
    await until(lambda: not ib.isConnected(), what="the client to see the drop")
    with pytest.raises(ConnectionRefusedError):
        await connect(gateway.port, 7)
    await clock.advance(31)

    again = await connect(gateway.port, 7)
    try:
        refs = {t.order.orderRef for t in again.openTrades()}
        assert refs == {"before-restart-working"}
        executions = [f.execution.orderRef for f in again.fills()]
        assert executions == ["before-restart-fill"]
        fresh = again.placeOrder(tencent, LimitOrder("BUY", 100, 401.0))
        assert fresh.order.orderId not in used_ids
        assert fresh.order.orderId > max(used_ids)
        await until(lambda: fresh.orderStatus.status == "Submitted")
    finally:
        again.disconnect()
        ib.disconnect()


async def scripted_session() -> tuple[list[float], list[tuple[str, float, float]]]:
    """One fixed script on a fresh simulator: the prices it saw and the fills it got."""
    clock = ControllableClock(HK_MORNING)
    sim = SimGateway(clock, seed=11)
    await sim.start()
    ib = await connect(sim.port, 1)
    try:
        xiaomi = Stock("1810", "SEHK", "HKD")
        await ib.qualifyContractsAsync(xiaomi)
        prices: list[float] = []
        for minute in range(5):
            await clock.advance(60)
            prices.append(float(sim.market.book(xiaomi.conId).last))
            if minute in (1, 3):
                trade = ib.placeOrder(xiaomi, MarketOrder("BUY" if minute == 1 else "SELL", 20_000))
                key = (1, trade.order.orderId)
                await until(lambda k=key: k in sim.broker.orders, what="the simulator to take the order")
                held = sim.broker.orders[key]
                while held.status != "Filled":  # a large order fills in parts, step by step
                    await clock.advance(0.25)
                await until(lambda t=trade: t.orderStatus.status == "Filled")
        fills = [(f.execution.side, f.execution.shares, f.execution.price) for f in ib.fills()]
        return prices, fills
    finally:
        ib.disconnect()
        await sim.close()


async def test_the_same_seed_gives_the_same_prices_and_fills() -> None:
    first, second = await scripted_session(), await scripted_session()
    assert first == second
    sides = [side for side, _, _ in first[1]]
    assert sides.count("BOT") >= 2 and sides.count("SLD") >= 2  # partial fills on both orders
