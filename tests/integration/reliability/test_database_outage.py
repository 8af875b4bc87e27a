"""PostgreSQL goes down for 60 seconds of a trading session and comes back: the session trades on, the operator sees
the journal spooling and why new entries wait, and afterwards the database holds everything once, in order.

Real parts throughout: the rules brain on autopilot, run by the scheduler on the controllable clock, the desk and
the adapter against the simulator over TCP, and the journal on a real PostgreSQL server that is stopped with
`pg_ctl stop -m fast` and started again. The outage is 60 seconds on the session's clock; the journal retries on
real time, so the test waits for the real event (the journal caught up), never for a fixed time.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from brokers.sim.universe import find
from catalyst_tui.agent.cycle import CycleReport, CycleRunner
from catalyst_tui.agent.events import CycleOpened, Entry, Event
from catalyst_tui.agent.rules import RulesBrain
from catalyst_tui.agent.schedule import Schedule, Scheduler
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config.schema import MarketsSettings, ScheduleSettings
from catalyst_tui.desk import DeskResult, day_start
from catalyst_tui.journal import Journal, JournalState, JournalStatus, JournalUnavailable, open_store
from catalyst_tui.journal.spool import Group
from catalyst_tui.models import DecisionKind
from tests.integration.conftest import running_gateway, settings_for, until
from tests.integration.desk.conftest import make_desk, settings
from tests.integration.desk.test_desk import at_the_sim
from tests.integration.reliability.db_outage import landing, spooled
from tests.postgres import PostgresServer

OPEN = datetime(2026, 11, 20, 2, 29, 30, tzinfo=UTC)  # Friday 10:29:30 in Hong Kong, an hour into the session
DOWN_AT = OPEN + timedelta(seconds=60)  # 10:30:30, just after the 10:30 cycle has bought
OUTAGE = timedelta(seconds=60)
STEP = 1.0  # seconds of session time per clock step
WATCHLIST = ("1299.HK", "0001.HK", "2318.HK", "0700.HK", "0005.HK")
CYCLES = (time(10, 30), time(10, 31), time(10, 32))  # one before, one during, one after the outage


def hk(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 20, hour - 8, minute, second, tzinfo=UTC)


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(OPEN)


@pytest.fixture
async def gateway(clock: ControllableClock) -> AsyncIterator[SimGateway]:
    async with running_gateway(clock, seed=7, warm_up_hours=1) as sim:  # the day's volume is already there
        yield sim


@pytest.fixture
async def broker(gateway: SimGateway, clock: ControllableClock) -> AsyncIterator[IbkrBroker]:
    adapter = IbkrBroker(settings_for(gateway.port), clock, quote_stale_seconds=30, rng=random.Random(1))
    await adapter.connect()
    await until(lambda: adapter.account() is not None, what="the account")
    yield adapter
    await adapter.stop()


@pytest.fixture
def database(own_postgres: PostgresServer) -> str:
    return own_postgres.new_database()


@pytest.fixture
async def journal(database: str, tmp_path: Path) -> AsyncIterator[Journal]:
    """Retries every 0.2 s of real time: the journal's retry loop sleeps on asyncio, not on the session's clock."""
    opened = Journal(database, tmp_path / "spool", retry_seconds=0.2)
    await opened.open()
    yield opened
    await opened.close()


def rows(url: str, sql: str, *values: object) -> list[dict[str, Any]]:
    """What the database holds, read through a connection of the test's own."""
    store = open_store(url)
    try:
        return store.rows(sql, *values)
    finally:
        store.close()


def parents(gateway: SimGateway) -> set[str]:
    """The new orders the broker received today: each bracket counts once, as the daily limit counts them."""
    return {ref for ref in at_the_sim(gateway) if ":" not in ref}


def held(broker: IbkrBroker) -> set[str]:
    return {p.instrument.display for p in broker.positions() if p.quantity}


def seen_all(broker: IbkrBroker, gateway: SimGateway) -> bool:
    """The adapter has heard of every execution the simulator made."""
    return {f.exec_id for f in broker.executions_today()} == {e.exec_id for e in gateway.broker.executions}


