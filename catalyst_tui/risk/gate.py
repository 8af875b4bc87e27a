"""The risk gate: every order-producing call is judged here, whatever the model did or said before.

Pure code on plain values: no UI, no model, no I/O. The desk gathers a Snapshot, the gate returns a Verdict with
one result per named check. A check that cannot judge a value (NaN, 1e999999, a symbol of 10,000 characters) fails
with the reason; nothing escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from catalyst_tui.config import RiskSettings
from catalyst_tui.models import Check, CheckOutcome, Instrument, Proposal, Quote
from catalyst_tui.risk import order_checks, size_checks  # noqa: F401  (they register their checks)
from catalyst_tui.risk.results import REGISTRY, failed
from catalyst_tui.risk.snapshot import Snapshot, subject_of

CHECK_NAMES = (
    "trading_state", "market_open", "instrument_known", "order_type", "quantity_positive", "board_lot", "tick_size",
    "price_collar", "quote_fresh", "max_order_value", "max_position_pct", "max_positions", "min_position_value",
    "buying_power", "daily_loss", "max_orders_per_day", "stop_required", "stop_side", "max_stop_distance",
    "min_reward_risk", "max_risk_per_trade", "duplicate_order", "symbol_allowed", "no_short", "reconciling",
)  # fmt: skip


@dataclass(frozen=True)
class Facts:
    """What an approval card shows beside the checks: the order's size in both currencies, and the quote judged on."""

    instrument: Instrument | None
    notional: Decimal | None  # in the instrument's currency
    notional_base: Decimal | None
    base_currency: str
    quote: Quote | None


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]
    facts: Facts | None = None  # None when the proposal could not even be read

    @property
    def passed(self) -> bool:
        """No check failed. Every failure is hard: a warning is how a check says "allowed, but look"."""
        return not self.failures

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome is CheckOutcome.FAIL)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome is CheckOutcome.WARN)

    def summary(self) -> str:
        """One line for a tool result, a log or a rejection reason."""
        if self.passed:
            warned = ", ".join(c.name for c in self.warnings)
            return f"passed all {len(self.checks)} checks" + (f" (warnings: {warned})" if warned else "")
        return "failed: " + "; ".join(f"{c.name} ({c.measured} vs {c.limit})" for c in self.failures)


class RiskGate:
    def __init__(self, limits: RiskSettings) -> None:
        self.limits = limits

    def evaluate(self, proposal: Proposal, snapshot: Snapshot) -> Verdict:
        try:
            subject = subject_of(proposal, snapshot, self.limits)
        except Exception as exc:
            return Verdict(tuple(failed(name, "unreadable proposal", "", _why(exc)) for name in CHECK_NAMES))
        results = []
        for name in CHECK_NAMES:
            try:
                results.append(REGISTRY[name](subject))
            except Exception as exc:
                results.append(failed(name, "could not be judged", "", _why(exc)))
        notional = _or_none(lambda: subject.notional)  # 1E+999999 shares overflow: unknown, as the checks said
        facts = Facts(subject.instrument, notional, _or_none(lambda: subject.in_base(notional)), subject.base_currency,
                      subject.quote)  # fmt: skip
        return Verdict(tuple(results), facts)


def _or_none(value: Callable[[], Decimal | None]) -> Decimal | None:
    try:
        return value()
    except Exception:
        return None


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]
