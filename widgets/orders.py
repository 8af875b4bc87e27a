"""The orders pane: working orders, each bracket's stop and target directly under their entry.

The operator cancels from here, and cancelling any leg cancels its bracket, so `selected_intent()` answers with
the bracket's (parent's) intent id. The table is patched in place (see `KeyedTable`): the highlighted order stays
highlighted while fills and status changes stream in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from catalyst_tui.models import BracketRole, Order, OrderType
from widgets.positions import KeyedTable, format_quantity
from widgets.quotes import format_price

CHILD_LABELS = {BracketRole.STOP_LOSS: "stop", BracketRole.TAKE_PROFIT: "target"}
_LEG_RANK = {BracketRole.ENTRY: 0, BracketRole.STOP_LOSS: 1, BracketRole.TAKE_PROFIT: 2}


def bracket_of(order: Order) -> str:
    """The intent id of the bracket an order belongs to: its parent's, or its own for an entry."""
    return order.parent_intent_id or order.intent_id


def group_orders(orders: Sequence[Order]) -> list[tuple[Order, str]]:
    """Working orders as (order, intent label), each bracket's legs together: entry, then stop, then target.

    Brackets keep the order in which they first appear in `orders`. A child shows as "  └ stop" under its entry;
    a child whose entry is no longer working (it filled, typically) still shows, labelled with the bracket's
    intent id so the operator knows what it protects.
    """
    working = [o for o in orders if o.status.is_working]
    first_seen: dict[str, int] = {}
    for order in working:
        first_seen.setdefault(bracket_of(order), len(first_seen))
    entries = {o.intent_id for o in working if o.parent_intent_id is None}
    legs = sorted(working, key=lambda o: (first_seen[bracket_of(o)], _LEG_RANK.get(o.role, 3), o.intent_id))
    rows = []
    for order in legs:
        if order.parent_intent_id is None:
            label = order.intent_id
        else:
            name = CHILD_LABELS.get(order.role, order.role.value)
            prefix = "  " if order.parent_intent_id in entries else order.parent_intent_id + " "
            label = f"{prefix}└ {name}"
        rows.append((order, label))
    return rows


def order_price(order: Order) -> str:
    """The price that decides when it trades: the limit of a limit order, the trigger of a stop, "MKT" for a
    market order."""
    if order.order_type is OrderType.LIMIT:
        return format_price(order.limit_price)
    if order.order_type is OrderType.STOP:
        return format_price(order.stop_price)
    return "MKT" if order.limit_price is None and order.stop_price is None else format_price(order.limit_price)


def order_cells(order: Order, label: str) -> tuple[str, ...]:
    """One order's row."""
    return (
        label,
        order.instrument.display,
        order.side.value,
        format_quantity(order.quantity),
        order.order_type.value,
        order_price(order),
        order.status.value,
        f"{format_quantity(order.filled)}/{format_quantity(order.remaining)}",
    )


class OrdersTable(KeyedTable):
    """Working orders, grouped by bracket; brackets keep the place they were first shown in."""

    COLUMNS: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("intent", "Intent", False),
        ("symbol", "Symbol", False),
        ("side", "Side", False),
        ("qty", "Qty", True),
        ("type", "Type", False),
        ("price", "Price", True),
        ("status", "Status", False),
        ("filled", "Filled/Rem", True),
    )

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._orders: dict[str, Order] = {}  # row key (intent id) -> the order shown there
        self._seen: dict[str, int] = {}  # bracket intent id -> when it was first shown, to keep its place
        self._seen_count = 0

    def show(self, orders: Sequence[Order]) -> None:
        """Patch the table to the working orders in `orders`; finished ones disappear."""
        working = [o for o in orders if o.status.is_working]
        brackets = {bracket_of(o) for o in working}
        self._seen = {b: n for b, n in self._seen.items() if b in brackets}
        for order in working:
            if bracket_of(order) not in self._seen:
                self._seen[bracket_of(order)] = self._seen_count
                self._seen_count += 1
        working.sort(key=lambda o: self._seen[bracket_of(o)])  # stable: legs keep their relative order
        rows = group_orders(working)
        self._orders = {order.intent_id: order for order, _ in rows}
        self.patch([(order.intent_id, order_cells(order, label)) for order, label in rows])

    def selected_intent(self) -> str | None:
        """The bracket intent of the highlighted row (a child answers with its parent), or None when empty."""
        key = self.cursor_key()
        order = self._orders.get(key) if key is not None else None
        return bracket_of(order) if order is not None else None

    def selected_order(self) -> Order | None:
        """The order on the highlighted row, or None when the table is empty."""
        key = self.cursor_key()
        return self._orders.get(key) if key is not None else None
