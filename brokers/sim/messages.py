"""Server-to-client messages at server version 178, field for field as ib_async 2.1.0's decoder reads them.

Layouts are in `decoder.py` of ib_async; "v" marks the message-version field the client skips.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from brokers.sim.orders import Execution, SimOrder
from brokers.sim.universe import Stock

V = 1
STK = "STK"


def contract_fields(stock: Stock, exchange: str) -> list[object]:
    """conId … tradingClass, the 11 fields most messages carry (no primary exchange)."""
    return [
        stock.con_id,
        stock.symbol,
        STK,
        "",
        "0",
        "",
        "",
        exchange,
        stock.currency,
        stock.local_symbol,
        stock.symbol,
    ]


def route(stock: Stock) -> str:
    return stock.exchange if stock.is_hk else "SMART"


def error(req_id: int, code: int, text: str) -> list[object]:
    return [4, V, req_id, code, text, ""]


def order_status(order: SimOrder) -> list[object]:
    return [
        3, order.order_id, order.status, order.filled, order.remaining, order.avg_fill,
        order.perm_id, order.parent_id, order.last_fill, order.client_id, "", "",
    ]  # fmt: skip


def _order_core(order: SimOrder) -> list[object]:
    return [order.action, order.quantity, order.order_type, order.lmt, order.aux, order.tif, order.oca_group,
            order.account, "O", 0, order.order_ref]  # fmt: skip


def open_order(order: SimOrder) -> list[object]:
    return [
        5, order.order_id, *contract_fields(order.stock, route(order.stock)),
        *_order_core(order), order.client_id, order.perm_id, 0, 0, "", "", "", "", "", "",
        # modelCode … deltaNeutralAuxPrice
        "", "", "", "", "", "", "", "-1", "", "", "", "", "", "", "", 0, 0, 0, "",
        3 if order.parent_id else 0, 0, 0, "", order.parent_id, 0, "", "", "", "",
        # continuousUpdate … comboLegsDescrip, then empty leg, order-leg and routing-param lists
        0, "", "", "", "", "", "", 0, 0, 0,
        "", "", "",  # scale sizes and increment
        "",  # hedgeType
        0, "", "", 0, 0,  # optOutSmartRouting, clearingAccount, clearingIntent, notHeld, no delta-neutral contract
        "",  # algoStrategy
        0, 0, order.status, "", "", "", "", "", "", "", "", "", "", "", "", "", "", 0, 0,
        0,  # no conditions
        "", "", "", "", "", "", "", "", "", "", "", "", 0, 0, "", 0,
        "", 0, 0,  # duration, postToAts, autoCancelParent
        "", "", "", "", "",  # minTradeQty … midOffsetAtHalf
    ]  # fmt: skip


def completed_order(order: SimOrder) -> list[object]:
    done = order.completed_at or order.placed_at
    completed = f"{done.astimezone(UTC):%Y%m%d %H:%M:%S} UTC" if done else ""
    return [
        101, *contract_fields(order.stock, route(order.stock)),
        *_order_core(order), order.perm_id, 0, 0, "", "", "", "", "",
        # modelCode … deltaNeutralAuxPrice
        "", "", "", "", "", "", "", "-1", "", "", "", "", "", "", 0, 0, "",
        3 if order.parent_id else 0, 0, "", "", "", "",
        0, "", "", "", "", 0, 0, 0,
        "", "", "", "",
        "", "", 0, 0,
        "",
        0, order.status, 0, 0,
        0,
        "", "", "", 0, 0, "", order.filled, 0, 0, "", 0, 0, "", completed, order.status,
        "", "", "", "", "",
    ]  # fmt: skip


def exec_details(req_id: int, ex: Execution, account: str) -> list[object]:
    order = ex.order
    side = "BOT" if order.action == "BUY" else "SLD"
    return [
        11, req_id, order.order_id, *contract_fields(order.stock, order.stock.exchange), ex.exec_id,
        f"{ex.time.astimezone(UTC):%Y%m%d %H:%M:%S} UTC", account, order.stock.exchange, side, ex.shares, ex.price,
        order.perm_id, order.client_id, 0, ex.cum_qty, ex.avg_price, order.order_ref, "", "", "", 1, 0,
    ]  # fmt: skip


def commission_report(ex: Execution) -> list[object]:
    # IB leaves realised P&L unset on an opening execution (Java's Double.MAX_VALUE, as IB writes it);
    # on a closing one it is net of that commission.
    realized = ex.realized if ex.closing else "1.7976931348623157E308"
    return [59, V, ex.exec_id, ex.commission, ex.order.stock.currency, realized, "", ""]


def contract_details(req_id: int, stock: Stock, exchange: str, tick: Decimal, rule_id: int, zone: str,
                     trading: str, liquid: str) -> list[object]:  # fmt: skip
    valid = f"SMART,{stock.exchange}" if not stock.is_hk else "SEHK"
    rules = ",".join(str(rule_id) for _ in valid.split(","))
    return [
        10, req_id, stock.symbol, STK, "", "0", "", exchange, stock.currency, stock.local_symbol, stock.symbol,
        stock.symbol, stock.con_id, tick, "", "ACTIVETIM,AD,ADJUST,ALERT,LMT,MKT,STP", valid, 1, 0, stock.long_name,
        stock.exchange, "", "", "", "", zone, trading, liquid, "", "", 0,
        1, "", "", rules, "", "COMMON", stock.lot, stock.lot, stock.lot,
    ]  # fmt: skip


def position(account: str, stock: Stock, quantity: Decimal, avg_cost: Decimal) -> list[object]:
    return [61, 3, account, *contract_fields(stock, stock.exchange), quantity, avg_cost]


def portfolio(account: str, stock: Stock, quantity: Decimal, price: Decimal, avg_cost: Decimal,
              realized: Decimal) -> list[object]:  # fmt: skip
    fields = contract_fields(stock, stock.exchange)
    value = quantity * price
    return [
        7, 8, *fields[:7], stock.exchange, *fields[8:], quantity, price, value, avg_cost,
        value - quantity * avg_cost, realized, account,
    ]  # fmt: skip


def account_value(tag: str, value: object, currency: str, account: str) -> list[object]:
    return [6, 2, tag, value, currency, account]


def market_rule(rule_id: int, increments: list[tuple[Decimal, Decimal]]) -> list[object]:
    return [93, rule_id, len(increments), *[x for pair in increments for x in pair]]


def end(message_id: int, *ids: object) -> list[object]:
    """The many `…End` messages: id, version, then the request id or account where there is one."""
    return [message_id, V, *ids]
