"""Connected to a real-money account, Catalyst refuses to trade unless the settings allow it and the operator
started it with --live; and it says why."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from catalyst_tui.agent.cycle import CycleRunner
from catalyst_tui.agent.rules import RulesBrain
from catalyst_tui.approvals import Autopilot
from catalyst_tui.clock import ControllableClock
from catalyst_tui.desk import Desk
from catalyst_tui.journal import Journal
from catalyst_tui.models import DecisionKind
from catalyst_tui.risk import TradingStates
from tests.integration.conftest import running_gateway, settings_for, until
from tests.integration.desk.conftest import buy, quoted, settings
from tests.integration.desk.test_desk import at_the_sim

LIVE_ACCOUNT = "U7654321"  # IB paper accounts start with D; this one trades real money


@pytest.fixture
async def live_gateway(clock: ControllableClock) -> AsyncIterator[SimGateway]:
    async with running_gateway(clock, seed=7, account_id=LIVE_ACCOUNT) as sim:
        yield sim


@pytest.fixture
async def live_broker(live_gateway: SimGateway, clock: ControllableClock) -> AsyncIterator[IbkrBroker]:
    adapter = IbkrBroker(settings_for(live_gateway.port), clock, quote_stale_seconds=30, rng=random.Random(1))
    await adapter.connect()
    await until(lambda: adapter.account() is not None, what="the account")
    yield adapter
    await adapter.stop()


def desk(broker: IbkrBroker, journal: Journal, clock: ControllableClock, live_allowed: bool) -> Desk:
    config = settings()
    return Desk(broker, journal, TradingStates(clock, config.risk), clock, config, Autopilot(clock), live_allowed)


async def test_a_live_account_is_refused_and_the_reason_says_how_to_allow_it(
    live_broker: IbkrBroker, live_gateway: SimGateway, journal: Journal, clock: ControllableClock
) -> None:
    refusing = desk(live_broker, journal, clock, live_allowed=False)
    await quoted(live_broker, "700")
    result = await refusing.propose(buy(live_broker, "700", 200))
    assert result.decision.kind is DecisionKind.REJECTED and result.decision.decided_by == "guard"
    assert LIVE_ACCOUNT in result.decision.reason and "--live and broker.allow_live: true" in result.decision.reason
    assert at_the_sim(live_gateway) == {}
    report = await CycleRunner(refusing, journal, settings(), clock, RulesBrain()).run("HK", "schedule")
    assert report.outcome == "unavailable" and "LIVE (real money)" in report.reason  # no cycle, with the reason


async def test_both_switches_together_let_a_live_account_trade(
    live_broker: IbkrBroker, live_gateway: SimGateway, journal: Journal, clock: ControllableClock
) -> None:
    allowed = desk(live_broker, journal, clock, live_allowed=True)
    await quoted(live_broker, "700")
    result = await allowed.propose(buy(live_broker, "700", 200))
    assert result.decision.kind is DecisionKind.AUTO and result.trade is not None and result.trade.sent
