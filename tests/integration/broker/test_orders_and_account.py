"""Orders and the account through the adapter, checked against what the simulator actually holds."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from catalyst_tui.broker_models import Outcome
from catalyst_tui.clock import ControllableClock
from catalyst_tui.models import BracketRole, Fill, OrderStatus, OrderType, Side
from tests.integration.broker.conftest import reconnected, settings_for
from tests.integration.conftest import running_gateway, until

D = Decimal


def held_orders(gateway: SimGateway) -> dict[str, object]:
    return {o.order_ref: o for o in gateway.broker.orders.values()}


async def test_a_bracket_with_prices_that_need_rounding(broker: IbkrBroker, gateway: SimGateway) -> None:
    result = await broker.execute_trade(
        "0700.HK", Side.BUY, D(100), OrderType.LIMIT, limit_price=D("500.30"), stop_loss=D("480.30"),
        take_profit=D("530.20"), reason="test", intent_id="bracket-1",
    )  # fmt: skip
    assert result.outcome is Outcome.SUBMITTED, result.message
    at_sim = held_orders(gateway)
    assert at_sim["bracket-1"].lmt == D("500.0")  # a buy limit rounds down: never pay more than asked
    assert at_sim["bracket-1:sl"].aux == D("480.4")  # the stop rounds toward the entry: never lose more
    assert at_sim["bracket-1:tp"].lmt == D("530.0")  # the take-profit rounds toward the entry too
    assert {o.parent_id for k, o in at_sim.items() if k != "bracket-1"} == {at_sim["bracket-1"].order_id}
    roles = {o.role for o in broker.open_orders()}
    assert roles == {BracketRole.ENTRY, BracketRole.TAKE_PROFIT, BracketRole.STOP_LOSS}
    cancelled = await broker.cancel_order("bracket-1")
    assert len(cancelled) == 3
    await until(lambda: broker.open_orders() == [], what="the whole bracket cancelled")


async def test_an_odd_lot_is_refused_before_it_is_sent(broker: IbkrBroker, gateway: SimGateway) -> None:
    result = await broker.execute_trade("5", Side.BUY, D(100), OrderType.LIMIT, D(98), intent_id="odd-lot")
    assert result.outcome is Outcome.REJECTED and "lots of 400" in result.message and not result.sent
    assert gateway.broker.orders == {}


async def test_a_market_order_fills_and_the_account_follows(broker: IbkrBroker, gateway: SimGateway) -> None:
    fills: list[Fill] = []
    broker.fill_listeners.append(fills.append)
    assert broker.account().equity == D("1000000.00") and broker.account().fx_rates["HKD"] == D("0.1285")
    result = await broker.execute_trade("700", Side.BUY, D(200), OrderType.MARKET, intent_id="mkt-1")
    assert result.outcome is Outcome.FILLED and result.filled == 200 and result.fill_price > 0
    await until(lambda: broker.positions() != [] and len(fills) == 1, what="the position and the fill")
    [position] = broker.positions()
    assert position.quantity == 200 and position.instrument.display == "0700.HK"
    assert position.market_value_base == position.market_value * D("0.1285")
    assert fills[0].intent_id == "mkt-1" and fills[0].commission > 0
    assert [f.exec_id for f in broker.executions_today()] == [fills[0].exec_id]
    await until(lambda: (q := broker.quote("700")) is not None and q.bid is not None, what="a held symbol's quote")
    account = broker.account()
    await until(lambda: broker.account().cash < D(1_000_000), what="cash to move")
    assert broker.account().daily_pnl == broker.account().equity - D("1000000.00")
    assert account.is_paper


async def test_ib_rejections_come_back_with_code_and_text(broker: IbkrBroker) -> None:
    result = await broker.execute_trade("700", Side.BUY, D(100_000), OrderType.LIMIT, D(500), intent_id="too-big")
    assert result.outcome is Outcome.REJECTED and result.code == 201 and "buying power" in result.message


async def test_close_position_cancels_the_children_first(
    broker: IbkrBroker, gateway: SimGateway, clock: ControllableClock
) -> None:
    await broker.watch(["700"])
    entry = await broker.execute_trade("700", Side.BUY, D(100), OrderType.MARKET, stop_loss=D(450),
                                       take_profit=D(600), intent_id="to-close")  # fmt: skip
    assert entry.outcome is Outcome.FILLED
    await until(lambda: len(broker.open_orders()) == 2, what="the children to work")
    await until(lambda: broker.quote("700").bid is not None, what="a quote")
    closed = await broker.close_position("700", intent_id="close-700", reason="test")
    assert closed.outcome is Outcome.FILLED, closed.message
    assert closed.orders[0].order_type is OrderType.LIMIT  # a marketable limit from a fresh quote
    await until(lambda: broker.positions() == [], what="the position to be flat")
    opening, closing = broker.executions_today()
    expected = (closing.price - opening.price) * 100 - closing.commission  # IB's realised P&L is net of that fee
    assert opening.realized_pnl == 0 and closing.realized_pnl == expected < 0
    statuses = {o.order_ref: o.status for o in gateway.broker.orders.values()}
    assert statuses["to-close:sl"] == statuses["to-close:tp"] == "Cancelled"
    assert broker.open_orders() == []


async def test_a_close_waits_for_its_bracket_to_be_cancelled_or_is_not_sent(
    broker: IbkrBroker, gateway: SimGateway
) -> None:
    entry = await broker.execute_trade("700", Side.BUY, D(100), OrderType.MARKET, stop_loss=D(450),
                                       take_profit=D(600), intent_id="held")  # fmt: skip
    assert entry.outcome is Outcome.FILLED
    await until(lambda: len(broker.open_orders()) == 2, what="the children to work")
    gateway.pause()  # the cancels reach the gateway; their confirmations never come back
    closing = asyncio.ensure_future(broker.close_position("700", intent_id="close-held"))
    await until(lambda: {o.status for o in held_orders(gateway).values()} == {"Filled", "Cancelled"},
                what="the gateway to cancel the children")  # fmt: skip
    gateway.drop_all()
    closed = await closing
    assert closed.outcome is Outcome.REFUSED and "has not confirmed the cancel of 2 working order(s)" in closed.message
    assert "close-held" not in held_orders(gateway)  # a sell next to an unconfirmed stop could open a short


async def test_an_order_whose_answer_is_lost_in_a_drop_says_so_at_once(broker: IbkrBroker, gateway: SimGateway) -> None:
    await broker.details("700")
    gateway.pause()
    placing = asyncio.ensure_future(
        broker.execute_trade("700", Side.BUY, D(100), OrderType.LIMIT, D(400), intent_id="unanswered")
    )
    await until(lambda: "unanswered" in held_orders(gateway), what="the gateway to take the order")
    gateway.drop_all()
    result = await placing
    assert result.outcome is Outcome.SUBMITTED and "connection dropped before IB answered" in result.message


async def test_close_all_positions(broker: IbkrBroker) -> None:
    for symbol, quantity in (("700", 100), ("1299", 200)):
        result = await broker.execute_trade(symbol, Side.BUY, D(quantity), OrderType.MARKET, intent_id=f"buy-{symbol}")
        assert result.outcome is Outcome.FILLED
    await until(lambda: len(broker.positions()) == 2, what="two positions")
    results = await broker.close_all_positions("flatten")
    assert sorted(r.intent_id for r in results) == ["flatten:0700.HK", "flatten:1299.HK"]
    assert all(r.outcome is Outcome.FILLED for r in results)
    await until(lambda: broker.positions() == [], what="flat")


async def test_a_fill_during_an_outage_is_reported_once_and_the_intent_is_not_sent_again(
    broker: IbkrBroker, gateway: SimGateway, clock: ControllableClock
) -> None:
    fills: list[Fill] = []
    broker.fill_listeners.append(fills.append)
    aia = gateway.market.book(9_001_299)  # seed 7 takes AIA up two ticks within minutes
    entry = aia.ask
    request = dict(symbol="1299", side=Side.BUY, quantity=D(200), order_type=OrderType.LIMIT, limit_price=entry,
                   stop_loss=entry - 3, take_profit=entry + D("0.10"), intent_id="outage-1")  # fmt: skip
    assert (await broker.execute_trade(**request)).sent  # a marketable limit: it fills at once
    await until(lambda: len(fills) == 1, what="the entry fill")
    orders_before = len(gateway.broker.orders)

    await gateway.restart(down_seconds=600)
    take_profit = next(o for o in gateway.broker.orders.values() if o.order_ref == "outage-1:tp")
    while take_profit.status != "Filled":
        await clock.advance(30)  # the market moves on while nobody is connected
    await reconnected(broker, clock, attempts=30)

    assert [f.intent_id for f in fills] == ["outage-1", "outage-1:tp"]
    assert broker.last_reconciliation.missed_fills[0].intent_id == "outage-1:tp"
    assert broker.positions() == []
    again = await broker.execute_trade(**request)
    assert again.outcome is Outcome.ALREADY_SENT
    assert len(gateway.broker.orders) == orders_before
    assert broker.open_orders() == []  # the stop was cancelled with the take-profit's fill
    assert {o.status for o in again.orders} == {OrderStatus.FILLED, OrderStatus.CANCELLED}


async def test_a_nightly_restart_never_reuses_an_order_id(
    broker: IbkrBroker, gateway: SimGateway, clock: ControllableClock
) -> None:
    first = await broker.execute_trade("700", Side.BUY, D(100), OrderType.LIMIT, D(400), intent_id="before")
    await gateway.restart(down_seconds=5)
    await until(lambda: broker.state.phase.value == "reconnecting", what="the drop")
    await reconnected(broker, clock)
    assert [o.intent_id for o in broker.open_orders()] == ["before"]
    second = await broker.execute_trade("700", Side.BUY, D(100), OrderType.LIMIT, D(401), intent_id="after")
    assert second.outcome is Outcome.SUBMITTED
    assert second.orders[0].broker_order_id > first.orders[0].broker_order_id
    assert len({o.order_id for o in gateway.broker.orders.values()}) == 2


async def test_cancel_all_cancels_every_working_order(broker: IbkrBroker, gateway: SimGateway) -> None:
    for n, price in enumerate((D(400), D(401))):
        result = await broker.execute_trade("700", Side.BUY, D(100), OrderType.LIMIT, price, intent_id=f"working-{n}")
        assert result.outcome is Outcome.SUBMITTED
    broker.cancel_all()
    await until(lambda: broker.open_orders() == [], what="every order cancelled")
    assert {o.status for o in gateway.broker.orders.values()} == {"Cancelled"}


async def test_hkex_and_us_positions_together_in_local_and_base_currency(clock: ControllableClock) -> None:
    async with running_gateway(clock, seed=7, always_open=True) as sim:
        adapter = IbkrBroker(settings_for(sim.port), clock)
        await adapter.connect()
        try:
            for symbol, quantity in (("700", 100), ("AAPL", 10)):
                result = await adapter.execute_trade(symbol, Side.BUY, D(quantity), OrderType.MARKET, intent_id=symbol)
                assert result.outcome is Outcome.FILLED, result.message
            await until(lambda: len(adapter.positions()) == 2, what="both positions")
            by_symbol = {p.instrument.display: p for p in adapter.positions()}
            tencent, apple = by_symbol["0700.HK"], by_symbol["AAPL"]
            assert (tencent.instrument.currency, apple.instrument.currency) == ("HKD", "USD")
            assert tencent.market_value_base == tencent.market_value * D("0.1285")
            assert apple.market_value_base == apple.market_value and apple.unrealized_pnl_base is not None
        finally:
            await adapter.stop()
