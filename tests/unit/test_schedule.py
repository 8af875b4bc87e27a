"""When cycles run: the configured times per market, in the exchange's own zone, on trading days only; and the
scheduler that runs them on the injected clock without overlaps and without replaying what it missed.

Every instant here is written in UTC: Hong Kong is UTC+8 all year; New York is UTC-5 in winter and UTC-4 from the
second Sunday of March (2026-03-08) to the first Sunday of November (2026-11-01).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalyst_tui.agent.schedule import Due, Schedule, Scheduler
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config.schema import MarketsSettings, ScheduleSettings

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
NEW_YORK = ZoneInfo("America/New_York")
DEFAULTS = ScheduleSettings()
Slot = tuple[str, datetime]  # (market, instant in UTC)

# Friday 2026-11-20, an ordinary trading day in both markets, from Thursday evening UTC (after New York's 13:00).
THURSDAY_EVENING = datetime(2026, 11, 19, 18, 30, tzinfo=UTC)
FRIDAY_SLOTS: list[Slot] = [
    ("US", datetime(2026, 11, 19, 19, 0, tzinfo=UTC)),  # Thu 14:00 EST
    ("US", datetime(2026, 11, 19, 20, 0, tzinfo=UTC)),  # 15:00
    ("US", datetime(2026, 11, 19, 20, 45, tzinfo=UTC)),  # 15:45
    ("HK", datetime(2026, 11, 20, 1, 35, tzinfo=UTC)),  # Fri 09:35 HKT
    ("HK", datetime(2026, 11, 20, 2, 30, tzinfo=UTC)),  # 10:30
    ("HK", datetime(2026, 11, 20, 3, 30, tzinfo=UTC)),  # 11:30
    ("HK", datetime(2026, 11, 20, 5, 5, tzinfo=UTC)),  # 13:05
    ("HK", datetime(2026, 11, 20, 6, 0, tzinfo=UTC)),  # 14:00
    ("HK", datetime(2026, 11, 20, 7, 0, tzinfo=UTC)),  # 15:00
    ("HK", datetime(2026, 11, 20, 7, 45, tzinfo=UTC)),  # 15:45
    ("US", datetime(2026, 11, 20, 14, 35, tzinfo=UTC)),  # Fri 09:35 EST
    ("US", datetime(2026, 11, 20, 15, 30, tzinfo=UTC)),  # 10:30
    ("US", datetime(2026, 11, 20, 16, 30, tzinfo=UTC)),  # 11:30
    ("US", datetime(2026, 11, 20, 18, 0, tzinfo=UTC)),  # 13:00
    ("US", datetime(2026, 11, 20, 19, 0, tzinfo=UTC)),  # 14:00
    ("US", datetime(2026, 11, 20, 20, 0, tzinfo=UTC)),  # 15:00
    ("US", datetime(2026, 11, 20, 20, 45, tzinfo=UTC)),  # 15:45
]
SATURDAY = datetime(2026, 11, 21, tzinfo=UTC)
MONDAY_FIRST: Slot = ("HK", datetime(2026, 11, 23, 1, 35, tzinfo=UTC))  # Mon 09:35 HKT: the weekend is skipped


def schedule(hk: bool = True, us: bool = True, always_open: bool = False, **settings: object) -> Schedule:
    return Schedule(
        replace(DEFAULTS, **settings), replace(MarketsSettings(), hk_enabled=hk, us_enabled=us), always_open
    )


def slots_between(s: Schedule, start: datetime, end: datetime) -> list[Slot]:
    found: list[Slot] = []
    t = start
    while (due := s.next_after(t)) is not None and due.at < end:
        assert due.at > t
        found.append((due.market, due.at.astimezone(UTC)))
        t = due.at
    return found


def local_slots(market: str, day: date, times: Iterable[time]) -> list[Slot]:
    zone = HONG_KONG if market == "HK" else NEW_YORK
    return [(market, datetime.combine(day, t, zone).astimezone(UTC)) for t in times]


def ordered(*groups: list[Slot]) -> list[Slot]:
    return sorted((slot for group in groups for slot in group), key=lambda slot: slot[1])


# --- next_after ---------------------------------------------------------------------------------------------------


def test_a_normal_friday_in_both_markets_is_the_configured_times_in_time_order() -> None:
    assert slots_between(schedule(), THURSDAY_EVENING, SATURDAY) == FRIDAY_SLOTS
    friday = date(2026, 11, 20)
    assert FRIDAY_SLOTS[3:] == ordered(
        local_slots("HK", friday, DEFAULTS.hk_times), local_slots("US", friday, DEFAULTS.us_times)
    )
    assert schedule().next_after(FRIDAY_SLOTS[-1][1]) == Due(MONDAY_FIRST[1], "HK")


def test_due_times_are_in_the_exchange_zone_and_strictly_after() -> None:
    due = schedule().next_after(datetime(2026, 11, 20, 1, 35, tzinfo=UTC))  # exactly on the 09:35 HKT slot
    assert due is not None and due.market == "HK"
    assert due.at.tzinfo == HONG_KONG and due.at.replace(tzinfo=None) == datetime(2026, 11, 20, 10, 30)
    # Any zone may be asked in: the same instant gives the same answer.
    assert schedule().next_after(datetime(2026, 11, 20, 9, 35, tzinfo=HONG_KONG)) == due


def test_each_market_alone() -> None:
    hk_only = slots_between(schedule(us=False), THURSDAY_EVENING, SATURDAY)
    us_only = slots_between(schedule(hk=False), THURSDAY_EVENING, SATURDAY)
    assert hk_only == [s for s in FRIDAY_SLOTS if s[0] == "HK"]
    assert us_only == [s for s in FRIDAY_SLOTS if s[0] == "US"]


@pytest.mark.parametrize(
    ("day", "thirteen_hundred_utc"),
    [
        (date(2026, 3, 6), time(18, 0)),  # Fri before the US switch: EST, UTC-5
        (date(2026, 3, 9), time(17, 0)),  # Mon after it (2026-03-08): EDT, UTC-4
        (date(2026, 10, 30), time(17, 0)),  # Fri before the switch back (2026-11-01)
        (date(2026, 11, 2), time(18, 0)),  # Mon after it
    ],
)
def test_the_us_1300_slot_follows_daylight_saving(day: date, thirteen_hundred_utc: time) -> None:
    start = datetime.combine(day, time(0), UTC)
    found = slots_between(schedule(hk=False), start, start + timedelta(days=1))
    assert found == local_slots("US", day, DEFAULTS.us_times)
    assert found[3] == ("US", datetime.combine(day, thirteen_hundred_utc, UTC))
    hk = slots_between(schedule(us=False), start, start + timedelta(days=1))
    assert hk[3] == ("HK", datetime.combine(day, time(5, 5), UTC))  # 13:05 HKT: Hong Kong has no summer time


def test_the_weekend_of_the_switch_lands_on_the_new_offset() -> None:
    due = schedule(hk=False).next_after(datetime(2026, 3, 6, 21, 0, tzinfo=UTC))  # after Friday's 15:45 EST
    assert due == Due(datetime(2026, 3, 9, 13, 35, tzinfo=UTC), "US")  # Monday 09:35 EDT


@pytest.mark.parametrize(
    ("after", "hk", "us", "expected"),
    [
        (datetime(2026, 11, 20, 21, 0, tzinfo=UTC), True, True, MONDAY_FIRST),
        (datetime(2026, 11, 20, 8, 0, tzinfo=UTC), True, False, MONDAY_FIRST),
        (datetime(2026, 11, 20, 21, 0, tzinfo=UTC), False, True, ("US", datetime(2026, 11, 23, 14, 35, tzinfo=UTC))),
        (datetime(2026, 11, 21, 12, 0, tzinfo=UTC), True, True, MONDAY_FIRST),  # asked on Saturday
        (datetime(2026, 11, 22, 20, 0, tzinfo=UTC), True, True, MONDAY_FIRST),  # Sunday evening UTC
    ],
)
def test_weekends_are_skipped(after: datetime, hk: bool, us: bool, expected: Slot) -> None:
    assert schedule(hk=hk, us=us).next_after(after) == Due(expected[1], expected[0])


def test_christmas_eve_is_a_morning_and_christmas_is_closed_in_hong_kong() -> None:
    found = slots_between(
        schedule(us=False), datetime(2026, 12, 23, 12, 0, tzinfo=UTC), datetime(2026, 12, 29, tzinfo=UTC)
    )
    morning = [t for t in DEFAULTS.hk_times if t < time(12, 0)]
    assert morning == [time(9, 35), time(10, 30), time(11, 30)]
    # Thu 24th: morning only (13:05 and later fall away); Fri 25th Christmas, then the weekend; Mon 28th in full.
    assert found == local_slots("HK", date(2026, 12, 24), morning) + local_slots(
        "HK", date(2026, 12, 28), DEFAULTS.hk_times
    )


def test_lunar_new_year_in_hong_kong_and_presidents_day_in_new_york() -> None:
    found = slots_between(schedule(), datetime(2026, 2, 15, 12, 0, tzinfo=UTC), datetime(2026, 2, 21, tzinfo=UTC))
    morning = [t for t in DEFAULTS.hk_times if t < time(12, 0)]
    expected = ordered(
        local_slots("HK", date(2026, 2, 16), morning),  # Lunar New Year's Eve: a half day
        # 17th to 19th: the Lunar New Year holidays
        local_slots("HK", date(2026, 2, 20), DEFAULTS.hk_times),
        # Monday 16th is Washington's Birthday: New York is closed
        *(local_slots("US", date(2026, 2, d), DEFAULTS.us_times) for d in (17, 18, 19, 20)),
    )
    assert found == expected
    assert not any(
        s[0] == "HK" and date(2026, 2, 17) <= s[1].astimezone(HONG_KONG).date() <= date(2026, 2, 19) for s in found
    )


def test_thanksgiving_and_the_early_close_after_it_in_new_york() -> None:
    found = slots_between(
        schedule(hk=False), datetime(2026, 11, 25, 22, 0, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)
    )
    # Thursday 26th closed; Friday 27th closes at 13:00 ET, so the 13:00 slot (the close itself) and later fall away.
    assert found == local_slots("US", date(2026, 11, 27), [time(9, 35), time(10, 30), time(11, 30)])


def test_no_market_enabled_means_nothing_is_due() -> None:
    t = THURSDAY_EVENING
    assert schedule(hk=False, us=False).next_after(t) is None
    assert schedule(hk=False, us=False, always_open=True).next_after(t) is None


def test_the_schedule_switched_off_means_nothing_is_due() -> None:
    assert schedule(enabled=False).next_after(THURSDAY_EVENING) is None
    assert schedule(enabled=False, always_open=True).next_after(THURSDAY_EVENING) is None


def test_no_times_configured_for_a_market_leaves_it_out() -> None:
    found = slots_between(schedule(us_times=()), THURSDAY_EVENING, SATURDAY)
    assert found == [s for s in FRIDAY_SLOTS if s[0] == "HK"]


def test_round_the_clock_is_every_interval_on_the_hour_with_market_all() -> None:
    s = schedule(always_open=True)
    start = datetime(2026, 12, 25, 10, 7, 30, tzinfo=UTC)  # Christmas, and a weekend next: the simulator trades
    found = slots_between(s, start, start + timedelta(hours=2))
    assert {m for m, _ in found} == {"all"}
    assert [at for _, at in found] == [
        datetime(2026, 12, 25, 10, 15, tzinfo=UTC) + timedelta(minutes=15 * i) for i in range(8)
    ]
    assert s.next_after(datetime(2026, 12, 25, 10, 15, tzinfo=UTC)) == Due(
        datetime(2026, 12, 25, 10, 30, tzinfo=UTC), "all"
    )
    assert s.next_after(datetime(2026, 12, 26, 23, 59, 59, 999999, tzinfo=UTC)) == Due(
        datetime(2026, 12, 27, tzinfo=UTC), "all"
    )


@pytest.mark.parametrize("minutes", [1, 5, 10, 15, 20, 30, 60])
def test_intervals_that_divide_an_hour_land_on_the_hour(minutes: int) -> None:
    s = schedule(always_open=True, always_open_interval_minutes=minutes)
    assert s.next_after(datetime(2026, 11, 20, 10, 59, 59, tzinfo=UTC)) == Due(
        datetime(2026, 11, 20, 11, 0, tzinfo=UTC), "all"
    )
    hong_kong_time = datetime(2026, 11, 20, 18, 59, 59, tzinfo=HONG_KONG)  # the same instant, asked in another zone
    assert s.next_after(hong_kong_time) == Due(datetime(2026, 11, 20, 11, 0, tzinfo=UTC), "all")


@pytest.mark.parametrize("minutes", [7, 45, 90, 240, 1440])
def test_any_interval_is_evenly_spaced(minutes: int) -> None:
    s = schedule(always_open=True, always_open_interval_minutes=minutes)
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    found = [at for _, at in slots_between(s, start, start + timedelta(minutes=minutes * 10 + 1))]
    assert len(found) == 10
    assert {b - a for a, b in itertools.pairwise(found)} == {timedelta(minutes=minutes)}


# --- the Scheduler on a controllable clock -------------------------------------------------------------------------

Start = Callable[[str, str], Awaitable[object]]


async def settle() -> None:
    """Let every task that can run do so (the scheduler, then the cycle it started)."""
    for _ in range(10):
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def running(scheduler: Scheduler) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.ensure_future(scheduler.run())
    await settle()
    try:
        yield task
    finally:
        for t in (task, scheduler.running):
            if t is not None and not t.done():
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await t


def recorder(clock: ControllableClock) -> tuple[list[tuple[str, str, datetime]], Start]:
    fired: list[tuple[str, str, datetime]] = []

    async def start(market: str, trigger: str) -> None:
        fired.append((market, trigger, clock.now()))

    return fired, start


async def test_a_whole_friday_fires_at_each_configured_time_and_shows_the_next() -> None:
    clock = ControllableClock(datetime(2026, 11, 19, 21, 0, tzinfo=UTC))  # Thursday, after New York's last slot
    fired, start = recorder(clock)
    scheduler = Scheduler(schedule(), clock, start)
    friday = FRIDAY_SLOTS[3:]
    upcoming = [*friday, MONDAY_FIRST]
    async with running(scheduler) as task:
        assert scheduler.next_due == Due(friday[0][1], "HK") and fired == []
        while clock.now() < SATURDAY:
            await clock.advance(60)
            await settle()
            now = clock.now()
            assert [(m, at) for m, _, at in fired] == [slot for slot in friday if slot[1] <= now], now
            market, at = next(slot for slot in upcoming if slot[1] > now)
            assert scheduler.next_due == Due(at, market), now
        assert not task.done()
    assert [(m, at) for m, _, at in fired] == friday
    assert {trigger for _, trigger, _ in fired} == {"schedule"}
    assert scheduler.skipped == []


async def test_a_cycle_still_running_when_the_next_falls_due_makes_it_skip() -> None:
    clock = ControllableClock(datetime(2026, 11, 19, 21, 0, tzinfo=UTC))
    release = asyncio.Event()
    fired: list[tuple[str, datetime]] = []

    async def slow_start(market: str, trigger: str) -> None:
        fired.append((market, clock.now()))
        await release.wait()

    scheduler = Scheduler(schedule(us=False), clock, slow_start)
    nine_35, ten_30, eleven_30, thirteen_05 = (slot[1] for slot in FRIDAY_SLOTS[3:7])
    async with running(scheduler):
        await clock.advance_to(nine_35)
        await settle()
        assert fired == [("HK", nine_35)] and scheduler.running is not None and not scheduler.running.done()

        await clock.advance_to(ten_30)
        await settle()
        assert fired == [("HK", nine_35)]
        assert scheduler.skipped == [Due(ten_30, "HK")]
        assert scheduler.next_due == Due(eleven_30, "HK")

        await clock.advance_to(eleven_30)  # still running: skipped again
        await settle()
        assert scheduler.skipped == [Due(ten_30, "HK"), Due(eleven_30, "HK")]

        release.set()
        await settle()
        assert scheduler.running.done()
        await clock.advance_to(thirteen_05)
        await settle()
        assert fired == [("HK", nine_35), ("HK", thirteen_05)]
        assert len(scheduler.skipped) == 2


async def test_advance_to_is_time_passing_so_every_slot_on_the_way_fires_once() -> None:
    # ControllableClock.advance_to wakes its one sleeper at the sleeper's own deadline with now() at that deadline;
    # the scheduler then sleeps until the next slot, which is also before the target, and so on. To the scheduler
    # that is a weekend and a Monday going by with the app up: each slot fires once, at its time, in order. (Each
    # wake gets one turn of the loop, so only a cycle that finishes in its first step is done before the next slot:
    # one that awaits anything would still be running and the next slot would be skipped.)
    clock = ControllableClock(datetime(2026, 11, 20, 21, 0, tzinfo=UTC))
    fired: list[Slot] = []

    async def cycle() -> None:
        return None

    def start(market: str, trigger: str) -> Awaitable[None]:
        fired.append((market, clock.now()))  # when the scheduler calls it: the cycle's body runs after the clock moves
        return cycle()

    scheduler = Scheduler(schedule(), clock, start)
    tuesday = datetime(2026, 11, 24, tzinfo=UTC)
    async with running(scheduler):
        await clock.advance_to(tuesday)
        await settle()
        monday = date(2026, 11, 23)
        assert fired == ordered(
            local_slots("HK", monday, DEFAULTS.hk_times), local_slots("US", monday, DEFAULTS.us_times)
        )
        assert scheduler.next_due == Due(datetime(2026, 11, 24, 1, 35, tzinfo=UTC), "HK")
        assert scheduler.skipped == []


async def test_after_the_app_was_down_the_schedule_starts_from_now() -> None:
    clock = ControllableClock(datetime(2026, 11, 19, 21, 0, tzinfo=UTC))
    fired, start = recorder(clock)
    async with running(Scheduler(schedule(), clock, start)):
        await clock.advance_to(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    assert fired == []
    await clock.advance_to(datetime(2026, 11, 20, 7, 40, tzinfo=UTC))  # down over six of Friday's Hong Kong slots
    scheduler = Scheduler(schedule(), clock, start)
    async with running(scheduler):
        assert fired == []  # nothing is replayed
        assert scheduler.next_due == Due(datetime(2026, 11, 20, 7, 45, tzinfo=UTC), "HK")
        await clock.advance_to(datetime(2026, 11, 20, 7, 45, tzinfo=UTC))
        await settle()
    assert [(m, at) for m, _, at in fired] == [("HK", datetime(2026, 11, 20, 7, 45, tzinfo=UTC))]


class SuspendableClock:
    """Wall time that can leap ahead while sleepers go on counting their own time, as when a machine is suspended:
    asyncio sleeps on the monotonic clock, which stands still meanwhile, so a sleeper wakes late by the leap."""

    def __init__(self, start: datetime) -> None:
        self.inner = ControllableClock(start)
        self.lost = timedelta(0)

    def now(self) -> datetime:
        return self.inner.now() + self.lost

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)

    def suspend(self, duration: timedelta) -> None:
        self.lost += duration

    async def advance_to(self, target: datetime) -> None:
        await self.inner.advance_to(target - self.lost)


async def test_waking_long_after_a_due_time_fires_at_most_once_and_resumes_at_the_next() -> None:
    clock = SuspendableClock(datetime(2026, 11, 19, 21, 0, tzinfo=UTC))
    fired: list[Slot] = []

    async def start(market: str, trigger: str) -> None:
        fired.append((market, clock.now()))

    scheduler = Scheduler(schedule(), clock, start)
    async with running(scheduler):
        await clock.advance_to(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
        assert scheduler.next_due == Due(datetime(2026, 11, 20, 1, 35, tzinfo=UTC), "HK")
        clock.suspend(timedelta(hours=6))  # 01:00 to 07:00 UTC asleep: 09:35 to 15:00 HKT all pass by
        await clock.advance_to(datetime(2026, 11, 20, 7, 40, tzinfo=UTC))  # the sleep for 09:35 HKT ends at 07:35
        await settle()
        late = list(fired)
        assert len(late) <= 1  # at most one cycle for all that was missed, never one per slot
        assert all(market == "HK" and at > datetime(2026, 11, 20, 7, 0, tzinfo=UTC) for market, at in late)
        assert scheduler.next_due == Due(datetime(2026, 11, 20, 7, 45, tzinfo=UTC), "HK")
        await clock.advance_to(datetime(2026, 11, 20, 7, 45, tzinfo=UTC))
        await settle()
        assert fired == [*late, ("HK", datetime(2026, 11, 20, 7, 45, tzinfo=UTC))]
        assert scheduler.skipped == []


class EarlyClock(ControllableClock):
    """A clock whose sleeps end a millisecond early, as a coarse timer or a wall clock stepped back can make them."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds - 0.001)


async def test_a_sleep_that_ends_a_moment_early_does_not_handle_the_same_due_twice() -> None:
    clock = EarlyClock(datetime(2026, 11, 19, 21, 0, tzinfo=UTC))
    fired: list[datetime] = []

    async def start(market: str, trigger: str) -> None:
        fired.append(clock.now())
        await clock.sleep(30)  # a cycle takes a while

    scheduler = Scheduler(schedule(us=False), clock, start)
    async with running(scheduler):
        while clock.now() < SATURDAY:
            await clock.advance(60)
            await settle()
    assert fired == [at for market, at in FRIDAY_SLOTS if market == "HK"]
    assert scheduler.skipped == []


async def test_nothing_enabled_ends_the_scheduler_with_nothing_due() -> None:
    clock = ControllableClock(THURSDAY_EVENING)
    fired, start = recorder(clock)
    for s in (schedule(hk=False, us=False), schedule(enabled=False), schedule(enabled=False, always_open=True)):
        scheduler = Scheduler(s, clock, start)
        async with running(scheduler) as task:
            assert task.done() and task.result() is None
            assert scheduler.next_due is None
    await clock.advance(7 * 24 * 3600)
    assert fired == []
