"""One agent cycle: pre-flight, context, the brain's loop, a summary; every step journaled.

Pre-flight runs before a token is spent: a cycle with no gateway, a halted desk, a closed market, stale data or
the day's model budget spent is skipped, and says why. The kill switch cancels a cycle at any await.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from catalyst_tui.agent.brain import Brain, BrainOutcome
from catalyst_tui.agent.context import cycle_context, universe
from catalyst_tui.agent.daily_bars import DailyBars
from catalyst_tui.agent.events import CycleClosed, CycleOpened, Entry, Event
from catalyst_tui.agent.executor import ToolExecutor
from catalyst_tui.clock import Clock
from catalyst_tui.config import Settings
from catalyst_tui.desk import Desk, day_start
from catalyst_tui.journal import CycleEnded, CycleStarted, EntryKind, Journal, JournalError, TranscriptEntry, new_id
from catalyst_tui.risk import TradingState

log = logging.getLogger(__name__)
QUOTE_WAIT_SECONDS = 5.0  # a first subscription needs a moment before its first tick
FAILED = frozenset({"unavailable", "error", "cancelled"})
INTERRUPTED = "interrupted"  # the process died during the cycle; the next start ends it
INTERRUPTED_WHY = "Catalyst stopped before the cycle ended; closed when it started again"


@dataclass(frozen=True)
class Skip:
    reason: str
    outcome: str = "skipped"  # a closed market or a spent budget; "unavailable" when the gateway or data is down


@dataclass(frozen=True)
class CycleReport:
    cycle_id: str
    market: str
    outcome: str  # "done", "skipped", "cancelled", "error", or how the brain ended
    cost_usd: Decimal
    orders_sent: int
    reason: str = ""

    @property
    def completed(self) -> bool:
        """It ran to a deliberate end, trade or not; a broken gateway, a crash or a cancel is not one."""
        return self.outcome not in FAILED


async def close_interrupted(journal: Journal, clock: Clock) -> int:
    """Cycles a dead process left open end as "interrupted", so none shows as running forever. Call at start, before
    any cycle of this process begins: a cycle still open then has nobody left to end it."""
    left = await journal.open_cycles()
    if left:
        now = clock.now()
        await journal.write(*(CycleEnded(c, now, INTERRUPTED, error=INTERRUPTED_WHY) for c in left))
    return len(left)


class Transcript:
    """Numbers each finished entry, journals it, and shows every event to whoever listens (screen, terminal)."""

    def __init__(self, journal: Journal, cycle_id: str, clock: Clock, listeners: list[Callable[[Event], None]]):
        self.journal, self.cycle_id, self.clock, self.listeners = journal, cycle_id, clock, listeners
        self.seq = 0

    def emit(self, event: Event) -> None:
        if isinstance(event, Entry):
            self.journal.post(TranscriptEntry(self.cycle_id, self.seq, self.clock.now(), event.role, event.kind,
                                              event.content))  # fmt: skip
            self.seq += 1
        for listener in list(self.listeners):
            listener(event)

    def say(self, text: str) -> None:
        self.emit(Entry("system", EntryKind.TEXT, text))


class CycleRunner:
    def __init__(self, desk: Desk, journal: Journal, settings: Settings, clock: Clock, brain: Brain) -> None:
        self.desk, self.journal, self.settings, self.clock, self.brain = desk, journal, settings, clock, brain
        self.listeners: list[Callable[[Event], None]] = []
        self.daily_bars = DailyBars(desk.broker)  # the scan's history, fetched once a day rather than every cycle

    async def run(self, market: str, trigger: str) -> CycleReport:
        cycle_id = new_id("cyc")
        await self.journal.write(CycleStarted(cycle_id, self.clock.now(), market, trigger, self.brain.name,
                                              self.brain.model))  # fmt: skip
        transcript = Transcript(self.journal, cycle_id, self.clock, self.listeners)
        transcript.emit(CycleOpened(cycle_id, market, self.clock.now(), self.brain.name))
        transcript.say(f"Cycle {cycle_id}: {market}, {trigger}, brain {self.brain.name}"
                       f"{' (' + self.brain.model + ')' if self.brain.model else ''}")  # fmt: skip
        skip = await self.preflight(market)
        if skip:
            transcript.say(f"Skipped: {skip.reason}")
            return await self._end(cycle_id, market, BrainOutcome(skip.outcome, error=skip.reason), 0)
        executor = ToolExecutor(self.desk, self.settings, self.clock, transcript.emit, cycle_id, market,
                                self.daily_bars)  # fmt: skip
        try:
            outcome = await self.brain.run(cycle_context(self.desk, self.settings, market, self.clock.now()),
                                           executor, transcript.emit)  # fmt: skip
        except asyncio.CancelledError:
            transcript.say("Cancelled.")
            await asyncio.shield(self._end(cycle_id, market, BrainOutcome("cancelled", error="cancelled"), 0))
            raise
        except Exception as exc:
            log.exception("cycle %s failed", cycle_id)
            outcome = BrainOutcome("error", error=f"{type(exc).__name__}: {exc}"[:500])
        if outcome.error:
            transcript.say(f"Ended: {outcome.outcome}: {outcome.error}")
        return await self._end(cycle_id, market, outcome, executor.orders_sent)

    async def preflight(self, market: str) -> Skip | None:
        """Why this cycle must not run now, or None. Nothing here costs a token."""
        link = self.desk.broker.state
        if not link.can_trade:
            why = f"the gateway is not ready ({link.phase}{': ' + link.reason if link.reason else ''})"
            return Skip(why, "unavailable")
        refusal = self.desk.live_refusal()
        if refusal:
            return Skip(refusal, "unavailable")
        self.desk.observe()
        if self.desk.states.state is TradingState.HALTED:
            return Skip(f"trading is HALTED ({self.desk.states.cause})")
        symbols = universe(self.settings, market)
        if not symbols:
            return Skip(f"the watchlist has no {market} symbols")
        if not await self._market_open(symbols):
            return Skip("both markets are closed" if market == "all" else f"the {market} market is closed")
        if not await self._fresh_quotes(symbols):
            return Skip(f"no fresh quote for any {market} watchlist symbol: data is not flowing", "unavailable")
        over = await self._over_budget()
        return Skip(over) if over else None

    async def _market_open(self, symbols: list[str]) -> bool:
        """By IB's liquid hours for the contract (holidays, half days, the simulator's round-the-clock market)."""
        for symbol in symbols:
            try:
                details = await self.desk.broker.details(symbol)
            except LookupError:
                continue
            if self.desk.broker.market_open(details.instrument, self.clock.now()):
                return True
        return False

    async def _fresh_quotes(self, symbols: list[str]) -> bool:
        await self.desk.broker.watch(symbols)
        limit = timedelta(seconds=self.settings.risk.quote_stale_seconds)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + QUOTE_WAIT_SECONDS
        while True:
            now = self.clock.now()
            quotes = [self.desk.broker.quote(s) for s in symbols]
            if any(q and q.time and not q.stale and now - q.time <= limit for q in quotes):
                return True
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.05)

    async def _over_budget(self) -> str | None:
        if self.brain.model is None:
            return None  # the rules brain costs nothing
        try:
            spent = await self.journal.cost_since(day_start(self.clock.now()))
        except JournalError as exc:
            return f"today's model cost is unknown ({exc})"
        cap = self.settings.agent.daily_cost_cap
        return f"today's model cost USD {spent:.4f} has reached the daily cap USD {cap}" if spent >= cap else None

    async def _end(self, cycle_id: str, market: str, outcome: BrainOutcome, orders: int) -> CycleReport:
        u = outcome.usage
        cost = u.cost(self.settings.agent.prices)
        await self.journal.write(CycleEnded(cycle_id, self.clock.now(), outcome.outcome, u.input, u.output,
                                            u.cache_read, u.cache_write, cost, outcome.error))  # fmt: skip
        report = CycleReport(cycle_id, market, outcome.outcome, cost, orders, outcome.error or "")
        for listener in list(self.listeners):
            listener(CycleClosed(cycle_id, report.outcome, cost, report.reason))
        return report
