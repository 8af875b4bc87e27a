"""The scan's daily bars are fetched once a trading day per symbol, and afresh whenever a kept copy could mislead the
scan: a new day, a session that has begun since, or a quote without the volume the scan would then read from
today's bar."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from catalyst_tui.agent.daily_bars import BAR_SIZE, DURATION, DailyBars
from catalyst_tui.broker_models import Bar
from catalyst_tui.markets import normalize
from catalyst_tui.models import Quote

HK = ZoneInfo("Asia/Hong_Kong")
FRIDAY, MONDAY = date(2026, 11, 20), date(2026, 11, 23)


class Gateway:
    """Answers each request with a bar closing at a new price, so a kept answer can be told from a fresh one."""

    def __init__(self, empty: bool = False) -> None:
        self.asked: list[tuple[str, str, str]] = []
        self.empty = empty

    async def bars(self, symbol: str, duration: str = "30 D", bar_size: str = "1 day") -> list[Bar]:
        self.asked.append((symbol, duration, bar_size))
        if self.empty:
            return []
        close = Decimal(100 + len(self.asked))
        return [Bar(datetime.combine(FRIDAY, time(0), HK), close, close, close, close, Decimal(1000))]


def quote(symbol: str, volume: str | None = "5000") -> Quote:
    return Quote(normalize(symbol), last=Decimal(101), volume=None if volume is None else Decimal(volume))


async def test_the_second_scan_of_the_day_reuses_the_bars_and_each_symbol_is_fetched_once() -> None:
    gateway = Gateway()
    kept = DailyBars(gateway)
    first = [await kept.bars(s, FRIDAY, True, quote(s)) for s in ("0700.HK", "AAPL")]
    again = [await kept.bars(s, FRIDAY, True, quote(s)) for s in ("0700.HK", "AAPL")]
    assert again == first
    assert gateway.asked == [("0700.HK", DURATION, BAR_SIZE), ("AAPL", DURATION, BAR_SIZE)]


async def test_a_new_trading_day_fetches_again() -> None:
    gateway = Gateway()
    kept = DailyBars(gateway)
    friday = await kept.bars("0700.HK", FRIDAY, True, quote("0700.HK"))
    monday = await kept.bars("0700.HK", MONDAY, True, quote("0700.HK"))
    assert monday != friday and len(gateway.asked) == 2


async def test_bars_fetched_before_the_open_are_fetched_again_once_the_session_has_begun() -> None:
    gateway = Gateway()
    kept = DailyBars(gateway)
    await kept.bars("0700.HK", FRIDAY, False, quote("0700.HK"))
    await kept.bars("0700.HK", FRIDAY, False, quote("0700.HK"))  # still before the open: nothing new to see
    assert len(gateway.asked) == 1
    await kept.bars("0700.HK", FRIDAY, True, quote("0700.HK"))  # today's bar, with its open, now exists
    await kept.bars("0700.HK", FRIDAY, True, quote("0700.HK"))
    assert len(gateway.asked) == 2


async def test_a_symbol_whose_quote_has_no_volume_is_fetched_every_time() -> None:
    """The scan then reads today's volume from today's bar, which a kept copy would understate."""
    gateway = Gateway()
    kept = DailyBars(gateway)
    for _ in range(3):
        await kept.bars("AAPL", FRIDAY, True, quote("AAPL", volume=None))
    await kept.bars("AAPL", FRIDAY, True, None)
    assert len(gateway.asked) == 4


async def test_no_bars_are_not_kept_so_the_next_scan_asks_again() -> None:
    gateway = Gateway(empty=True)
    kept = DailyBars(gateway)
    assert await kept.bars("AAPL", FRIDAY, True, quote("AAPL")) == []
    gateway.empty = False
    assert await kept.bars("AAPL", FRIDAY, True, quote("AAPL")) != []
    assert len(gateway.asked) == 2