@dataclass
class Session:
    """The desk and the rules brain on a schedule, on the session's clock, and what the operator saw of them."""

    clock: ControllableClock
    gateway: SimGateway
    broker: IbkrBroker
    journal: Journal
    spool_dir: Path
    reports: list[CycleReport] = field(default_factory=list)
    said: dict[str, list[str]] = field(default_factory=dict)  # the transcript as shown, by cycle
    states: list[JournalState] = field(default_factory=list)

    def __post_init__(self) -> None:
        markets = replace(MarketsSettings(), us_enabled=False, watchlist=WATCHLIST)
        config = replace(settings(), markets=markets, schedule=replace(ScheduleSettings(), hk_times=CYCLES))
        self.desk = make_desk(self.broker, self.journal, self.clock, config)
        runner = CycleRunner(self.desk, self.journal, config, self.clock, RulesBrain())
        runner.listeners.append(self._show)
        self.scheduler = Scheduler(Schedule(config.schedule, config.markets, always_open=False), self.clock, runner.run)
        self.journal.status_listeners.append(lambda status: self.states.append(status.state))

    def _show(self, event: Event) -> None:
        if isinstance(event, CycleOpened):
            self.said[event.cycle_id] = []
        elif isinstance(event, Entry):
            list(self.said.values())[-1].append(event.content)

    async def run_until(self, when: datetime) -> None:
        """The clock moves a step at a time; a cycle that falls due runs to its end, as a cycle takes seconds."""
        while self.clock.now() < when:
            await self.clock.advance(min(STEP, (when - self.clock.now()).total_seconds()))
            running = self.scheduler.running
            if running is not None and not running.done():
                self.reports.append(await running)  # type: ignore[arg-type]

    def move(self, symbol: str, percent: float) -> None:
        self.gateway.move(find(symbol, "", "", 0), percent)  # type: ignore[arg-type]

    async def settled(self, what: str, gone: str) -> None:
        await until(lambda: gone not in held(self.broker) and seen_all(self.broker, self.gateway), what=what)


@dataclass(frozen=True)
class Outage:
    """The minute without PostgreSQL, as the broker, the screen and the spool had it just before it came back."""

    waiting: list[Group]  # the spool
    status: JournalStatus
    closed: DeskResult
    refusals: list[str]  # the transcript's lines for the entries the gate turned down
    count_refused: str  # why the gate had no count of today's orders
    at_the_sim: dict[str, str]  # every order's status at the broker
    placed: list[str]  # orders the broker received while the database was down
    filled: list[str]  # and the orders it filled
    wall_seconds: float


async def through_the_outage(session: Session, own_postgres: PostgresServer) -> Outage:
    """10:30:30 to 10:31:30 without PostgreSQL: a take-profit fills, the operator closes a position, and the 10:31
    cycle runs and wants two new entries."""
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(own_postgres.stop)
    stopped = loop.time()
    await session.run_until(hk(10, 30, 40))
    session.move("1299", 11.5)  # AIA jumps through its target
    await session.run_until(hk(10, 30, 45))
    await session.settled("the take-profit fill", "1299.HK")
    await session.run_until(hk(10, 30, 50))
    closed = await session.desk.propose(session.desk.close_proposal("2318.HK", "operator: take Ping An off"))
    await session.settled("the close fill", "2318.HK")
    await session.run_until(DOWN_AT + OUTAGE)
    try:
        await session.journal.order_count(day_start(session.clock.now()))
        count_refused = ""
    except JournalUnavailable as exc:
        count_refused = str(exc)
    sim = session.gateway.broker
    return Outage(
        spooled(session.journal, session.spool_dir), session.journal.status, closed,
        [line for line in session.said[session.reports[-1].cycle_id] if line.startswith("ERROR: Not sent")],
        count_refused, at_the_sim(session.gateway),
        [o.order_ref for o in sim.orders.values() if o.placed_at and o.placed_at >= DOWN_AT],
        [e.order.order_ref for e in sim.executions if e.time >= DOWN_AT], loop.time() - stopped,
    )  # fmt: skip


@pytest.fixture
async def session(
    clock: ControllableClock, gateway: SimGateway, broker: IbkrBroker, journal: Journal, tmp_path: Path
) -> AsyncIterator[Session]:
    """The session, its scheduler running on the clock."""
    made = Session(clock, gateway, broker, journal, tmp_path / "spool")
    schedule = asyncio.ensure_future(made.scheduler.run())
    yield made
    schedule.cancel()
    await asyncio.gather(schedule, return_exceptions=True)


