"""Orders out: prices rounded the safe way, lots checked before sending, brackets built, every order tagged with
its intent id as orderRef, and no intent that reached the broker ever sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from decimal import Decimal

from ib_async import IB, Trade
from ib_async import Order as IbOrder

from brokers.ibkr_contracts import Contracts, UnknownInstrument, instrument_of
from brokers.ibkr_quotes import QuoteBook
from brokers.ibkr_views import STOP_LOSS_SUFFIX, TAKE_PROFIT_SUFFIX, intent_of, order_from
from catalyst_tui.broker_models import InstrumentDetails, Outcome, TradeResult
from catalyst_tui.markets import lots, ticks
from catalyst_tui.models import OrderType, Side

ACK_SECONDS = 5.0
REJECTED = ("Cancelled", "ApiCancelled", "Inactive", "ValidationError")
CLOSE_COLLAR = Decimal("0.01")  # a closing limit crosses the spread by 1 %: marketable, yet never unbounded


class OrderDesk:
    def __init__(self, ib: IB, contracts: Contracts, quotes: QuoteBook, why_not: Callable[[], str | None]) -> None:
        self.ib, self.contracts, self.quotes = ib, contracts, quotes
        self.why_not = why_not  # a reason the adapter cannot send now, or None
        self.pending: set[str] = set()  # intents placed on this connection, before the broker echoes them

    def known_intents(self) -> set[str]:
        """Every intent the broker has seen this session (open, done or executed), and those just placed."""
        refs = {t.order.orderRef for t in self.ib.trades() if t.order.orderRef}
        refs |= {f.execution.orderRef for f in self.ib.fills() if f.execution.orderRef}
        return {intent_of(r)[0] for r in refs} | self.pending

    def trades_of(self, intent_id: str) -> list[Trade]:
        return [t for t in self.ib.trades() if t.order.orderRef and intent_of(t.order.orderRef)[0] == intent_id]

    async def execute_trade(
        self, symbol: str, side: Side, quantity: Decimal, order_type: OrderType, limit_price: Decimal | None = None,
        stop_loss: Decimal | None = None, take_profit: Decimal | None = None, reason: str = "", intent_id: str = "",
    ) -> TradeResult:  # fmt: skip
        if not intent_id:
            return TradeResult(Outcome.REJECTED, intent_id, "not sent: an order needs an intent id")
        blocked = self.why_not()
        if blocked:
            return TradeResult(Outcome.REFUSED, intent_id, f"not sent: {blocked}")
        if intent_id in self.known_intents():
            return self._already_sent(intent_id)
        try:
            details = await self.contracts.details(symbol)
            orders = self._build(details, side, quantity, order_type, limit_price, stop_loss, take_profit, intent_id)
        except (UnknownInstrument, lots.LotError, ticks.PriceError, ValueError) as exc:
            return TradeResult(Outcome.REJECTED, intent_id, f"not sent: {exc}")
        contract = self.contracts.contract(details.instrument)
        self.pending.add(intent_id)
        trades = [self.ib.placeOrder(contract, order) for order in orders]
        return await self._outcome(intent_id, trades, wait_for_fill=order_type is OrderType.MARKET)

    def _build(
        self, details: InstrumentDetails, side: Side, quantity: Decimal, order_type: OrderType,
        limit_price: Decimal | None, stop_loss: Decimal | None, take_profit: Decimal | None, intent_id: str,
    ) -> list[IbOrder]:  # fmt: skip
        lots.check_lots(quantity, details.lot)
        if order_type is OrderType.LIMIT and limit_price is None:
            raise ValueError("a limit order needs a limit price")
        if order_type is OrderType.STOP:
            raise ValueError("stop entries are not supported; give stop_loss to protect an entry")

        def rounded(price: Decimal, role: ticks.PriceRole) -> float:
            return float(ticks.round_in(details.ticks, price, ticks.safe_direction(role, side)))

        children = [(TAKE_PROFIT_SUFFIX, "LMT", take_profit, ticks.PriceRole.TAKE_PROFIT),
                    (STOP_LOSS_SUFFIX, "STP", stop_loss, ticks.PriceRole.STOP_LOSS)]  # fmt: skip
        children = [c for c in children if c[2] is not None]
        parent = IbOrder(
            orderId=self.ib.client.getReqId(), action=side.value, totalQuantity=float(quantity),
            orderType=order_type.value, tif="DAY", orderRef=intent_id, transmit=not children,
        )  # fmt: skip
        if limit_price is not None and order_type is OrderType.LIMIT:
            parent.lmtPrice = rounded(limit_price, ticks.PriceRole.LIMIT)
        built = [parent]
        for n, (suffix, kind, price, role) in enumerate(children):
            child = IbOrder(
                orderId=self.ib.client.getReqId(), action=side.opposite.value, totalQuantity=float(quantity),
                orderType=kind, tif="GTC", orderRef=intent_id + suffix, parentId=parent.orderId,
                transmit=n == len(children) - 1,
            )  # fmt: skip
            if kind == "LMT":
                child.lmtPrice = rounded(price, role)  # type: ignore[arg-type]
            else:
                child.auxPrice = rounded(price, role)  # type: ignore[arg-type]
            built.append(child)
        return built

    async def _outcome(self, intent_id: str, trades: list[Trade], wait_for_fill: bool) -> TradeResult:
        parent = trades[0]
        dropped = await self._answered_or_dropped(_settled(parent, wait_for_fill))
        orders = tuple(order_from(t) for t in trades)
        status = parent.orderStatus
        if dropped and status.status in ("PendingSubmit", ""):
            return TradeResult(Outcome.SUBMITTED, intent_id, "sent, but the connection dropped before IB answered; "
                               "it is matched by its orderRef when the link is back", orders)  # fmt: skip
        if status.status in REJECTED:
            code, text = _last_error(parent)
            return TradeResult(Outcome.REJECTED, intent_id, f"rejected by IB: {text}" if text else "rejected by IB",
                               orders, code=code)  # fmt: skip
        if status.status == "Filled":
            price = Decimal(str(status.avgFillPrice))
            return TradeResult(Outcome.FILLED, intent_id, f"filled {status.filled:g} at {price}", orders, price,
                               Decimal(str(status.filled)))  # fmt: skip
        filled = Decimal(str(status.filled or 0))
        return TradeResult(Outcome.SUBMITTED, intent_id, f"working at IB ({status.status or 'sent'})", orders,
                           filled=filled)  # fmt: skip

    async def _answered_or_dropped(self, answer: Coroutine[object, object, None]) -> bool:
        """Wait up to ACK_SECONDS for IB's answer; True if the connection dropped first, as nothing more can come."""
        answered = asyncio.ensure_future(answer)
        dropped = asyncio.ensure_future(self._disconnect())
        try:
            done, _ = await asyncio.wait({answered, dropped}, timeout=ACK_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        finally:
            answered.cancel()
            dropped.cancel()
        return dropped in done and answered not in done

    async def _disconnect(self) -> None:
        await self.ib.disconnectedEvent

    def _already_sent(self, intent_id: str) -> TradeResult:
        found = self.trades_of(intent_id)
        orders = tuple(order_from(t) for t in found)
        states = ", ".join(f"{o.role.value} {o.status.value}" for o in orders) or "known to IB"
        return TradeResult(Outcome.ALREADY_SENT, intent_id, f"not sent again: intent {intent_id} is already at IB "
                           f"({states})", orders)  # fmt: skip

    # Cancelling and closing

    async def cancel_order(self, intent_id: str) -> list[Trade]:
        """Cancel every working order of an intent (a bracket's children too); returns them once IB has answered."""
        working = [t for t in self.trades_of(intent_id) if not t.isDone()]
        await self._cancel(working)
        return working

    async def _cancel(self, trades: list[Trade]) -> None:
        for trade in trades:
            self.ib.cancelOrder(trade.order)
        if trades:
            await self._answered_or_dropped(_all_done(trades))

    def cancel_all(self) -> None:
        self.ib.reqGlobalCancel()

    async def close_position(self, symbol: str, intent_id: str, reason: str = "") -> TradeResult:
        blocked = self.why_not()
        if blocked:
            return TradeResult(Outcome.REFUSED, intent_id, f"not sent: {blocked}")
        try:
            details = await self.contracts.details(symbol)
        except UnknownInstrument as exc:
            return TradeResult(Outcome.REJECTED, intent_id, f"not sent: {exc}")
        con_id = details.con_id
        working = [t for t in self.ib.openTrades() if t.contract.conId == con_id]
        await self._cancel(working)
        unconfirmed = [t for t in working if not t.isDone()]
        if unconfirmed:
            return TradeResult(Outcome.REFUSED, intent_id, f"not sent: IB has not confirmed the cancel of "
                               f"{len(unconfirmed)} working order(s) on {details.instrument.display}; selling now "
                               "could leave a stop that opens a short. Try again.")  # fmt: skip
        held = _holding(self.ib, con_id)
        if held == 0:
            return TradeResult(Outcome.REJECTED, intent_id, f"no position in {details.instrument.display} to close")
        side = Side.SELL if held > 0 else Side.BUY
        limit = self._marketable_limit(details, side)
        kind = OrderType.MARKET if limit is None else OrderType.LIMIT
        return await self.execute_trade(details.instrument.display, side, abs(held), kind, limit, reason=reason,
                                        intent_id=intent_id)  # fmt: skip

    def _marketable_limit(self, details: InstrumentDetails, side: Side) -> Decimal | None:
        """Across the spread by the collar, from a fresh quote; None (a market order) when there is none."""
        quote = self.quotes.quote(details.instrument.display)
        if quote is None or quote.stale:
            return None
        touch = quote.bid if side is Side.SELL else quote.ask
        if touch is None:
            return None
        return touch * (1 - CLOSE_COLLAR) if side is Side.SELL else touch * (1 + CLOSE_COLLAR)

    async def close_all_positions(self, intent_prefix: str, reason: str = "") -> list[TradeResult]:
        results = []
        for item in list(self.ib.portfolio()):
            if item.position:
                symbol = instrument_of(item.contract).display
                results.append(await self.close_position(symbol, f"{intent_prefix}:{symbol}", reason))
        return results


def _holding(ib: IB, con_id: int) -> Decimal:
    for item in ib.portfolio():
        if item.contract.conId == con_id:
            return Decimal(str(item.position))
    for position in ib.positions():
        if position.contract.conId == con_id:
            return Decimal(str(position.position))
    return Decimal(0)


async def _settled(trade: Trade, wait_for_fill: bool) -> None:
    """Until IB has accepted (or filled, for a market order) or refused the order."""
    while True:
        status = trade.orderStatus.status
        if status == "Filled" or status in REJECTED:
            return
        if not wait_for_fill and status in ("Submitted", "PreSubmitted"):
            return
        await trade.statusEvent


async def _done(trade: Trade) -> None:
    while not trade.isDone():
        await trade.statusEvent


async def _all_done(trades: list[Trade]) -> None:
    await asyncio.gather(*(_done(t) for t in trades))


def _last_error(trade: Trade) -> tuple[int | None, str]:
    for entry in reversed(trade.log):
        if entry.errorCode:
            return entry.errorCode, entry.message
    return None, ""
