"""Trading states: what kind of order the gate lets through, and why, as a small machine with journaled moves.

ACTIVE → REDUCING when today's loss passes the soft limit (only orders that shrink exposure), → HALTED past the
hard limit or on the kill switch (nothing but cancels). RECONCILING covers a reconnect until the adapter has
re-read the broker. HALTED outranks RECONCILING and is left only by an operator; REDUCING lasts the trading day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from catalyst_tui.clock import Clock
from catalyst_tui.config import RiskSettings
from catalyst_tui.models import Account


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"
    RECONCILING = "RECONCILING"


@dataclass(frozen=True)
class StateChange:
    at: datetime
    old: TradingState
    new: TradingState
    cause: str
    hard_limit: bool = False  # HALTED by the daily loss: flatten if the settings say so


def daily_loss_pct(account: Account) -> Decimal | None:
    """Today's loss as a % of the equity the day started with (IB's daily P&L); 0 on a winning day."""
    if account.daily_pnl is None:
        return None
    start = account.equity - account.daily_pnl
    if start <= 0:
        return None
    return max(Decimal(0), -account.daily_pnl) / start * 100


class TradingStates:
    def __init__(self, clock: Clock, limits: RiskSettings) -> None:
        self.clock = clock
        self.limits = limits
        self.listeners: list[Callable[[StateChange], None]] = []
        self.cause = "start"
        self._base = TradingState.ACTIVE  # ACTIVE, REDUCING or HALTED: what the day has come to
        self._reconciling = False

    @property
    def state(self) -> TradingState:
        if self._base is TradingState.HALTED:
            return TradingState.HALTED
        return TradingState.RECONCILING if self._reconciling else self._base

    def observe(self, account: Account) -> None:
        """Called on every account update: the loss limits act without anyone asking."""
        loss = daily_loss_pct(account)
        if loss is None or self._base is TradingState.HALTED:
            return
        if loss >= self.limits.daily_loss_hard_pct:
            cause = f"daily loss {loss:.2f}% reached the hard limit {self.limits.daily_loss_hard_pct}%"
            self._move(TradingState.HALTED, None, cause, hard_limit=True)
        elif loss >= self.limits.daily_loss_soft_pct and self._base is TradingState.ACTIVE:
            cause = f"daily loss {loss:.2f}% reached the soft limit {self.limits.daily_loss_soft_pct}%"
            self._move(TradingState.REDUCING, None, cause)

    def halt(self, cause: str) -> None:
        """The kill switch, or anything else that must stop all new orders until an operator says otherwise."""
        if self._base is not TradingState.HALTED:
            self._move(TradingState.HALTED, None, cause)

    def resume(self, operator_reason: str) -> None:
        """Only an operator leaves HALTED (or REDUCING before the day ends)."""
        if self._base is not TradingState.ACTIVE:
            self._move(TradingState.ACTIVE, None, f"operator: {operator_reason}")

    def new_day(self) -> None:
        """A new trading day resets the loss: REDUCING ends; HALTED does not."""
        if self._base is TradingState.REDUCING:
            self._move(TradingState.ACTIVE, None, "a new trading day")

    def reconciling(self, busy: bool, cause: str) -> None:
        if busy != self._reconciling:
            self._move(None, busy, cause)

    def _move(self, base: TradingState | None, reconciling: bool | None, cause: str, hard_limit: bool = False) -> None:
        old = self.state
        if base is not None:
            self._base = base
        if reconciling is not None:
            self._reconciling = reconciling
        self.cause = cause
        if self.state is not old:
            change = StateChange(self.clock.now(), old, self.state, cause, hard_limit)
            for listener in list(self.listeners):
                listener(change)
