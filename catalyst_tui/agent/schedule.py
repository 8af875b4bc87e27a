"""When cycles run: the configured times per market in the exchange's own time zone, on trading days only.

The simulator's round-the-clock market runs a cycle every few minutes instead. Cycles never overlap (one that
falls due while another runs is skipped and logged), and a cycle missed while the app was down is not replayed:
the next due time is always worked out from now.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from catalyst_tui import markets
from catalyst_tui.clock import Clock
from catalyst_tui.config.schema import MarketsSettings, ScheduleSettings
from catalyst_tui.markets import EXCHANGES
from catalyst_tui.models import Market

log = logging.getLogger(__name__)
LOOKAHEAD_DAYS = 14  # past any holiday run (Lunar New Year, Easter with Ching Ming)
# Round-the-clock slots are whole intervals from here: on the hour for intervals that divide 60, at midnight UTC for
# those that divide a day, evenly spaced for any other.
_ORIGIN = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Due:
    at: datetime
    market: str  # "HK", "US", or "all" on the simulator's round-the-clock market


class Schedule:
    def __init__(self, settings: ScheduleSettings, enabled: MarketsSettings, always_open: bool) -> None:
        self.settings, self.always_open = settings, always_open
        self.times = {m: t for m, t, on in ((Market.HK, settings.hk_times, enabled.hk_enabled),
                                             (Market.US, settings.us_times, enabled.us_enabled))
                      if on and settings.enabled}  # fmt: skip

    def next_after(self, t: datetime) -> Due | None:
        """The first cycle strictly after `t`; None if the schedule is off or no market is enabled."""
        if not self.times:
            return None
        if self.always_open:
            step = timedelta(minutes=self.settings.always_open_interval_minutes)
            return Due(t + step - (t - _ORIGIN) % step, "all")
        found = [due for market in self.times if (due := self._next_for(market, t)) is not None]
        return min(found, key=lambda d: d.at) if found else None

    def _next_for(self, market: Market, t: datetime) -> Due | None:
        zone = EXCHANGES[market].zone
        first = t.astimezone(zone).date()
        for offset in range(LOOKAHEAD_DAYS):
            for clock_time in sorted(self.times[market]):
                at = datetime.combine(first + timedelta(days=offset), clock_time, zone)
                if at > t and markets.is_open(market, at):  # holidays, half days and the lunch break fall away
                    return Due(at, market.value)
        return None


class Scheduler:
    """Runs `start(market, "schedule")` at each due time, on the injected clock, as its own task."""

    def __init__(self, schedule: Schedule, clock: Clock, start: Callable[[str, str], Awaitable[object]]) -> None:
        self.schedule, self.clock, self.start = schedule, clock, start
        self.next_due: Due | None = None  # for the status bar's countdown
        self.running: asyncio.Task[object] | None = None
        self.skipped: list[Due] = []

    async def run(self) -> None:
        handled: datetime | None = None
        while True:
            # Never from before the due just handled: a sleep that ends a moment early (a coarse timer, the wall
            # clock stepped back) would otherwise find that same due again and run or skip it twice.
            now = self.clock.now()
            due = self.schedule.next_after(now if handled is None else max(now, handled))
            self.next_due = due
            if due is None:
                log.info("the schedule is off or no market is enabled: no cycles on a schedule")
                return
            await self.clock.sleep((due.at - self.clock.now()).total_seconds())
            handled = due.at
            if self.running is not None and not self.running.done():
                log.warning("the %s cycle due at %s is skipped: the previous cycle is still running", due.market,
                            due.at.isoformat())  # fmt: skip
                self.skipped.append(due)
                continue
            self.running = asyncio.ensure_future(self.start(due.market, "schedule"))
