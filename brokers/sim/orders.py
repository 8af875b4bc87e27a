"""Orders as the simulated broker holds them, the events it emits, and IB's rejection codes and wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from brokers.sim.universe import Stock

D = Decimal
WORKING = ("PreSubmitted", "Submitted")
DONE = ("Filled", "Cancelled", "Inactive")


@dataclass
class SimOrder:
    """One order; mutable because the broker moves it through its states."""

    order_id: int
    client_id: int
    perm_id: int
    stock: Stock
    action: str  # BUY or SELL
    quantity: Decimal
    order_type: str  # MKT, LMT or STP
    lmt: Decimal | None
    aux: Decimal | None
    tif: str
    account: str
    order_ref: str = ""
    parent_id: int = 0
    oca_group: str = ""
    transmit: bool = True
    placed_at: datetime | None = None
    status: str = "PendingSubmit"
    filled: Decimal = D(0)
    avg_fill: Decimal = D(0)
    last_fill: Decimal = D(0)
    triggered: bool = False
    completed_at: datetime | None = None

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled

    @property
    def sign(self) -> int:
        return 1 if self.action == "BUY" else -1

    @property
    def key(self) -> tuple[int, int]:
        return (self.client_id, self.order_id)


@dataclass(frozen=True)
class Execution:
    exec_id: str
    order: SimOrder
    shares: Decimal
    price: Decimal
    time: datetime
    cum_qty: Decimal
    avg_price: Decimal
    commission: Decimal
    realized: Decimal
    closing: bool  # it reduced an existing position, so it realised P&L


@dataclass(frozen=True)
class OrderChanged:
    """The order's owner gets openOrder then orderStatus."""

    order: SimOrder


@dataclass(frozen=True)
class Executed:
    """The owner gets execDetails then commissionReport; every account subscriber a portfolio update."""

    execution: Execution


@dataclass(frozen=True)
class Rejected:
    client_id: int
    order_id: int
    code: int
    text: str


Event = OrderChanged | Executed | Rejected


class Reject(Exception):
    """A placement the broker refuses, with IB's code and wording."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


NO_SECURITY = (200, "No security definition has been found for the request")
OFF_TICK = (110, "The price does not conform to the minimum price variation for this contract.")


def reject(reason: str) -> Reject:
    return Reject(201, f"Order rejected - reason:{reason}")


def board_lot(quantity: Decimal, lot: int) -> Reject:
    return Reject(
        321,
        f"Error validating request.-'bN' : cause - The order size {quantity} is not a multiple of the board lot {lot}.",
    )
