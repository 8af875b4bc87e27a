"""ib_async's objects turned into Catalyst's domain records: floats become Decimal, missing values None."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ib_async import AccountValue, PortfolioItem, Trade
from ib_async import Fill as IbFill

from brokers.ibkr_contracts import instrument_of
from brokers.ibkr_quotes import decimal_or_none
from catalyst_tui.models import Account, BracketRole, Fill, Market, Order, OrderStatus, OrderType, Position, Side

TAKE_PROFIT_SUFFIX, STOP_LOSS_SUFFIX = ":tp", ":sl"
ZONES = {Market.HK: ZoneInfo("Asia/Hong_Kong"), Market.US: ZoneInfo("America/New_York")}
STATUS_OF = {s.value: s for s in OrderStatus} | {
    "ApiPending": OrderStatus.PENDING,
    "PendingCancel": OrderStatus.SUBMITTED,
    "ApiCancelled": OrderStatus.CANCELLED,
    "ValidationError": OrderStatus.REJECTED,
}


def _money(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def account_from(account_id: str, values: list[AccountValue]) -> Account | None:
    """The account in its base currency, or None until IB has sent the figures."""
    table = {(v.tag, v.currency): v.value for v in values if v.account == account_id}
    base = next((cur for (tag, cur) in table if tag == "NetLiquidation" and cur not in ("", "BASE")), None)
    if base is None:
        return None
    equity = _money(table[("NetLiquidation", base)])
    cash = _money(table.get(("TotalCashValue", base), ""))
    buying_power = _money(table.get(("BuyingPower", base), ""))
    if equity is None or cash is None or buying_power is None:
        return None
    previous = _money(table.get(("PreviousDayEquityWithLoanValue", base), ""))
    rates = {cur: r for (tag, cur), v in table.items() if tag == "ExchangeRate" and (r := _money(v)) and r > 0}
    return Account(account_id, base, equity, cash, buying_power,
                   daily_pnl=None if previous is None else equity - previous, fx_rates=rates)  # fmt: skip


def position_from(item: PortfolioItem, account: Account | None) -> Position:
    instrument = instrument_of(item.contract)
    rate = account.fx_rates.get(instrument.currency) if account else None
    return Position(
        instrument, Decimal(str(item.position)), Decimal(str(item.averageCost)),
        decimal_or_none(item.marketPrice), rate,
    )  # fmt: skip


def intent_of(order_ref: str) -> tuple[str, BracketRole]:
    """Our intent id and bracket role from an orderRef: children carry the parent's id with a suffix."""
    for suffix, role in ((TAKE_PROFIT_SUFFIX, BracketRole.TAKE_PROFIT), (STOP_LOSS_SUFFIX, BracketRole.STOP_LOSS)):
        if order_ref.endswith(suffix):
            return order_ref[: -len(suffix)], role
    return order_ref, BracketRole.ENTRY


def order_from(trade: Trade) -> Order:
    order, status = trade.order, trade.orderStatus
    parent_intent, role = intent_of(order.orderRef or "")
    return Order(
        intent_id=order.orderRef or f"ib:{order.permId or order.orderId}",
        instrument=instrument_of(trade.contract),
        side=Side(order.action),
        quantity=Decimal(str(order.totalQuantity)),
        order_type=OrderType(order.orderType) if order.orderType in ("MKT", "LMT", "STP") else OrderType.LIMIT,
        status=STATUS_OF.get(status.status, OrderStatus.PENDING),
        limit_price=decimal_or_none(order.lmtPrice) if order.orderType == "LMT" else None,
        stop_price=decimal_or_none(order.auxPrice) if order.orderType == "STP" else None,
        filled=Decimal(str(status.filled or 0)),
        broker_order_id=order.orderId or None,
        role=role,
        parent_intent_id=parent_intent if role is not BracketRole.ENTRY else None,
    )


def fill_from(fill: IbFill) -> Fill:
    ex, report = fill.execution, fill.commissionReport
    return Fill(
        exec_id=ex.execId, instrument=instrument_of(fill.contract), side=Side.BUY if ex.side == "BOT" else Side.SELL,
        quantity=Decimal(str(ex.shares)), price=Decimal(str(ex.price)), time=ex.time,
        intent_id=ex.orderRef or None, commission=Decimal(str(report.commission)) if report.execId else None,
        realized_pnl=Decimal(str(report.realizedPNL)) if report.execId else None,
    )  # fmt: skip


def local_date(market: Market, t: datetime) -> date:
    return t.astimezone(ZONES[market]).date()
