"""Board lots: HKEX quantities must be whole lots (IB rejects odd lots with error 321); US trades single shares.

IB's contract details (`minSize` / `sizeIncrement`) are the authority when connected. This table is the
offline fallback, kept as data because issuers change their lots.
"""

from __future__ import annotations

from decimal import Decimal

from catalyst_tui.models import Instrument, Market


class LotError(ValueError):
    """A quantity that is not a whole number of board lots."""


HK_BOARD_LOTS: dict[str, int] = {
    "5": 400,
    "388": 100,
    "700": 100,
    "939": 1000,
    "981": 500,
    "1299": 200,
    "1810": 200,
    "2318": 500,
    "3690": 100,
    "9988": 100,
}


def known_lot(instrument: Instrument) -> int | None:
    """The fallback lot; None for an HKEX stock this table does not know (ask IB, never assume 100)."""
    if instrument.market is Market.US:
        return 1
    return HK_BOARD_LOTS.get(instrument.symbol)


def check_lots(quantity: Decimal, lot: int) -> None:
    """Raise LotError unless `quantity` is a positive whole multiple of `lot`."""
    if lot <= 0:
        raise LotError(f"board lot must be positive, got {lot}")
    if not quantity.is_finite() or quantity <= 0:
        raise LotError(f"quantity must be positive, got {quantity}")
    if quantity % lot != 0:
        lower = whole_lots(quantity, lot)
        hint = f"{lower} or {lower + lot}" if lower else f"{lot}"
        raise LotError(f"{quantity} is not a whole number of lots of {lot} (try {hint})")


def whole_lots(quantity: Decimal, lot: int) -> Decimal:
    """The largest whole-lot quantity not above `quantity` (0 if less than one lot)."""
    return (quantity // lot) * lot
