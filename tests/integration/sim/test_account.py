"""The account as a client reads it: values, summary, multi-account updates, executions and completed orders."""

from __future__ import annotations

from decimal import Decimal

from ib_async import IB, LimitOrder, MarketOrder, Stock

from brokers.sim.server import SimGateway
from tests.integration.conftest import connected, until
from tests.integration.sim.test_orders import account_value, error_codes, qualified


async def test_a_fresh_paper_account(ib: IB) -> None:
    assert account_value(ib, "NetLiquidation") == 1_000_000
    assert account_value(ib, "TotalCashValue") == 1_000_000
    assert account_value(ib, "ExchangeRate", "HKD") == 0.1285
    summary = {(v.tag, v.currency): v.value for v in await ib.accountSummaryAsync()}
    assert float(summary[("NetLiquidation", "USD")]) == 1_000_000
    assert float(summary[("BuyingPower", "USD")]) > 1_000_000  # a margin account
    tags: list[str] = []
    ib.accountValueEvent += lambda value: tags.append(value.tag)
    await ib.reqAccountUpdatesMultiAsync("DU1234567")
    assert set(tags) >= {"NetLiquidation", "TotalCashValue", "BuyingPower", "ExchangeRate"}


async def test_a_fill_moves_the_account(ib: IB, gateway: SimGateway) -> None:
    tencent = await qualified(ib)
    trade = ib.placeOrder(tencent, MarketOrder("BUY", 1000))
    await until(lambda: trade.orderStatus.status == "Filled" and trade.fills, what="the fill")
    await until(lambda: account_value(ib, "TotalCashValue") < 1_000_000, what="the account push")
    fill = trade.fills[-1]
    cost_hkd = Decimal(str(fill.execution.price)) * 1000 + Decimal(str(fill.commissionReport.commission))
    cash = Decimal(str(account_value(ib, "TotalCashValue")))
    assert abs(cash - (Decimal(1_000_000) - cost_hkd * Decimal("0.1285"))) <= Decimal("0.01")
    [item] = ib.portfolio()
    assert item.position == 1000 and item.marketPrice == float(gateway.market.book(tencent.conId).last)


async def test_executions_and_completed_orders_are_read_back(ib: IB, gateway: SimGateway) -> None:
    tencent = await qualified(ib)
    filled = ib.placeOrder(tencent, MarketOrder("BUY", 100, orderRef="read-back-fill"))
    cancelled = ib.placeOrder(tencent, LimitOrder("BUY", 100, 400.0, orderRef="read-back-cancel"))
    await until(lambda: filled.orderStatus.status == "Filled", what="the fill")
    await until(lambda: cancelled.orderStatus.status == "Submitted", what="the working order")
    ib.cancelOrder(cancelled.order)
    await until(lambda: cancelled.orderStatus.status == "Cancelled", what="the cancel")
    [execution] = await ib.reqExecutionsAsync()
    assert execution.execution.orderRef == "read-back-fill"
    # ib_async keeps the commission on the fill it first saw; a client that connects later reads both back.
    async with connected(gateway.port, 2) as later:
        [seen] = later.fills()
        assert seen.execution.orderRef == "read-back-fill" and seen.commissionReport.commission > 0
    completed = {t.order.orderRef: t.orderStatus.status for t in await ib.reqCompletedOrdersAsync(apiOnly=False)}
    assert completed == {"read-back-fill": "Filled", "read-back-cancel": "Cancelled"}


async def test_global_cancel_cancels_every_working_order(ib: IB) -> None:
    tencent = await qualified(ib)
    trades = [ib.placeOrder(tencent, LimitOrder("BUY", 100, price)) for price in (400.0, 401.0)]
    await until(lambda: all(t.orderStatus.status == "Submitted" for t in trades), what="working orders")
    ib.reqGlobalCancel()
    await until(lambda: all(t.orderStatus.status == "Cancelled" for t in trades), what="every order cancelled")
    assert await ib.reqOpenOrdersAsync() == []


async def test_a_snapshot_quote(ib: IB) -> None:
    [ticker] = await ib.reqTickersAsync(await qualified(ib, "AAPL"))
    assert 0 < ticker.bid < ticker.ask and ticker.close == 231.4 and ticker.marketDataType == 1


async def test_an_order_for_an_unknown_contract_gets_200(ib: IB) -> None:
    trade = ib.placeOrder(Stock("NOPE", "SMART", "USD"), MarketOrder("BUY", 1))
    await until(lambda: trade.orderStatus.status == "Cancelled", what="the rejection")
    assert [e.errorCode for e in trade.log if e.errorCode] == [200]


async def test_an_unsupported_request_gets_an_error_not_silence(ib: IB) -> None:
    codes = error_codes(ib)
    ib.client.reqScannerParameters()
    await until(lambda: codes == [10], what="an error for the unsupported request")
    assert ib.isConnected()
