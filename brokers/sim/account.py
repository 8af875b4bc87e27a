"""The paper account behind the simulator: cash per currency, positions, P&L and commissions.

Only executions change it. The base currency is USD; HKD converts at a fixed rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from brokers.sim.universe import Stock

D = Decimal
FX_TO_BASE = {"USD": D(1), "HKD": D("0.12850")}
STARTING_CASH = D(1_000_000)


@dataclass
class Holding:
    stock: Stock
    quantity: Decimal = D(0)
    avg_cost: Decimal = D(0)
    realized: Decimal = D(0)


def commission(stock: Stock, quantity: Decimal, price: Decimal) -> Decimal:
    """IB-like tiered rates: US $0.005/share (min $1, max 1% of value); HK 0.05% of value (min HKD 18)."""
    value = quantity * price
    if stock.is_hk:
        return max(value * D("0.0005"), D(18)).quantize(D("0.01"), ROUND_HALF_UP)
    return min(max(quantity * D("0.005"), D(1)), value * D("0.01")).quantize(D("0.01"), ROUND_HALF_UP)


@dataclass
class SimAccount:
    account_id: str
    cash: dict[str, Decimal] = field(default_factory=lambda: {"USD": STARTING_CASH, "HKD": D(0)})
    holdings: dict[int, Holding] = field(default_factory=dict)
    commissions: Decimal = D(0)

    def apply(self, stock: Stock, signed_qty: Decimal, price: Decimal, fee: Decimal) -> Decimal:
        """Book one execution; return the P&L it realised, in the stock's currency, after its commission."""
        holding = self.holdings.setdefault(stock.con_id, Holding(stock))
        old = holding.quantity
        realized = D(0)
        if old and (old > 0) != (signed_qty > 0):
            closed = min(abs(old), abs(signed_qty))
            realized = (price - holding.avg_cost) * closed * (1 if old > 0 else -1)
        new = old + signed_qty
        if new == 0:
            holding.avg_cost = D(0)
        elif old == 0 or (old > 0) != (new > 0):
            holding.avg_cost = price
        elif abs(new) > abs(old):
            holding.avg_cost = (holding.avg_cost * abs(old) + price * abs(signed_qty)) / abs(new)
        holding.quantity = new
        holding.realized += realized - fee
        self.cash[stock.currency] = self.cash.get(stock.currency, D(0)) - signed_qty * price - fee
        self.commissions += fee * FX_TO_BASE[stock.currency]
        return realized - fee

    def to_base(self, amount: Decimal, currency: str) -> Decimal:
        return amount * FX_TO_BASE[currency]

    def total_cash(self) -> Decimal:
        return sum((self.to_base(v, c) for c, v in self.cash.items()), D(0))

    def net_liquidation(self, marks: dict[int, Decimal]) -> Decimal:
        value = self.total_cash()
        for con_id, h in self.holdings.items():
            value += self.to_base(h.quantity * marks.get(con_id, h.avg_cost), h.stock.currency)
        return value

    def gross_position_value(self, marks: dict[int, Decimal]) -> Decimal:
        return sum(
            (
                abs(self.to_base(h.quantity * marks.get(c, h.avg_cost), h.stock.currency))
                for c, h in self.holdings.items()
            ),
            D(0),
        )

    def buying_power(self, marks: dict[int, Decimal]) -> Decimal:
        """A Reg-T style margin account: twice the equity, less what positions already use."""
        return max(D(0), 2 * self.net_liquidation(marks) - self.gross_position_value(marks))
