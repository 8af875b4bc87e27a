"""The simulator's own instruments: contract data, board lots, tick tables, sessions and price behaviour.

Deliberately separate from `catalyst_tui.markets`: the simulator plays the exchange and must catch a client
that gets lots or ticks wrong, so it must not share the client's assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

D = Decimal


@dataclass(frozen=True)
class Stock:
    con_id: int
    symbol: str  # IB's symbol: "700", "BRK B"
    exchange: str  # the listing exchange: SEHK, NASDAQ, NYSE
    currency: str
    long_name: str
    lot: int
    price: Decimal  # the opening reference price
    drift: float  # annual drift
    volatility: float  # annual volatility
    daily_volume: int  # shares on an average day

    @property
    def is_hk(self) -> bool:
        return self.exchange == "SEHK"

    @property
    def local_symbol(self) -> str:
        return self.symbol


def _hk(con_id: int, code: str, name: str, lot: int, price: str, vol: float, adv: int) -> Stock:
    return Stock(con_id, code, "SEHK", "HKD", name, lot, D(price), 0.04, vol, adv)


def _us(con_id: int, symbol: str, exchange: str, name: str, price: str, vol: float, adv: int) -> Stock:
    return Stock(con_id, symbol, exchange, "USD", name, 1, D(price), 0.06, vol, adv)


STOCKS: tuple[Stock, ...] = (
    _hk(9_000_700, "700", "TENCENT HOLDINGS LTD", 100, "512.50", 0.32, 18_000_000),
    _hk(9_009_988, "9988", "ALIBABA GROUP HOLDING LTD", 100, "118.20", 0.40, 45_000_000),
    _hk(9_000_005, "5", "HSBC HOLDINGS PLC", 400, "98.35", 0.22, 20_000_000),
    _hk(9_001_810, "1810", "XIAOMI CORP-CLASS B", 200, "42.86", 0.45, 90_000_000),
    _hk(9_003_690, "3690", "MEITUAN-CLASS B", 100, "128.40", 0.48, 25_000_000),
    _hk(9_001_299, "1299", "AIA GROUP LTD", 200, "71.25", 0.26, 22_000_000),
    _hk(9_000_388, "388", "HONG KONG EXCHANGES & CLEAR", 100, "386.60", 0.30, 6_000_000),
    _hk(9_002_318, "2318", "PING AN INSURANCE GROUP CO-H", 500, "52.15", 0.33, 30_000_000),
    _hk(9_000_939, "939", "CHINA CONSTRUCTION BANK-H", 1000, "7.42", 0.20, 250_000_000),
    _hk(9_000_981, "981", "SEMICONDUCTOR MANUFACTURING", 500, "58.90", 0.55, 80_000_000),
    _hk(9_000_001, "1", "CK HUTCHISON HOLDINGS LTD", 500, "44.10", 0.21, 6_000_000),
    _hk(9_000_016, "16", "SUN HUNG KAI PROPERTIES", 500, "84.95", 0.24, 5_000_000),
    _us(265_598, "AAPL", "NASDAQ", "APPLE INC", "231.40", 0.26, 55_000_000),
    _us(272_093, "MSFT", "NASDAQ", "MICROSOFT CORP", "418.75", 0.24, 20_000_000),
    _us(4_815_747, "NVDA", "NASDAQ", "NVIDIA CORP", "181.20", 0.50, 210_000_000),
    _us(3_691_937, "AMZN", "NASDAQ", "AMAZON.COM INC", "219.65", 0.33, 40_000_000),
    _us(208_813_719, "GOOGL", "NASDAQ", "ALPHABET INC-CL A", "248.10", 0.30, 30_000_000),
    _us(107_113_386, "META", "NASDAQ", "META PLATFORMS INC-CLASS A", "712.30", 0.38, 12_000_000),
    _us(76_792_991, "TSLA", "NASDAQ", "TESLA INC", "398.50", 0.60, 95_000_000),
    _us(1_520_593, "JPM", "NYSE", "JPMORGAN CHASE & CO", "292.80", 0.22, 9_000_000),
    _us(13_824, "XOM", "NYSE", "EXXON MOBIL CORP", "112.45", 0.24, 15_000_000),
    _us(8_719, "KO", "NYSE", "COCA-COLA CO/THE", "69.30", 0.15, 14_000_000),
    _us(72_063_691, "BRK B", "NYSE", "BERKSHIRE HATHAWAY INC-CL B", "489.20", 0.17, 4_000_000),
    _us(4_391, "AMD", "NASDAQ", "ADVANCED MICRO DEVICES", "164.70", 0.52, 50_000_000),
)

# HKEX's minimum spreads for equities, in force from 2025-08-04: (upper bound inclusive, tick).
HK_SPREADS: tuple[tuple[Decimal, Decimal], ...] = tuple(
    (D(hi), D(tick))
    for hi, tick in (
        ("0.25", "0.001"),
        ("0.50", "0.005"),
        ("10", "0.01"),
        ("20", "0.01"),
        ("50", "0.02"),
        ("100", "0.05"),
        ("200", "0.10"),
        ("500", "0.20"),
        ("1000", "0.50"),
        ("2000", "1"),
        ("5000", "2"),
        ("9995", "5"),
    )
)
HK_MARKET_RULE = 1001
US_MARKET_RULE = 26


def tick_for(stock: Stock, price: Decimal) -> Decimal:
    if not stock.is_hk:
        return D("0.01") if price >= 1 else D("0.0001")
    for upper, tick in HK_SPREADS:
        if price <= upper:
            return tick
    return HK_SPREADS[-1][1]


def on_tick(stock: Stock, price: Decimal) -> bool:
    return price > 0 and price % tick_for(stock, price) == 0


def market_rule(rule_id: int) -> list[tuple[Decimal, Decimal]] | None:
    """IB's market rule as (low edge, increment) pairs."""
    if rule_id == HK_MARKET_RULE:
        edges = [D(0)] + [upper for upper, _ in HK_SPREADS[:-1]]
        return [(edge, tick) for edge, (_, tick) in zip(edges, HK_SPREADS, strict=True)]
    if rule_id == US_MARKET_RULE:
        return [(D(0), D("0.0001")), (D(1), D("0.01"))]
    return None


