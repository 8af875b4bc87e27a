"""Session phases at given instants; every input is in UTC (HKT = UTC+8, New York = UTC-5 in winter)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalyst_tui.markets import DayKind, Phase, day_kind, is_open, next_close, next_open, phase
from catalyst_tui.models import Market


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-11-20 01:15", Phase.PRE_OPEN),  # Fri 09:15 HKT
        ("2026-11-20 01:45", Phase.OPEN),  # 09:45
        ("2026-11-20 04:30", Phase.LUNCH),  # 12:30
        ("2026-11-20 05:00", Phase.OPEN),  # 13:00
        ("2026-11-20 08:05", Phase.CLOSING_AUCTION),  # 16:05
        ("2026-11-20 08:15", Phase.CLOSED),  # 16:15
        ("2026-11-21 02:00", Phase.CLOSED),  # Sat 10:00
        ("2026-10-01 02:00", Phase.CLOSED),  # Thu 10:00, National Day
        ("2026-12-24 02:00", Phase.OPEN),  # Christmas Eve 10:00: a half day, the morning trades
        ("2026-12-24 04:05", Phase.CLOSING_AUCTION),  # 12:05: the half day's closing auction
        ("2026-12-24 04:30", Phase.CLOSED),  # 12:30: no lunch, no afternoon
        ("2026-12-24 05:30", Phase.CLOSED),  # 13:30
    ],
)
def test_hkex_phase(instant: str, expected: Phase) -> None:
    assert phase(Market.HK, utc(instant)) is expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-11-25 18:30", Phase.OPEN),  # Wed 13:30 EST, an ordinary day
        ("2026-11-26 15:00", Phase.CLOSED),  # Thanksgiving
        ("2026-11-27 17:30", Phase.OPEN),  # day after Thanksgiving, 12:30 EST
        ("2026-11-27 18:30", Phase.AFTER_HOURS),  # 13:30 EST: closed early at 13:00
        ("2026-11-27 14:00", Phase.PRE_OPEN),  # 09:00 EST
        ("2026-07-02 13:30", Phase.OPEN),  # 09:30 EDT (UTC-4 in summer)
        ("2026-07-03 15:00", Phase.CLOSED),  # Independence Day observed
    ],
)
def test_nyse_phase(instant: str, expected: Phase) -> None:
    assert phase(Market.US, utc(instant)) is expected


def test_day_kinds() -> None:
    assert day_kind(Market.HK, utc("2026-12-24 00:00").date()) is DayKind.HALF
    assert day_kind(Market.US, utc("2026-11-27 00:00").date()) is DayKind.HALF
    assert day_kind(Market.HK, utc("2026-11-20 00:00").date()) is DayKind.FULL
    assert day_kind(Market.HK, utc("2026-11-21 00:00").date()) is DayKind.CLOSED


def test_is_open_means_continuous_trading_only() -> None:
    assert is_open(Market.HK, utc("2026-11-20 01:45"))
    assert not is_open(Market.HK, utc("2026-11-20 01:15"))  # auction
    assert not is_open(Market.HK, utc("2026-11-20 04:30"))  # lunch


def test_next_open_and_close_around_lunch_and_the_weekend() -> None:
    assert next_close(Market.HK, utc("2026-11-20 02:00")) == utc("2026-11-20 04:00")  # 12:00 lunch
    assert next_open(Market.HK, utc("2026-11-20 04:30")) == utc("2026-11-20 05:00")  # 13:00
    assert next_open(Market.HK, utc("2026-11-21 02:00")) == utc("2026-11-23 01:30")  # Mon 09:30
    assert next_close(Market.US, utc("2026-11-27 15:00")) == utc("2026-11-27 18:00")  # early close 13:00 EST


def test_next_open_is_strictly_after() -> None:
    opening = utc("2026-11-20 01:30")
    assert is_open(Market.HK, opening)
    assert next_open(Market.HK, opening) == utc("2026-11-20 05:00")


def test_christmas_half_day_then_the_holiday() -> None:
    eve = utc("2026-12-24 02:00")
    assert next_close(Market.HK, eve) == utc("2026-12-24 04:00")
    assert next_open(Market.HK, eve) == utc("2026-12-28 01:30")


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        phase(Market.HK, datetime(2026, 11, 20, 10, 0))
