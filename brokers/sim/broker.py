"""The simulated broker: accepts, holds, matches and cancels orders, and books executions on the account.

It emits events; the server turns them into IB's messages for the right clients.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

from brokers.sim.account import SimAccount, commission
from brokers.sim.market import Book, SimMarket
from brokers.sim.orders import (
    DONE,
    OFF_TICK,
    WORKING,
    Event,
    Executed,
    Execution,
    OrderChanged,
    Reject,
    Rejected,
    SimOrder,
    board_lot,
    reject,
)
from brokers.sim.universe import on_tick

D = Decimal


class SimBroker:
    def __init__(self, market: SimMarket, account: SimAccount) -> None:
        self.market = market
        self.account = account
        self.orders: dict[tuple[int, int], SimOrder] = {}
        self.executions: list[Execution] = []
        self.placements: Counter[str] = Counter()  # placeOrder calls per orderRef, accepted or not: what was sent
        self._held: dict[tuple[int, int], list[SimOrder]] = {}
        self._perm_ids = 1_000_000
        self._exec_seq = 0
        self.max_order_id = 0

    @property
    def next_order_id(self) -> int:
        """Never reused: one past the highest id any client has used, across restarts."""
        return self.max_order_id + 1

    def new_perm_id(self) -> int:
        self._perm_ids += 1
        return self._perm_ids

    # Placement

    def place(self, order: SimOrder, now: datetime) -> list[Event]:
        self.placements[order.order_ref] += 1
        self.max_order_id = max(self.max_order_id, order.order_id)
        existing = self.orders.get(order.key)
        if existing is not None:
            return [Rejected(order.client_id, order.order_id, 103, "Duplicate order id")]
        order.placed_at = now
        group_key = (order.client_id, order.parent_id or order.order_id)
        if not order.transmit:
            self._held.setdefault(group_key, []).append(order)
            return []
        group = [*self._held.pop(group_key, []), order]
        return self._submit(sorted(group, key=lambda o: o.order_id), now)

    def _submit(self, group: list[SimOrder], now: datetime) -> list[Event]:
        try:
            for order in group:
                self._validate(order, now)
        except Reject as refusal:
            return [Rejected(o.client_id, o.order_id, refusal.code, refusal.text) for o in group]
        events: list[Event] = []
        for order in group:
            order.perm_id = self.new_perm_id()
            self.orders[order.key] = order
            parent = self.orders.get((order.client_id, order.parent_id)) if order.parent_id else None
            order.status = "PreSubmitted" if parent is not None and parent.status != "Filled" else "Submitted"
            events.append(OrderChanged(order))
        for order in group:
            events += self._try_fill(order, now)
        return events

    def _validate(self, order: SimOrder, now: datetime) -> None:
        stock = order.stock
        if order.order_type not in ("MKT", "LMT", "STP"):
            raise reject(f"order type {order.order_type} is not supported by this gateway")
        if order.action not in ("BUY", "SELL"):
            raise reject(f"unknown action {order.action}")
        if order.quantity <= 0 or order.quantity != order.quantity.to_integral_value():
            raise reject(f"invalid quantity {order.quantity}")
        if order.quantity % stock.lot:
            raise board_lot(order.quantity, stock.lot)
        for price in (
            order.lmt if order.order_type == "LMT" else None,
            order.aux if order.order_type == "STP" else None,
        ):
            if price is not None and not on_tick(stock, price):
                raise Reject(*OFF_TICK)
        if order.order_type == "LMT" and order.lmt is None:
            raise reject("a limit order needs a limit price")
        if order.order_type == "STP" and order.aux is None:
            raise reject("a stop order needs a stop price")
        is_child = bool(order.parent_id)
        if order.order_type == "MKT" and not is_child and not self.market.sessions.is_open(stock, now):
            raise reject("the market is closed; market orders are not accepted outside trading hours")
        if not is_child and self._opens_exposure(order):
            price = order.lmt or self.market.book(stock.con_id).ask
            notional = self.account.to_base(order.quantity * price, stock.currency)
            if notional > self.account.buying_power(self.marks()):
                raise reject("insufficient buying power")

    def _opens_exposure(self, order: SimOrder) -> bool:
        holding = self.account.holdings.get(order.stock.con_id)
        held = holding.quantity if holding else D(0)
        return held == 0 or (held > 0) == (order.sign > 0) or order.quantity > abs(held)

    def marks(self) -> dict[int, Decimal]:
        return {con_id: book.last for con_id, book in self.market.books.items()}

    # Cancels

    def cancel(self, client_id: int, order_id: int, now: datetime) -> list[Event]:
        order = self.orders.get((client_id, order_id))
        if order is None or order.status in DONE:
            held = self._held.get((client_id, order_id))
            if held:
                self._held.pop((client_id, order_id))
                return [Rejected(client_id, o.order_id, 202, "Order Canceled - reason:") for o in held]
            return [
                Rejected(
                    client_id,
                    order_id,
                    10148 if order else 135,
                    "OrderId that needs to be cancelled can not be cancelled"
                    if order
                    else f"Can't find order with id ={order_id}",
                )
            ]
        events = self._cancel(order, now)
        for child in self._children(order):
            if child.status in WORKING:
                events += self._cancel(child, now)
        return events

    def cancel_all(self, now: datetime) -> list[Event]:
        events: list[Event] = []
        for order in list(self.orders.values()):
            if order.status in WORKING:
                events += self._cancel(order, now)
        return events

    def _cancel(self, order: SimOrder, now: datetime) -> list[Event]:
        order.status = "Cancelled"
        order.completed_at = now
        return [OrderChanged(order), Rejected(order.client_id, order.order_id, 202, "Order Canceled - reason:")]

    def _children(self, order: SimOrder) -> list[SimOrder]:
        return [o for o in self.orders.values() if o.client_id == order.client_id and o.parent_id == order.order_id]

    def _siblings(self, order: SimOrder) -> list[SimOrder]:
        return [
            o
            for o in self.orders.values()
            if o is not order
            and o.status in WORKING
            and o.client_id == order.client_id
            and (
                (order.parent_id and o.parent_id == order.parent_id)
                or (order.oca_group and o.oca_group == order.oca_group)
            )
        ]

    # Matching

    def match(self, now: datetime, books: list[Book]) -> list[Event]:
        touched = {b.stock.con_id for b in books}
        events: list[Event] = []
        for order in list(self.orders.values()):
            if order.status == "Submitted" and order.stock.con_id in touched:
                events += self._try_fill(order, now)
        return events

    def _try_fill(self, order: SimOrder, now: datetime) -> list[Event]:
        if order.status != "Submitted" or not self.market.sessions.is_open(order.stock, now):
            return []
        book = self.market.book(order.stock.con_id)
        price = self._fill_price(order, book)
        if price is None:
            return []
        available = D(book.ask_size if order.sign > 0 else book.bid_size)
        shares = min(order.remaining, max(available, D(order.stock.lot)))
        return self._execute(order, shares, price, now)

    @staticmethod
    def _fill_price(order: SimOrder, book: Book) -> Decimal | None:
        buying = order.sign > 0
        touch = book.ask if buying else book.bid
        if order.order_type == "STP" and not order.triggered:
            crossed = book.last >= order.aux if buying else book.last <= order.aux  # type: ignore[operator]
            if not crossed:
                return None
            order.triggered = True
        if order.order_type == "LMT":
            marketable = touch <= order.lmt if buying else touch >= order.lmt  # type: ignore[operator]
            return touch if marketable else None
        return touch

    def _execute(self, order: SimOrder, shares: Decimal, price: Decimal, now: datetime) -> list[Event]:
        fee = commission(order.stock, shares, price)
        holding = self.account.holdings.get(order.stock.con_id)
        closing = holding is not None and holding.quantity != 0 and (holding.quantity > 0) != (order.sign > 0)
        realized = self.account.apply(order.stock, order.sign * shares, price, fee)
        order.avg_fill = (order.avg_fill * order.filled + price * shares) / (order.filled + shares)
        order.filled += shares
        order.last_fill = price
        self._exec_seq += 1
        execution = Execution(
            exec_id=f"0000sim{order.perm_id:x}.{self._exec_seq:08x}.01.01",
            order=order,
            shares=shares,
            price=price,
            time=now,
            cum_qty=order.filled,
            avg_price=order.avg_fill,
            commission=fee,
            realized=realized,
            closing=closing,
        )
        self.executions.append(execution)
        if order.remaining == 0:
            order.status = "Filled"
            order.completed_at = now
        events: list[Event] = [OrderChanged(order), Executed(execution)]
        if order.status == "Filled":
            events += self._after_fill(order, now)
        return events

    def _after_fill(self, order: SimOrder, now: datetime) -> list[Event]:
        """A filled parent releases its children; a filled child cancels its OCA siblings."""
        events: list[Event] = []
        for sibling in self._siblings(order):
            events += self._cancel(sibling, now)
        for child in self._children(order):
            if child.status == "PreSubmitted":
                child.status = "Submitted"
                events.append(OrderChanged(child))
                events += self._try_fill(child, now)
        return events

    def expire_day_orders(self, now: datetime) -> list[Event]:
        """DAY orders die when their exchange's trading date has moved on (never while always open)."""
        if self.market.sessions.always_open:
            return []
        events: list[Event] = []
        for order in list(self.orders.values()):
            if order.status in WORKING and order.tif == "DAY" and order.placed_at is not None:
                zone = self.market.sessions.zone(order.stock)
                if now.astimezone(zone).date() > order.placed_at.astimezone(zone).date():
                    events += self._cancel(order, now)
        return events
