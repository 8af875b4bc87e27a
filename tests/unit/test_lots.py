from __future__ import annotations

from decimal import Decimal

import pytest

from catalyst_tui.markets import LotError, check_lots, known_lot, normalize, whole_lots


def test_whole_lots_pass() -> None:
    check_lots(Decimal(800), 400)


@pytest.mark.parametrize(("quantity", "hint"), [(Decimal(450), "400 or 800"), (Decimal(50), "try 100")])
def test_odd_lots_are_refused_with_the_nearest_whole_lots(quantity: Decimal, hint: str) -> None:
    lot = 400 if quantity == 450 else 100
    with pytest.raises(LotError, match=hint):
        check_lots(quantity, lot)


@pytest.mark.parametrize("quantity", [Decimal(0), Decimal(-100), Decimal("NaN")])
def test_quantities_must_be_positive(quantity: Decimal) -> None:
    with pytest.raises(LotError):
        check_lots(quantity, 100)


def test_whole_lots_rounds_down() -> None:
    assert whole_lots(Decimal(1999), 500) == 1500
    assert whole_lots(Decimal(300), 400) == 0


def test_known_lots_differ_per_stock_and_us_trades_single_shares() -> None:
    assert known_lot(normalize("0005.HK")) == 400
    assert known_lot(normalize("939")) == 1000
    assert known_lot(normalize("AAPL")) == 1
    assert known_lot(normalize("8888")) is None
