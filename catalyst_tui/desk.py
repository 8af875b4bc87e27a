"""The only way an order reaches the broker: judged by the gate, decided by the approver, journaled, then sent.

Every order-producing call (execute_trade, close_position) comes here, whatever the model did before: the gate
runs on each, and runs again just before sending, since the market or the state may have moved while an operator
read the card. Cancels are never blocked. A proposal the journal cannot record is not traded, a close_position
among them: then the kill switch, which cancels and flattens without a journal, is the way out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Protocol

from catalyst_tui import markets
from catalyst_tui.approvals import GATE, Approver, Autopilot
from catalyst_tui.broker_models import Bar, Headline, InstrumentDetails, LinkState, Outcome, TradeResult
from catalyst_tui.clock import Clock
from catalyst_tui.config import Mode, Settings
from catalyst_tui.journal import (
    ErrorRecorded,
    FillRecorded,
    IntentRecorded,
    Journal,
    JournalError,
    OrderChanged,
    ProposalDecided,
    ProposalMade,
    TradingStateChanged,
    new_id,
)
from catalyst_tui.models import (
    Account,
    BracketRole,
    Decision,
    DecisionKind,
    Fill,
    Instrument,
    Order,
    OrderType,
    Position,
    Proposal,
    Quote,
    Side,
)
from catalyst_tui.risk import RiskGate, Snapshot, StateChange, TradingStates, Verdict

log = logging.getLogger(__name__)


class BrokerPort(Protocol):
    """What the desk needs of a broker; `brokers.ibkr.IbkrBroker` is the one in production."""

    order_listeners: list[Callable[[Order], None]]
    fill_listeners: list[Callable[[Fill], None]]

    @property
    def state(self) -> LinkState: ...
    async def details(self, symbol: str) -> InstrumentDetails: ...
    async def watch(self, symbols: list[str]) -> list[str]: ...
    def quote(self, symbol: str) -> Quote | None: ...
    def market_open(self, instrument: Instrument, t: datetime) -> bool: ...
    def account(self) -> Account | None: ...
    def positions(self) -> list[Position]: ...
    def open_orders(self) -> list[Order]: ...
    async def execute_trade(
        self, symbol: str, side: Side, quantity: object, order_type: OrderType, limit_price: object = None,
        stop_loss: object = None, take_profit: object = None, reason: str = "", intent_id: str = "",
    ) -> TradeResult: ...  # fmt: skip
    async def cancel_order(self, intent_id: str) -> list[Order]: ...
    def cancel_all(self) -> None: ...
    async def close_position(self, symbol: str, intent_id: str, reason: str = "") -> TradeResult: ...
    async def close_all_positions(self, intent_prefix: str, reason: str = "") -> list[TradeResult]: ...
    async def bars(self, symbol: str, duration: str = "30 D", bar_size: str = "1 day") -> list[Bar]: ...
    async def headlines(self, symbol: str, days: int = 3, limit: int = 20) -> list[Headline]: ...


@dataclass(frozen=True)
class DeskResult:
    proposal: Proposal
    verdict: Verdict
    decision: Decision
    trade: TradeResult | None = None  # None: nothing was sent

    @property
    def message(self) -> str:
        """What the model reads as the tool result, and the operator in the transcript."""
        if self.trade is not None:
            return self.trade.message
        return f"not sent: {self.decision.kind} by {self.decision.decided_by}: {self.decision.reason}"


class Desk:
    def __init__(
        self, broker: BrokerPort, journal: Journal, states: TradingStates, clock: Clock, settings: Settings,
        approver: Approver, live_allowed: bool = False,
    ) -> None:  # fmt: skip
        self.broker, self.journal, self.states, self.clock = broker, journal, states, clock
        self.gate = RiskGate(settings.risk)
        self.settings = settings
        self.mode = settings.agent.mode
        self.approver: Approver = Autopilot(clock) if self.mode is Mode.AUTOPILOT else approver
        self._supervisor = approver
        self.live_allowed = live_allowed  # broker.allow_live in the settings AND --live on the command line
        self._tasks: set[asyncio.Task[object]] = set()
        states.listeners.append(self._on_state_change)

    def attach(self) -> None:
        """Journal every order status and fill the broker reports, bracket children filled at IB included."""
        self.broker.order_listeners.append(self._on_order)
        self.broker.fill_listeners.append(self._on_fill)

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self.approver = Autopilot(self.clock) if mode is Mode.AUTOPILOT else self._supervisor

    async def expire_leftovers(self) -> int:
        """Proposals a dead process left waiting are expired, never executed."""
        left = await self.journal.pending_proposals()
        for made in left:
            decision = Decision(
                DecisionKind.EXPIRED, "restart", self.clock.now(), "Catalyst restarted before a decision"
            )
            await self.journal.write(ProposalDecided(made.proposal.proposal_id, decision))
        return len(left)

    def close_proposal(self, symbol: str, reason: str, cycle_id: str | None = None,
                       tool_use_id: str | None = None) -> Proposal:  # fmt: skip
        """close_position as a proposal like any other: the whole position, the other way, at the market."""
        held = sum(
            (p.quantity for p in self.broker.positions() if p.instrument.display == _display(symbol)), Decimal(0)
        )
        side = Side.SELL if held >= 0 else Side.BUY
        return Proposal(new_id("prop"), "close_position", symbol, side, abs(held), OrderType.MARKET, reason=reason,
                        cycle_id=cycle_id, tool_use_id=tool_use_id)  # fmt: skip

    async def preview(self, proposal: Proposal) -> Verdict:
        """`check_risk`: the same verdict the order would get, nothing placed or recorded."""
        return self.gate.evaluate(proposal, await self.snapshot(proposal.symbol))

    async def propose(self, proposal: Proposal) -> DeskResult:
        verdict = await self.preview(proposal)
        try:
            await self.journal.write(ProposalMade(proposal, self.clock.now(), verdict.checks))
            decision = await self._decide(proposal, verdict)
            await self.journal.write(ProposalDecided(proposal.proposal_id, decision))
        except JournalError as exc:
            return self._unrecorded(proposal, verdict, exc)
        if not decision.kind.allows:
            return DeskResult(proposal, verdict, decision)
        return await self._send(proposal, decision)

    def live_refusal(self) -> str | None:
        """Why a real-money account may not be traded now, or None. The seed's `--live` only changed the prompt;
        here a live account is refused unless both the settings and the command line say so."""
        account = self.broker.account()
        if account is None or account.is_paper or self.live_allowed:
            return None
        return (f"account {account.account_id} is LIVE (real money): Catalyst trades it only when started with "
                "--live and broker.allow_live: true")  # fmt: skip

    async def _decide(self, proposal: Proposal, verdict: Verdict) -> Decision:
        refusal = self.live_refusal()
        if refusal:
            return Decision(DecisionKind.REJECTED, "guard", self.clock.now(), refusal)
        if not verdict.passed and self.mode is Mode.AUTOPILOT:
            return Decision(DecisionKind.REJECTED, GATE, self.clock.now(), verdict.summary())
        decision = await self.approver.decide(proposal, verdict)
        if decision.kind.allows and not verdict.passed:  # no face of the approver may pass a failed check
            return Decision(DecisionKind.REJECTED, GATE, self.clock.now(), verdict.summary())
        return decision

    async def _send(self, proposal: Proposal, decision: Decision) -> DeskResult:
        verdict = await self.preview(proposal)
        if not verdict.passed:
            why = f"{decision.kind} by {decision.decided_by}, then at sending {verdict.summary()}"
            late = Decision(DecisionKind.REJECTED, GATE, self.clock.now(), why)
            await self.journal.write(ProposalDecided(proposal.proposal_id, late))
            return DeskResult(proposal, verdict, late)
        intent_id = new_id("ord")
        try:
            await self.journal.write(*self._intents(proposal, verdict, intent_id))
        except JournalError as exc:
            return self._unrecorded(proposal, verdict, exc)
        if proposal.tool == "close_position":
            trade = await self.broker.close_position(proposal.symbol, intent_id, proposal.reason)
        else:
            trade = await self.broker.execute_trade(
                proposal.symbol, proposal.side, proposal.quantity, proposal.order_type, proposal.limit_price,
                proposal.stop_loss, proposal.take_profit, proposal.reason, intent_id,
            )  # fmt: skip
        self._record_result(trade)
        return DeskResult(proposal, verdict, decision, trade)

    def _intents(self, proposal: Proposal, verdict: Verdict, intent_id: str) -> list[IntentRecorded]:
        """The entry and its bracket children, recorded together before IB hears of any of them."""
        instrument = verdict.facts.instrument if verdict.facts else None
        assert instrument is not None  # a passed verdict knows its instrument
        p, now = proposal, self.clock.now()
        entry = Order(intent_id, instrument, p.side, p.quantity, p.order_type, limit_price=p.limit_price)
        children = [
            Order(f"{intent_id}{suffix}", instrument, p.side.opposite, p.quantity, kind, limit_price=limit,
                  stop_price=stop, role=role, parent_intent_id=intent_id)
            for suffix, kind, limit, stop, role, price in (
                (":tp", OrderType.LIMIT, p.take_profit, None, BracketRole.TAKE_PROFIT, p.take_profit),
                (":sl", OrderType.STOP, None, p.stop_loss, BracketRole.STOP_LOSS, p.stop_loss),
            ) if price is not None and p.tool != "close_position"
        ]  # fmt: skip
        return [IntentRecorded(o, now, p.reason, p.proposal_id, p.cycle_id) for o in (entry, *children)]

    def _record_result(self, trade: TradeResult) -> None:
        now = self.clock.now()
        self.journal.post(*(OrderChanged(o, now, trade.message) for o in trade.orders))
        if trade.outcome in (Outcome.REJECTED, Outcome.REFUSED):
            self.journal.post(ErrorRecorded(now, "broker", f"{trade.intent_id}: {trade.message}"))

    def _unrecorded(self, proposal: Proposal, verdict: Verdict, exc: JournalError) -> DeskResult:
        """Trading stops rather than trade unrecorded."""
        log.error("proposal %s not traded: the journal could not record it: %s", proposal.proposal_id, exc)
        decision = Decision(
            DecisionKind.REJECTED, "journal", self.clock.now(), f"the journal could not record it: {exc}"
        )
        return DeskResult(proposal, verdict, decision)

    async def cancel(self, intent_id: str) -> list[Order]:
        """Never gated: taking risk off is always allowed."""
        return await self.broker.cancel_order(intent_id)

    async def kill(self, flatten: bool, cause: str = "kill switch") -> list[TradeResult]:
        """HALTED, every working order cancelled, and every position closed if asked."""
        self.states.halt(cause)
        self.broker.cancel_all()
        if not flatten:
            return []
        return await self.broker.close_all_positions(new_id("flat"), cause)

    def observe(self) -> None:
        """Feed the trading states what the broker says now: the loss limits and reconnects act on their own."""
        account = self.broker.account()
        if account is not None:
            self.states.observe(account)
        link = self.broker.state
        self.states.reconciling(not link.can_trade, f"gateway {link.phase}{': ' + link.reason if link.reason else ''}")

    async def snapshot(self, symbol: str) -> Snapshot:
        details = await self._details(symbol)
        display = details.instrument.display if details else None
        if display and self.broker.quote(display) is None:
            await self.broker.watch([display])
        quote = self.broker.quote(display) if display else None
        self.observe()
        return Snapshot(
            now=self.clock.now(), account=self.broker.account(), link=self.broker.state,
            trading_state=self.states.state, orders_today=await self._orders_today(),
            positions=tuple(self.broker.positions()), open_orders=tuple(self.broker.open_orders()),
            quotes={display: quote} if display and quote else {}, details={display: details} if details else {},
        )  # fmt: skip

    async def _details(self, symbol: str) -> InstrumentDetails | None:
        try:
            return await self.broker.details(symbol)
        except (LookupError, ValueError, ConnectionError, TimeoutError) as exc:
            log.info("no contract for %r: %s", symbol[:40], exc)
            return None

    async def _orders_today(self) -> int | None:
        try:
            return await self.journal.order_count(day_start(self.clock.now()))
        except JournalError as exc:
            log.warning("today's order count unknown: %s", exc)
            return None

    def _on_state_change(self, change: StateChange) -> None:
        self.journal.post(TradingStateChanged(change.at, change.old, change.new, change.cause))
        # Working orders stay: the stops among them protect what is held. Flattening closes (and cancels) it all.
        if change.hard_limit and self.settings.risk.flatten_on_hard_limit:
            self._flatten_later(change.cause)

    def _flatten_later(self, cause: str) -> None:
        task = asyncio.get_running_loop().create_task(
            self.broker.close_all_positions(new_id("flat"), cause), name="desk-flatten"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_order(self, order: Order) -> None:
        self.journal.post(OrderChanged(order, self.clock.now()))

    def _on_fill(self, fill: Fill) -> None:
        self.journal.post(FillRecorded(fill))


def _display(symbol: str) -> str | None:
    try:
        return markets.normalize(symbol).display
    except markets.SymbolError:
        return None


def day_start(now: datetime) -> datetime:
    """Today's counts run from midnight UTC: no HKEX or US session crosses it, so a trading day is never split."""
    return datetime.combine(now.astimezone(UTC).date(), time(0), UTC)
