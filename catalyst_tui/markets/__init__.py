"""Market rules for HKEX and US equities: symbols, ticks, lots and sessions, kept as dated data."""

from catalyst_tui.markets.lots import HK_BOARD_LOTS, LotError, check_lots, known_lot, whole_lots
from catalyst_tui.markets.sessions import (
    EXCHANGES,
    DayKind,
    Phase,
    day_kind,
    is_open,
    next_close,
    next_open,
    phase,
    session_fraction,
)
from catalyst_tui.markets.symbols import SymbolError, normalize
from catalyst_tui.markets.ticks import (
    PriceError,
    PriceRole,
    Rounding,
    is_on_tick,
    round_price,
    round_to_tick,
    safe_direction,
    tick_size,
)

__all__ = [
    "EXCHANGES",
    "HK_BOARD_LOTS",
    "DayKind",
    "LotError",
    "Phase",
    "PriceError",
    "PriceRole",
    "Rounding",
    "SymbolError",
    "check_lots",
    "day_kind",
    "is_on_tick",
    "is_open",
    "known_lot",
    "next_close",
    "next_open",
    "normalize",
    "phase",
    "round_price",
    "round_to_tick",
    "safe_direction",
    "session_fraction",
    "tick_size",
    "whole_lots",
]
