"""Client-to-server requests: the fields the simulator reads from each, by position, as ib_async sends them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

PRICE_PLACES = Decimal("0.000001")  # floats arrive as 0.30000000000000004: IB keeps prices to a few places


@dataclass(frozen=True)
class ContractRef:
    con_id: int
    symbol: str
    sec_type: str
    exchange: str
    primary: str
    currency: str


def contract_at(fields: list[str], start: int) -> ContractRef:
    """Contract(12) = conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange,
    primaryExchange, currency, localSymbol, tradingClass."""
    f = fields[start : start + 12]
    return ContractRef(as_int(f[0]), f[1], f[2], f[7], f[8], f[9])


def as_int(text: str) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def as_price(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value.quantize(PRICE_PLACES).normalize() if value.is_finite() else None


@dataclass(frozen=True)
class PlaceOrder:
    order_id: int
    contract: ContractRef
    action: str
    quantity: Decimal
    order_type: str
    lmt: Decimal | None
    aux: Decimal | None
    tif: str
    oca_group: str
    account: str
    order_ref: str
    transmit: bool
    parent_id: int


def place_order(fields: list[str]) -> PlaceOrder:
    """placeOrder at v178 has no version field; positions 0–34 are fixed for stock orders."""
    return PlaceOrder(
        order_id=as_int(fields[1]),
        contract=contract_at(fields, 2),
        action=fields[16].upper(),
        quantity=as_price(fields[17]) or Decimal(0),
        order_type=fields[18].upper(),
        lmt=as_price(fields[19]),
        aux=as_price(fields[20]),
        tif=fields[21].upper() or "DAY",
        oca_group=fields[22],
        account=fields[23],
        order_ref=fields[26],
        transmit=fields[27] != "0",
        parent_id=as_int(fields[28]),
    )
