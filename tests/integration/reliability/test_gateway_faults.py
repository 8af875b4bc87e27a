"""A trading day through twenty gateway faults, on the controllable clock: the rules brain's scheduled cycles and
orders through the same desk on autopilot, the real adapter against the simulator over TCP. Nothing is sent twice,
no execution is lost, the app's positions end equal to the broker's, and trading resumes within the reconnect
backoff of the gateway coming back."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from brokers.sim.universe import STOCKS, Stock
from catalyst_tui.agent.cycle import CycleRunner
from catalyst_tui.agent.daily_bars import DailyBars
from catalyst_tui.agent.rules import RulesBrain
from catalyst_tui.agent.schedule import Schedule, Scheduler
from catalyst_tui.broker_models import Outcome
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config.schema import MarketsSettings
from catalyst_tui.journal import Journal
from catalyst_tui.markets import EXCHANGES
from catalyst_tui.models import Market
from tests.integration.conftest import running_gateway, settings_for
from tests.integration.desk.conftest import buy, make_desk, quoted, settings
from tests.integration.desk.test_desk import recorded
from tests.integration.reliability.fault_day import FaultDay, figures

HONG_KONG = EXCHANGES[Market.HK].zone
DAY = datetime(2026, 11, 20, tzinfo=HONG_KONG).date()  # a Friday
RECONNECT_MAX_SECONDS = 30
MARKETABLE = "-0.5"  # a limit half a percent through the ask: it fills at once
WATCHED = ("700", "5", "9988", "2318", "388", "3690", "1")


def at(hhmm: str) -> datetime:
    return datetime.combine(DAY, time.fromisoformat(hhmm), HONG_KONG).astimezone(UTC)


def stock(code: str) -> Stock:
    return next(s for s in STOCKS if s.symbol == code)


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(at("08:30"))


@pytest.fixture
async def gateway(clock: ControllableClock) -> AsyncIterator[SimGateway]:
    async with running_gateway(clock, seed=7, step_seconds=5) as sim:
        yield sim


@pytest.fixture
async def broker(gateway: SimGateway, clock: ControllableClock) -> AsyncIterator[IbkrBroker]:
    target = replace(settings_for(gateway.port), reconnect_max_seconds=RECONNECT_MAX_SECONDS)
    adapter = IbkrBroker(target, clock, quote_stale_seconds=30, rng=random.Random(3))
    await adapter.start()
    yield adapter
    await adapter.stop()


async def test_a_day_of_twenty_gateway_faults_loses_nothing(
    broker: IbkrBroker, gateway: SimGateway, clock: ControllableClock, journal: Journal, tmp_path: Path
) -> None:
    config = replace(settings(), markets=replace(MarketsSettings(), us_enabled=False))
    desk = make_desk(broker, journal, clock, config)
    runner = CycleRunner(desk, journal, config, clock, RulesBrain())
    scheduler = Scheduler(Schedule(config.schedule, config.markets, always_open=False), clock, runner.run)
    schedule = asyncio.ensure_future(scheduler.run())
    day = FaultDay(clock, gateway, broker, desk, scheduler)

    await day.run_until(at("08:40"))
    await day.refuse(300, "the nightly restart: away 5 minutes")
    await day.run_until(at("09:31"))
    await quoted(broker, *WATCHED)

    await day.run_until(at("09:40"))
    tencent = await day.propose(buy(broker, "0700.HK", 100, below_ask_pct=MARKETABLE))
    assert tencent.trade is not None and tencent.trade.outcome is Outcome.FILLED
    await day.run_until(at("09:50"))
    await day.drop()
    await day.run_until(at("10:00"))
    day.storm()
    await day.run_until(at("10:05"))
    resting = await day.propose(buy(broker, "0005.HK", 400, below_ask_pct="2"))
    assert resting.trade is not None and resting.trade.outcome is Outcome.SUBMITTED
    await day.run_until(at("10:10"))
    await day.gap_while_down(stock("700"), -8)  # Tencent's stop fills while the adapter is away
    await day.run_until(at("10:20"))
    paused = await day.propose_during_pause(buy(broker, "9988.HK", 100, below_ask_pct=MARKETABLE))
    assert paused.trade is not None and paused.trade.outcome is Outcome.FILLED
    await day.run_until(at("10:40"))
    await day.refuse(60, "a 60-second refusal")
    await day.run_until(at("10:50"))
    day.storm((1100, 1101) * 3, "1100/1101 storm (market data lost)")

    await day.run_until(at("11:00"))
    day.ib_lost()
    await day.run_until(at("11:01"))
    blind = await day.propose(buy(broker, "2318.HK", 500))
    assert blind.trade is None and blind.decision.decided_by == "gate" and "IB link down" in blind.decision.reason
    await day.run_until(at("11:05"))
    day.ib_back()
    await day.run_until(at("11:06"))
    ping_an = await day.propose(buy(broker, "2318.HK", 500, below_ask_pct=MARKETABLE))
    assert ping_an.trade is not None and ping_an.trade.outcome is Outcome.FILLED

    await day.run_until(at("11:15"))
    hung = await day.propose_during_pause(buy(broker, "0388.HK", 100, below_ask_pct="1"), drop=True)
    assert hung.trade is not None and "connection dropped before IB answered" in hung.trade.message
    await day.run_until(at("11:40"))
    await day.drop()
    await day.run_until(at("13:10"))
    meituan = await day.propose(buy(broker, "3690.HK", 100, below_ask_pct="1"))
    assert meituan.trade is not None and meituan.trade.outcome is Outcome.SUBMITTED
    await day.drop("a drop just after an order was acknowledged")
    await day.run_until(at("13:30"))
    day.storm()
    await day.run_until(at("13:45"))
    await day.gap_while_down(stock("2318"), 15)  # Ping An's target fills while the adapter is away
    await day.run_until(at("14:10"))
    await day.drop()
    await day.run_until(at("14:30"))
    held = sorted(p.instrument.display for p in broker.positions() if p.quantity)
    closing = await day.propose(desk.close_proposal(held[0], "take it off"))
    assert closing.trade is not None and closing.trade.outcome in (Outcome.FILLED, Outcome.SUBMITTED)
    await day.run_until(at("14:35"))
    ckh = await day.propose_during_pause(buy(broker, "0001.HK", 500, below_ask_pct=MARKETABLE))
    assert ckh.trade is not None and ckh.trade.outcome is Outcome.FILLED
    await day.run_until(at("14:45"))
    await day.drop()
    await day.run_until(at("15:10"))
    day.storm((1100, 1101, 1102) * 3, "1100/1101/1102 storm")
    await day.run_until(at("15:20"))
    runner.daily_bars = DailyBars(broker)  # its scan asks IB for bars, as the day's first does: the drop meets it
    cut_off = await day.cycle_cut_by_drop(runner, Market.HK)
    said = recorded(journal, f"SELECT content FROM transcript WHERE cycle_id = '{cut_off.cycle_id}' ORDER BY seq")
    assert cut_off.outcome == "done" and cut_off.orders_sent == 0
    assert any("the gateway is not connected (reconnecting" in str(r["content"]) for r in said)  # said, not guessed
    await day.run_until(at("16:15"))
    await day.refuse(300, "the nightly restart, after the close")
    await day.run_until(at("16:30"))
    schedule.cancel()

    figures_ = await figures(day, journal, lambda sql: recorded(journal, sql))
    print("\n".join(figures_.lines()))
    assert figures_.faults == 20
    assert figures_.duplicates == 0 and figures_.unrecorded == 0 and figures_.sent == figures_.intents
    assert figures_.fills_missing == 0 and figures_.fills_journaled == figures_.executions >= 8
    assert all(n == 1 for n in day.fills_reported.values())
    assert figures_.positions_app == figures_.positions_sim
    recoveries = day.recoveries()
    assert all(r.trading_at is not None for r in recoveries), recoveries
    assert max(figures_.recovery_seconds) <= RECONNECT_MAX_SECONDS
    working = {o.intent_id for o in broker.open_orders()}
    assert hung.trade.intent_id in working and meituan.trade.intent_id in working  # found again by orderRef
    cycles = recorded(journal, "SELECT started_at, outcome, trigger, error FROM cycles ORDER BY started_at")
    assert len(cycles) == len(config.schedule.hk_times) + 1 and {c["outcome"] for c in cycles} == {"done"}
