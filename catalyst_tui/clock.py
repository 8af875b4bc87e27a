"""Time for the core: a protocol with a real clock and a controllable one, so a trading day replays in seconds.

Nothing in the core calls `datetime.now()` or `time.time()`; it is handed a Clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this long on this clock's time."""
        ...


class RealClock:
    """Wall-clock time; the only place the process reads the system clock for the core."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ControllableClock:
    """A clock that moves only when told; sleepers wake, in deadline order, as `advance` passes them."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ControllableClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        deadline = self._now + timedelta(seconds=seconds)
        heapq.heappush(self._sleepers, (deadline, next(self._order), future))
        await future

    @property
    def sleepers(self) -> int:
        """How many tasks wait on this clock (cancelled waits are not counted)."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    @property
    def next_wake(self) -> datetime | None:
        """When the earliest sleeper wakes, so a driver can stop there and let it finish before moving on."""
        waiting = [deadline for deadline, _, future in self._sleepers if not future.done()]
        return min(waiting, default=None)

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its own deadline and letting it run before the next."""
        await self.advance_to(self._now + timedelta(seconds=seconds))

    async def advance_to(self, target: datetime) -> None:
        if target < self._now:
            raise ValueError("a clock does not go backwards")
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            if not future.done():
                future.set_result(None)
                await asyncio.sleep(0)
        self._now = target


class ScaledClock:
    """Real time run `speed` times faster from a starting instant: a trading day in minutes for demos."""

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)
