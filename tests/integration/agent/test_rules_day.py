"""The rules brain through a whole HKEX day on the controllable clock: the scheduler fires at the configured
times, every cycle runs the real tools against the simulator over TCP, and everything lands in the journal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from catalyst_tui.agent.cycle import CycleRunner
from catalyst_tui.agent.rules import RulesBrain
from catalyst_tui.agent.schedule import Schedule, Scheduler
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config.schema import MarketsSettings
from catalyst_tui.journal import Journal
from catalyst_tui.markets import EXCHANGES
from catalyst_tui.models import Market
from tests.integration.conftest import running_gateway
from tests.integration.desk.conftest import make_desk, settings
from tests.integration.desk.test_desk import recorded as journal_rows

HONG_KONG = EXCHANGES[Market.HK].zone
DAWN = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)  # Friday 08:30 in Hong Kong
DUSK = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)  # 16:30, after the close


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(DAWN)


@pytest.fixture
async def gateway(clock: ControllableClock) -> AsyncIterator[SimGateway]:
    async with running_gateway(clock, seed=7, step_seconds=5) as sim:  # coarser steps: a day in seconds
        yield sim


async def test_the_rules_brain_trades_a_day_at_the_scheduled_times(
    broker: IbkrBroker, clock: ControllableClock, journal: Journal, tmp_path: Path
) -> None:
    config = replace(settings(), markets=replace(MarketsSettings(), us_enabled=False))
    desk = make_desk(broker, journal, clock, config)
    runner = CycleRunner(desk, journal, config, clock, RulesBrain())
    scheduler = Scheduler(Schedule(config.schedule, config.markets, always_open=False), clock, runner.run)
    task = asyncio.ensure_future(scheduler.run())
    while clock.now() < DUSK:
        await clock.advance(60)
        if scheduler.running is not None and not scheduler.running.done():
            await scheduler.running  # the day waits for the cycle, as a cycle takes seconds, not minutes
    task.cancel()
    await journal.caught_up()

    cycles = journal_rows(journal, "SELECT id, started_at, outcome, trigger FROM cycles ORDER BY started_at")
    started = [datetime.fromisoformat(str(c["started_at"])).astimezone(HONG_KONG).time() for c in cycles]
    assert started == list(config.schedule.hk_times)
    assert {c["trigger"] for c in cycles} == {"schedule"} and {c["outcome"] for c in cycles} == {"done"}
    said = journal_rows(journal, "SELECT content FROM transcript WHERE role = 'assistant' AND kind = 'text'")
    assert len(said) >= len(cycles)  # every cycle said what it made of the market
    proposals = journal_rows(journal, "SELECT decision, decided_by FROM proposals")
    assert all(p["decided_by"] in ("autopilot", "gate") for p in proposals)
    assert scheduler.skipped == [] and time(15, 45) in started
    # A real strategy: on this seeded day it buys once, with a bracket, and passes on the other cycles.
    texts = [str(s["content"]) for s in said]
    assert sum("proposing" in t for t in texts) == len(proposals) == 1
    assert {p["decision"] for p in proposals} == {"auto"}
    assert sum("no trade this cycle" in t for t in texts) >= 4
    # Every cycle decided something the journal keeps: a proposal, or a decision saying why not, including the
    # cycles whose candidates were each skipped on a closer look (below VWAP, too big a lot).
    decided = journal_rows(journal, "SELECT cycle_id FROM decision_log UNION SELECT cycle_id FROM proposals")
    assert {d["cycle_id"] for d in decided} == {c["id"] for c in cycles}
    skipped = journal_rows(journal, "SELECT reasoning FROM decision_log WHERE reasoning LIKE '%VWAP%'")
    assert skipped, "no cycle on this seeded day passed on a candidate below VWAP"
    roles = journal_rows(journal, "SELECT role FROM orders ORDER BY intent_id")
    assert [r["role"] for r in roles] == ["entry", "stop_loss", "take_profit"]