async def test_a_minute_without_postgresql_loses_nothing_and_trading_goes_on(
    session: Session, own_postgres: PostgresServer, database: str, gateway: SimGateway, broker: IbkrBroker,
    journal: Journal, clock: ControllableClock, tmp_path: Path,
) -> None:  # fmt: skip
    # 10:30, the database up: AIA and Ping An move on volume; the rules brain buys both, each with a bracket.
    session.move("1299", 2)
    session.move("2318", 2.5)
    await session.run_until(DOWN_AT)
    await until(lambda: held(broker) == {"1299.HK", "2318.HK"}, what="both entries filled")
    assert [r.orders_sent for r in session.reports] == [2]

    outage = await through_the_outage(session, own_postgres)
    # The status bar reads "journal spooling (N waiting)", N being what the spool holds, and the log says why.
    assert outage.status.state is JournalState.SPOOLING and outage.status.spooled == len(outage.waiting) > 0
    assert "unavailable" in outage.status.reason
    # Trading went on: the take-profit filled at IB, the operator's close went out and filled.
    close = outage.closed.trade
    assert close is not None and close.sent and outage.placed == [close.intent_id]
    assert {ref.rsplit(":", 1)[-1] for ref in outage.filled} == {"tp", close.intent_id}
    assert set(outage.at_the_sim.values()) == {"Filled", "Cancelled"}  # nothing left working at the broker
    # The 10:31 cycle ran; the gate held back both new entries, as it cannot count today's orders, and said so.
    during = session.reports[1]
    assert during.outcome == "done" and during.orders_sent == 0
    assert len(outage.refusals) == 2
    assert all("the journal cannot count today's orders" in line for line in outage.refusals)
    assert "wait in the spool" in outage.count_refused

    # 10:31:30, a minute after it stopped, PostgreSQL is back: the spool replays and the journal catches up.
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(own_postgres.start)
    restarted = loop.time()
    await asyncio.wait_for(journal.caught_up(), timeout=30)
    replay_seconds = loop.time() - restarted
    assert journal.status == JournalStatus(JournalState.WRITING)
    assert not (tmp_path / "spool" / journal.target.spool_name).exists()
    arrived = landing(database, outage.waiting)
    assert (arrived.lost, arrived.repeated, arrived.out_of_order) == (0, [], [])
    assert [s for i, s in enumerate(session.states) if i == 0 or session.states[i - 1] is not s] == [
        JournalState.SPOOLING, JournalState.WRITING,
    ]  # fmt: skip

    # 10:32: the gate counts again, the outage's orders included, and trading resumes.
    entries_so_far = len(parents(gateway))
    await session.run_until(hk(10, 32, 5))
    await until(lambda: seen_all(broker, gateway), what="the adapter to hear of every execution")
    await journal.caught_up()
    after = session.reports[2]
    assert after.outcome == "done" and after.orders_sent == 2
    counted = rows(database, "SELECT c.measured FROM {s}proposal_checks c JOIN {s}proposals p ON p.id = c.proposal_id"
                             " WHERE c.name = 'max_orders_per_day' AND p.cycle_id = ?", after.cycle_id)  # fmt: skip
    assert sorted(int(r["measured"]) for r in counted) == [entries_so_far + 1, entries_so_far + 2]
    assert await journal.order_count(day_start(clock.now())) == len(parents(gateway))

    the_journal_agrees_with_the_broker_and_the_screen(database, session, outage)
    print(
        f"\noutage: {OUTAGE.total_seconds():.0f} s on the session clock, {outage.wall_seconds:.2f} s real;"
        f" {arrived.records} records spooled ({len(outage.waiting)} groups) {dict(arrived.kinds)};"
        f" orders placed while down {len(outage.placed)}, fills {len(outage.filled)},"
        f" entries held back {len(outage.refusals)}; replay {replay_seconds:.2f} s; lost {arrived.lost}"
    )


def the_journal_agrees_with_the_broker_and_the_screen(url: str, session: Session, outage: Outage) -> None:
    gateway, reports = session.gateway, session.reports
    fills = {r["exec_id"] for r in rows(url, "SELECT exec_id FROM {s}fills")}
    assert (
        fills
        == {e.exec_id for e in gateway.broker.executions}
        == {f.exec_id for f in session.broker.executions_today()}
    )
    statuses = {r["intent_id"]: r["status"] for r in rows(url, "SELECT intent_id, status FROM {s}orders")}
    assert statuses.keys() == at_the_sim(gateway).keys()
    assert {ref: statuses[ref] for ref in outage.at_the_sim} == outage.at_the_sim
    cycles = rows(url, "SELECT id, outcome FROM {s}cycles ORDER BY started_at")
    assert [(c["id"], c["outcome"]) for c in cycles] == [(r.cycle_id, r.outcome) for r in reports]
    for report in reports:
        lines = rows(url, "SELECT content FROM {s}transcript WHERE cycle_id = ? ORDER BY seq", report.cycle_id)
        assert [r["content"] for r in lines] == session.said[report.cycle_id]
    decided = rows(url, "SELECT cycle_id, decision, decided_by FROM {s}proposals ORDER BY proposed_at, id")
    assert [(d["cycle_id"], d["decision"], d["decided_by"]) for d in decided] == [
        *[(reports[0].cycle_id, DecisionKind.AUTO, "autopilot")] * 2,
        (None, DecisionKind.AUTO, "autopilot"),  # the operator's close
        *[(reports[1].cycle_id, DecisionKind.REJECTED, "gate")] * 2,
        *[(reports[2].cycle_id, DecisionKind.AUTO, "autopilot")] * 2,
    ]  # fmt: skip
