"""A trading day with gateway faults, on the controllable clock: the pieces the fault-day test and the soak in
`bench/` share. The desk, the rules brain's scheduled cycles and the real adapter run against the simulator over
TCP; faults are injected at the simulator; the clock moves in small steps and waits, at each step, for what the
adapter is doing over the socket (a reconnect, a reconciliation, a cycle) to finish, as real time would allow."""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from brokers.sim.universe import Stock
from catalyst_tui.agent.cycle import CycleReport, CycleRunner
from catalyst_tui.agent.events import Entry, Event
from catalyst_tui.agent.schedule import Scheduler
from catalyst_tui.broker_models import LinkPhase, LinkState
from catalyst_tui.clock import ControllableClock
from catalyst_tui.desk import Desk, DeskResult
from catalyst_tui.journal import EntryKind, Journal
from catalyst_tui.models import Proposal
from tests.integration.conftest import until

STEP_SECONDS = 10
STORM = (1100, 1102) * 5


@dataclass(frozen=True)
class Outage:
    """A fault that took the connection away, and when the gateway would take connections again."""

    fault: str
    dropped_at: datetime
    back_at: datetime


@dataclass(frozen=True)
class Recovery:
    fault: str
    back_at: datetime
    trading_at: datetime | None  # connected and reconciled: the desk sends orders again

    @property
    def seconds(self) -> float | None:
        return None if self.trading_at is None else (self.trading_at - self.back_at).total_seconds()


@dataclass
class FaultDay:
    clock: ControllableClock
    gateway: SimGateway
    broker: IbkrBroker
    desk: Desk
    scheduler: Scheduler
    faults: list[str] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    links: list[LinkState] = field(default_factory=list)
    results: list[DeskResult] = field(default_factory=list)
    fills_reported: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.broker.link.listeners.append(self.links.append)
        self.broker.fill_listeners.append(lambda fill: self.fills_reported.update([fill.exec_id]))

    # Time

    async def run_until(self, when: datetime) -> None:
        """Step by step, stopping at every sleeper's wake-up, so a reconnect is timed to the moment it happened."""
        while self.clock.now() < when:
            step = min(when, self.clock.now() + timedelta(seconds=STEP_SECONDS))
            wake = self.clock.next_wake
            await self.clock.advance_to(min(step, wake) if wake is not None and wake > self.clock.now() else step)
            await self.settle()

    async def settle(self) -> None:
        """Let the running cycle finish and the link reach a resting state (connected, or waiting to retry)."""
        running = self.scheduler.running
        if running is not None and not running.done():
            await running
        await until(self._link_resting, timeout=15, what="the link to connect or wait for its next try")

    def _link_resting(self) -> bool:
        state = self.broker.link.state
        waiting = state.phase is LinkPhase.RECONNECTING and state.next_try is not None and (
            state.next_try > self.clock.now()
        )  # fmt: skip
        return state.phase is LinkPhase.CONNECTED or waiting

    # Faults

    async def drop(self, name: str = "drop") -> None:
        """Every connection closes; the gateway takes new ones at once."""
        self.gateway.drop_all()
        await self._outage(name)

    async def refuse(self, seconds: float, name: str) -> None:
        """Every connection closes and the gateway refuses new ones for `seconds` (a restart, a long refusal)."""
        await self.gateway.restart(down_seconds=seconds)
        await self._outage(name)

    def storm(self, codes: tuple[int, ...] = STORM, name: str = "1100/1102 storm") -> None:
        for code in codes:
            self.gateway.connectivity(code)
        self.faults.append(name)

    def ib_lost(self) -> None:
        """IB Gateway loses its own servers (1100) and stays that way until `ib_back`."""
        self.gateway.connectivity(1100)
        self.faults.append("1100 held for minutes")

    def ib_back(self) -> None:
        self.gateway.connectivity(1102)

    async def gap_while_down(self, stock: Stock, percent: float) -> None:
        """The connection drops and the stock gaps before the adapter is back: fills it must catch up on."""
        self.gateway.drop_all()
        self.gateway.move(stock, percent)
        await self._outage("drop, then a gap fills a bracket child while disconnected")

    async def _outage(self, name: str) -> None:
        """The gateway takes connections again at once after a drop, or when the refusal under way ends."""
        now = self.clock.now()
        self.faults.append(name)
        self.outages.append(Outage(name, now, max(now, self.gateway.back_at)))
        await until(lambda: not self.broker.link.state.can_trade, what="the adapter to notice the drop")

    async def cycle_cut_by_drop(self, runner: CycleRunner, market: str) -> CycleReport:
        """A cycle whose connection drops as its first tool answers, so the rest of it meets a dead link."""

        def drop_after_first_result(event: Event) -> None:
            if isinstance(event, Entry) and event.kind is EntryKind.TOOL_RESULT and self.gateway.clients:
                self.gateway.drop_all()

        runner.listeners.append(drop_after_first_result)
        try:
            report = await runner.run(market, "command")
        finally:
            runner.listeners.remove(drop_after_first_result)
        await self._outage("a drop in the middle of a cycle")
        return report

    # Orders

    async def propose(self, proposal: Proposal) -> DeskResult:
        result = await self.desk.propose(proposal)
        self.results.append(result)
        return result

    async def propose_during_pause(self, proposal: Proposal, drop: bool = False) -> DeskResult:
        """The gateway stops answering; the order reaches it; `then` (a drop, say) happens before it answers again."""
        taken = len(self.gateway.broker.orders)
        self.gateway.pause()
        sending = asyncio.ensure_future(self.propose(proposal))
        await until(lambda: len(self.gateway.broker.orders) > taken or sending.done(), what="the order to be sent")
        self.faults.append("a pause in the middle of an order")
        if drop:
            self.gateway.drop_all()
        self.gateway.resume()
        if drop:
            await self._outage("a drop during that pause")
        return await sending

    # Figures

    def recoveries(self) -> list[Recovery]:
        """One per outage the link came back from; an outage overtaken by the next one before the link was back
        (a restart a minute after a drop) is timed as part of that next one."""
        found = [Recovery(o.fault, o.back_at, self._trading_after(o)) for o in self.outages]
        overtaken = [
            r.trading_at is None or r.trading_at > after.dropped_at
            for r, after in zip(found, self.outages[1:], strict=False)
        ]
        return [r for r, skip in zip(found, [*overtaken, False], strict=True) if not skip]

    def _trading_after(self, outage: Outage) -> datetime | None:
        later = [s for s in self.links if s.since >= outage.dropped_at]
        down = next((i for i, s in enumerate(later) if not s.can_trade), None)
        if down is None:
            return None
        return next((s.since for s in later[down:] if s.can_trade), None)


