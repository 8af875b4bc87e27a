"""Orders through the real ib_async client: fills, cancels, rejections and brackets, as IB sends them."""

from __future__ import annotations

from ib_async import IB, LimitOrder, MarketOrder, Stock

from brokers.sim.server import SimGateway
from tests.integration.conftest import until


async def qualified(ib: IB, symbol: str = "700") -> Stock:
    contract = Stock(symbol, "SEHK", "HKD") if symbol.isdigit() else Stock(symbol, "SMART", "USD")
    await ib.qualifyContractsAsync(contract)
    return contract


def account_value(ib: IB, tag: str, currency: str = "USD") -> float:
    return next(float(v.value) for v in ib.accountValues() if v.tag == tag and v.currency == currency)


async def test_market_order_fills_with_a_commission_report(ib: IB, gateway: SimGateway) -> None:
    tencent = await qualified(ib)
    cash_before = account_value(ib, "CashBalance", "HKD")
    order = MarketOrder("BUY", 200, orderRef="intent-mkt-1")
    trade = ib.placeOrder(tencent, order)
    await until(
        lambda: (
            trade.orderStatus.status == "Filled" and trade.fills and trade.fills[-1].commissionReport.commission > 0
        ),
        what="the fill",
    )
    fill = trade.fills[-1]
    assert fill.execution.orderRef == "intent-mkt-1"
    assert fill.execution.side == "BOT"
    assert trade.orderStatus.filled == 200
    assert fill.commissionReport.currency == "HKD"
    await until(lambda: any(p.contract.conId == tencent.conId for p in ib.portfolio()), what="the portfolio push")
    [item] = [p for p in ib.portfolio() if p.contract.conId == tencent.conId]
    assert item.position == 200
    await until(lambda: account_value(ib, "CashBalance", "HKD") < cash_before, what="cash to change")
    spent = cash_before - account_value(ib, "CashBalance", "HKD")
    assert spent == round(200 * fill.execution.price + fill.commissionReport.commission, 2)
    positions = await ib.reqPositionsAsync()
    assert [(p.contract.conId, p.position) for p in positions] == [(tencent.conId, 200)]


def error_codes(ib: IB) -> list[int]:
    codes: list[int] = []
    ib.errorEvent += lambda req_id, code, text, contract: codes.append(code)
    return codes


async def test_limit_order_is_placed_and_cancelled(ib: IB) -> None:
    tencent = await qualified(ib)
    codes = error_codes(ib)
    trade = ib.placeOrder(tencent, LimitOrder("BUY", 100, 400.0, orderRef="intent-lmt-1"))
    await until(lambda: trade.orderStatus.status == "Submitted", what="Submitted")
    assert [t.order.orderRef for t in ib.openTrades()] == ["intent-lmt-1"]
    ib.cancelOrder(trade.order)
    await until(lambda: trade.orderStatus.status == "Cancelled", what="Cancelled")
    await until(lambda: 202 in codes, what="error 202 after the Cancelled status")
    assert ib.openTrades() == []


async def test_an_odd_lot_is_rejected_with_321(ib: IB) -> None:
    hsbc = await qualified(ib, "5")  # board lot 400
    trade = ib.placeOrder(hsbc, LimitOrder("BUY", 100, 98.0))
    # ib_async files 321 as a validation warning: the trade shows ValidationError, and the broker holds nothing.
    await until(lambda: any(e.errorCode == 321 for e in trade.log), what="the rejection")
    assert "board lot 400" in trade.log[-1].message
    assert await ib.reqOpenOrdersAsync() == []


async def test_an_off_tick_price_is_rejected_with_110(ib: IB) -> None:
    tencent = await qualified(ib)  # 500–1000 trades in 0.50 steps
    trade = ib.placeOrder(tencent, LimitOrder("BUY", 100, 510.3))
    await until(lambda: trade.orderStatus.status == "Cancelled", what="the rejection")
    assert [e.errorCode for e in trade.log if e.errorCode] == [110]


async def test_a_market_order_while_the_market_is_closed_is_rejected(ib: IB) -> None:
    apple = await qualified(ib, "AAPL")  # 10:00 in Hong Kong is the middle of the night in New York
    trade = ib.placeOrder(apple, MarketOrder("BUY", 10))
    await until(lambda: trade.orderStatus.status == "Cancelled", what="the rejection")
    assert [e.errorCode for e in trade.log if e.errorCode] == [201]
    assert "market is closed" in trade.log[-1].message


async def test_insufficient_buying_power_is_rejected(ib: IB) -> None:
    tencent = await qualified(ib)
    trade = ib.placeOrder(tencent, LimitOrder("BUY", 100_000, 500.0))  # HKD 50m ≈ USD 6.4m
    await until(lambda: trade.orderStatus.status == "Cancelled", what="the rejection")
    assert "insufficient buying power" in trade.log[-1].message


async def test_bracket_take_profit_fills_and_the_stop_is_cancelled(ib: IB, gateway: SimGateway, clock) -> None:
    aia = await qualified(ib, "1299")  # lot 200, 0.05 ticks; seed 7 takes it up two ticks within minutes
    book = gateway.market.book(aia.conId)
    entry = float(book.ask)  # marketable: fills at once
    bracket = ib.bracketOrder("BUY", 200, entry, takeProfitPrice=entry + 0.10, stopLossPrice=entry - 3.00)
    trades = [ib.placeOrder(aia, o) for o in bracket]
    parent, profit, stop = trades
    await until(lambda: parent.orderStatus.status == "Filled", what="the entry to fill")
    await until(
        lambda: profit.orderStatus.status == "Submitted" and stop.orderStatus.status == "Submitted", what="children"
    )
    target = gateway.broker.orders[(1, profit.order.orderId)]
    for _ in range(60):  # up to an hour of market time, a minute at a time
        if target.status == "Filled":
            break
        await clock.advance(60)
    assert target.status == "Filled"
    await until(lambda: profit.orderStatus.status == "Filled", what="the client to see the take-profit fill")
    await until(lambda: stop.orderStatus.status == "Cancelled", what="the stop to be cancelled")
    positions = await ib.reqPositionsAsync()
    assert [p.position for p in positions if p.contract.conId == aia.conId] == [0]
    fills = [f for t in trades for f in t.fills]
    assert [f.execution.side for f in fills] == ["BOT", "SLD"]
    bought, sold = fills
    gross = (sold.execution.price - bought.execution.price) * 200
    assert sold.commissionReport.realizedPNL == round(gross - sold.commissionReport.commission, 2)
    assert gross > 0


async def test_untransmitted_bracket_parts_are_held_until_the_last_child(ib: IB) -> None:
    tencent = await qualified(ib)
    parent, profit, _stop = ib.bracketOrder("BUY", 100, 400.0, takeProfitPrice=450.0, stopLossPrice=380.0)
    held = ib.placeOrder(tencent, parent)
    await ib.reqOpenOrdersAsync()
    assert held.orderStatus.status == "PendingSubmit"
    ib.placeOrder(tencent, profit)
    ib.placeOrder(tencent, _stop)
    await until(lambda: held.orderStatus.status == "Submitted", what="the group to be released")