SYNTHETIC_CON_ID = 800_000_000
SYNTHETIC_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_SYNTHETIC = len(SYNTHETIC_LETTERS) ** 3


def synthetic(count: int) -> tuple[Stock, ...]:
    """`count` made-up NYSE stocks, ZAAA, ZAAB, …: a universe as wide as a bench needs (the real list has 24).
    No real ticker starts with Z in the list above, so they never shadow one."""
    if not 0 <= count <= MAX_SYNTHETIC:
        raise ValueError(f"between 0 and {MAX_SYNTHETIC} synthetic stocks, not {count}")
    stocks = []
    for n in range(count):
        a, rest = divmod(n, 26 * 26)
        b, c = divmod(rest, 26)
        symbol = "Z" + SYNTHETIC_LETTERS[a] + SYNTHETIC_LETTERS[b] + SYNTHETIC_LETTERS[c]
        price = D(20 + n % 480)
        stocks.append(_us(SYNTHETIC_CON_ID + n, symbol, "NYSE", f"SYNTHETIC {symbol} CORP", str(price), 0.3, 5_000_000))
    return tuple(stocks)


def find(symbol: str, exchange: str, currency: str, con_id: int, stocks: tuple[Stock, ...] = STOCKS) -> Stock | None:
    """Resolve a contract the way IB does: by conId, or by symbol with a matching exchange and currency."""
    for stock in stocks:
        if con_id and stock.con_id == con_id:
            return stock
    wanted = symbol.upper().strip()
    for stock in stocks:
        if stock.symbol != wanted:
            continue
        if currency and currency != stock.currency:
            continue
        if exchange and exchange not in ("SMART", stock.exchange):
            continue
        return stock
    return None
