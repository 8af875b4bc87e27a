from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from catalyst_tui.clock import Clock, ControllableClock, RealClock

START = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


def test_both_clocks_satisfy_the_protocol_and_give_aware_utc() -> None:
    for clock in (RealClock(), ControllableClock(START)):
        assert isinstance(clock, Clock)
        assert clock.now().utcoffset() == timedelta(0)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        ControllableClock(datetime(2026, 11, 20))


async def test_sleepers_wake_in_deadline_order_at_their_own_time() -> None:
    clock = ControllableClock(START)
    woke: list[tuple[str, datetime]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    tasks = [asyncio.create_task(sleeper("late", 60)), asyncio.create_task(sleeper("early", 10))]
    await asyncio.sleep(0)
    assert clock.sleepers == 2
    await clock.advance(5)
    assert woke == []
    await clock.advance(3600)
    await asyncio.gather(*tasks)
    assert woke == [("early", START + timedelta(seconds=10)), ("late", START + timedelta(seconds=60))]
    assert clock.now() == START + timedelta(seconds=3605)


async def test_next_wake_is_the_earliest_sleeper_still_waiting() -> None:
    clock = ControllableClock(START)
    assert clock.next_wake is None
    tasks = [asyncio.create_task(clock.sleep(seconds)) for seconds in (60, 10)]
    await asyncio.sleep(0)
    assert clock.next_wake == START + timedelta(seconds=10)
    tasks[1].cancel()
    await asyncio.sleep(0)
    assert clock.next_wake == START + timedelta(seconds=60)  # a cancelled sleep wakes no one
    await clock.advance(60)
    await tasks[0]
    assert clock.next_wake is None


async def test_a_loop_on_the_clock_runs_a_whole_day_instantly() -> None:
    clock = ControllableClock(START)
    ticks = 0

    async def every_minute() -> None:
        nonlocal ticks
        while True:
            await clock.sleep(60)
            ticks += 1

    task = asyncio.create_task(every_minute())
    await asyncio.sleep(0)
    await clock.advance(24 * 3600)
    task.cancel()
    assert ticks == 24 * 60


async def test_time_does_not_go_backwards() -> None:
    clock = ControllableClock(START)
    with pytest.raises(ValueError):
        await clock.advance_to(START - timedelta(seconds=1))
