"""The gateway-fault day of the test suite, many times over with random faults: a soak that `make test` cannot afford.

Each day runs the rules brain's scheduled cycles and random orders through the desk on autopilot, with the real
adapter against the simulator over TCP on the controllable clock, and injects `--faults` faults at random times
(drops, refusals of 10 s to 5 min, restarts, 1100/1101/1102 storms, IB's own link lost for minutes, pauses in the
middle of an order, drops during a cycle, gaps that fill bracket children while disconnected). At the end of each
day it prints what `tests/integration/reliability/test_gateway_faults.py` asserts, and a total.

    .venv/bin/python bench/gateway_fault_soak.py [--days 20] [--faults 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time as wall
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from brokers.ibkr import IbkrBroker
from brokers.sim.universe import STOCKS
from catalyst_tui.agent.cycle import CycleRunner
from catalyst_tui.agent.rules import RulesBrain
from catalyst_tui.agent.schedule import Schedule, Scheduler
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config.schema import MarketsSettings, RiskSettings
from catalyst_tui.journal import Journal
from catalyst_tui.markets import EXCHANGES
from catalyst_tui.models import Market, Proposal
from tests.integration.conftest import running_gateway, settings_for
from tests.integration.desk.conftest import buy, make_desk, quoted, settings
from tests.integration.desk.test_desk import recorded
from tests.integration.reliability.fault_day import FaultDay, Figures, display, figures

HONG_KONG = EXCHANGES[Market.HK].zone
HK_STOCKS = [s for s in STOCKS if s.is_hk]
FIRST_DAY = date(2026, 11, 16)  # a Monday


def trading_days(count: int) -> list[date]:
    days, day = [], FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def moments(day: date, count: int, rng: random.Random) -> list[datetime]:
    """Random minutes of the trading sessions (09:31–11:59, 13:01–15:59 HKT), in order."""
    minutes = [*range(9 * 60 + 31, 12 * 60), *range(13 * 60 + 1, 16 * 60)]
    picked = sorted(rng.sample(minutes, count))
    return [datetime.combine(day, time(m // 60, m % 60), HONG_KONG).astimezone(UTC) for m in picked]


async def one_day(day: date, faults: int, seed: int, folder: Path) -> Figures:
    rng = random.Random(seed)
    clock = ControllableClock(datetime.combine(day, time(9, 0), HONG_KONG).astimezone(UTC))
    risk = replace(RiskSettings(), max_orders_per_day=10_000, max_positions=50)
    config = replace(settings(), risk=risk, markets=replace(MarketsSettings(), us_enabled=False))
    async with running_gateway(clock, seed=seed, step_seconds=5) as gateway:
        broker = IbkrBroker(settings_for(gateway.port), clock, quote_stale_seconds=30, rng=random.Random(seed))
        journal = Journal(f"sqlite:///{folder / f'{day}.sqlite3'}", folder / f"spool-{day}")
        await journal.open()
        await broker.start()
        desk = make_desk(broker, journal, clock, config)
        runner = CycleRunner(desk, journal, config, clock, RulesBrain())
        scheduler = Scheduler(Schedule(config.schedule, config.markets, always_open=False), clock, runner.run)
        schedule = asyncio.ensure_future(scheduler.run())
        fault_day = FaultDay(clock, gateway, broker, desk, scheduler)
        await fault_day.run_until(datetime.combine(day, time(9, 31), HONG_KONG).astimezone(UTC))
        await quoted(broker, *(display(s) for s in HK_STOCKS))
        for when in moments(day, faults, rng):
            await fault_day.run_until(when)
            await act(fault_day, runner, rng)
        await fault_day.run_until(datetime.combine(day, time(16, 30), HONG_KONG).astimezone(UTC))
        schedule.cancel()
        found = await figures(fault_day, journal, lambda sql: recorded(journal, sql))
        await broker.stop()
        await journal.close()
    return found


async def act(day: FaultDay, runner: CycleRunner, rng: random.Random) -> None:
    """One random fault, often with an order placed around it."""
    if rng.random() < 0.5 and day.broker.link.state.can_trade:
        await order(day, rng)
    choice = rng.randrange(8)
    if choice == 0:
        await day.drop()
    elif choice == 1:
        await day.refuse(rng.choice((10, 60, 300)), "a refusal")
    elif choice == 2:
        day.storm(tuple(rng.choice((1100, 1101, 1102)) for _ in range(rng.randint(2, 12))), "a storm")
    elif choice == 3:
        day.ib_lost()
        await day.run_until(day.clock.now() + timedelta(minutes=rng.randint(1, 5)))
        day.ib_back()
    elif choice == 4 and day.broker.link.state.can_trade:
        await day.propose_during_pause(random_buy(day, rng), drop=rng.random() < 0.5)
    elif choice == 5:
        await day.cycle_cut_by_drop(runner, Market.HK)
    elif choice == 6:
        await day.gap_while_down(rng.choice(HK_STOCKS), rng.choice((-9, -5, 5, 9)))
    else:
        await day.refuse(300, "a restart")


async def order(day: FaultDay, rng: random.Random) -> None:
    held = [p.instrument.display for p in day.broker.positions() if p.quantity]
    if held and rng.random() < 0.3:
        await day.propose(day.desk.close_proposal(rng.choice(held), "soak close"))
    else:
        await day.propose(random_buy(day, rng))


def random_buy(day: FaultDay, rng: random.Random) -> Proposal:
    stock = rng.choice(HK_STOCKS)
    return buy(day.broker, display(stock), stock.lot, below_ask_pct=rng.choice(("-0.5", "0", "1", "2")))


async def soak(days: int, faults: int, seed: int) -> int:
    failures = 0
    recoveries: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for n, day in enumerate(trading_days(days)):
            started = wall.perf_counter()
            found = await one_day(day, faults, seed + n, Path(folder))
            ok = (found.duplicates == found.unrecorded == found.fills_missing == 0
                  and found.positions_app == found.positions_sim and found.sent == found.intents)  # fmt: skip
            failures += not ok
            recoveries += found.recovery_seconds
            verdict = "ok" if ok else "LOST OR DUPLICATED"
            print(f"{day} seed {seed + n}: {verdict} in {wall.perf_counter() - started:.1f} s")
            for line in found.lines():
                print("   ", line)
    median, worst = statistics.median(recoveries), max(recoveries)
    print(f"{days} days, {failures} with anything lost or sent twice; recovery after the gateway came back "
          f"(clock s): median {median:.1f}, max {worst:.1f}, n={len(recoveries)}")  # fmt: skip
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--faults", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.exit(1 if asyncio.run(soak(args.days, args.faults, args.seed)) else 0)


if __name__ == "__main__":
    main()