@dataclass(frozen=True)
class Figures:
    """What the day shows: everything sent once, every execution journaled, positions agreeing."""

    faults: int
    intents: int
    sent: int
    duplicates: int
    unrecorded: int  # at the simulator without a journaled intent
    executions: int
    fills_journaled: int
    fills_missing: int
    positions_app: dict[str, Decimal]
    positions_sim: dict[str, Decimal]
    recovery_seconds: list[float]

    @property
    def recovery_median(self) -> float:
        return statistics.median(self.recovery_seconds)

    def lines(self) -> list[str]:
        return [
            f"faults injected: {self.faults}",
            f"order intents journaled: {self.intents}; orders at the simulator: {self.sent}; "
            f"sent twice: {self.duplicates}; sent without an intent: {self.unrecorded}",
            f"executions at the simulator: {self.executions}; fills journaled: {self.fills_journaled}; "
            f"missing: {self.fills_missing}",
            f"positions app {self.positions_app} vs simulator {self.positions_sim}",
            f"gateway back → trading again (s, clock): median {self.recovery_median:.1f}, "
            f"max {max(self.recovery_seconds):.1f}",
        ]


async def figures(day: FaultDay, journal: Journal, rows: Callable[[str], list[dict[str, Any]]]) -> Figures:
    await journal.caught_up()
    intents = {str(r["intent_id"]) for r in rows("SELECT intent_id FROM orders")}
    refs = Counter(o.order_ref for o in day.gateway.broker.orders.values())
    executions = {e.exec_id for e in day.gateway.broker.executions}
    journaled = {str(r["exec_id"]) for r in rows("SELECT exec_id FROM fills")}
    recovered = [r.seconds for r in day.recoveries() if r.seconds is not None]
    return Figures(
        faults=len(day.faults), intents=len(intents), sent=len(refs),
        duplicates=sum(n - 1 for n in refs.values()), unrecorded=len(set(refs) - intents),
        executions=len(executions), fills_journaled=len(journaled), fills_missing=len(executions - journaled),
        positions_app={p.instrument.display: p.quantity for p in day.broker.positions() if p.quantity},
        positions_sim={display(h.stock): h.quantity for h in day.gateway.account.holdings.values() if h.quantity},
        recovery_seconds=recovered,
    )  # fmt: skip


def display(stock: Stock) -> str:
    return f"{int(stock.symbol):04d}.HK" if stock.is_hk else stock.symbol
