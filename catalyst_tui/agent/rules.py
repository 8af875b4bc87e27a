"""The rules brain, for running without an API key: a small momentum strategy on the same tools, through the same
executor, so it meets the same gate and approver as Claude.

It buys the strongest few of the scan that are up on the day, rising over the week, trading on more volume than
usual, above today's VWAP and not overbought; it risks a fixed share of equity per trade between an ATR stop and
a target twice as far. On a quiet or falling tape it finds nothing, says why, and trades nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from catalyst_tui.agent.brain import BrainOutcome
from catalyst_tui.agent.events import Emit, Entry
from catalyst_tui.agent.executor import ToolExecutor
from catalyst_tui.agent.scan import ScanRow
from catalyst_tui.agent.technicals import Technicals
from catalyst_tui.broker_models import InstrumentDetails
from catalyst_tui.journal import EntryKind
from catalyst_tui.models import Account, Quote

MIN_CHANGE_PCT, MIN_MOMENTUM_PCT, MIN_VOLUME_RATIO = Decimal("0.5"), Decimal(0), Decimal("1.0")
MAX_RSI = Decimal(70)
RISK_PER_TRADE_PCT = Decimal("0.5")  # of equity, below the gate's own limit
STOP_ATRS, REWARD_RISK, MAX_STOP_PCT = Decimal("1.5"), Decimal(2), Decimal(6)
CANDIDATES = 2


@dataclass(frozen=True)
class Plan:
    symbol: str
    quantity: Decimal
    entry: Decimal
    stop: Decimal
    target: Decimal


class RulesBrain:
    name = "rules"
    model: str | None = None

    async def run(self, context: str, tools: ToolExecutor, emit: Emit) -> BrainOutcome:
        def say(text: str) -> None:
            emit(Entry("assistant", EntryKind.TEXT, text))

        portfolio = await tools.run("get_portfolio", {})
        account, positions, orders = portfolio.data if isinstance(portfolio.data, tuple) else (None, [], [])
        scan = await tools.run("scan_market", {"market": tools.market, "limit": 8})
        if scan.is_error or not isinstance(scan.data, list):
            say(f"No scan to act on ({scan.content}); no trade this cycle.")
            return BrainOutcome("done")
        busy = {p.instrument.display for p in positions} | {o.instrument.display for o in orders}
        candidates = [row for row in scan.data if _strong(row) and row.symbol not in busy][:CANDIDATES]
        if not candidates:
            say(_why_nothing(scan.data, busy))
            await tools.run("log_decision", {"decision": "no trade", "reasoning": "no symbol met the momentum rules"})
            return BrainOutcome("done")
        skipped = [why for row in candidates if (why := await self._consider(row, account, tools, say))]
        if len(skipped) == len(candidates):  # no proposal: the journal still says why not
            await tools.run("log_decision", {"decision": "no trade", "reasoning": "; ".join(skipped)})
        return BrainOutcome("done")

    async def _consider(self, row: ScanRow, account: Account | None, tools: ToolExecutor,
                        say: Callable[[str], None]) -> str | None:  # fmt: skip
        """Propose a trade in `row`'s symbol, or say why not and return that reason."""
        tech = (await tools.run("get_technicals", {"symbol": row.symbol})).data
        quoted = (await tools.run("get_quote", {"symbol": row.symbol})).data
        if not isinstance(tech, Technicals) or not isinstance(quoted, tuple) or account is None:
            return _skip(say, f"{row.symbol}: not enough data to judge")
        quote, details = quoted
        reason = _not_now(tech, quote)
        if reason:
            return _skip(
                say, f"{row.symbol} {_signed(row.change_pct)}% on {row.volume_ratio:.1f}× volume, but {reason}"
            )
        plan = _plan(row.symbol, tech, quote, details, account, tools.settings.risk.max_order_value)
        if plan is None:
            return _skip(say, f"{row.symbol}: one board lot would risk more than {RISK_PER_TRADE_PCT}% of equity")
        vwap = f"{tech.vwap:.2f}"
        say(
            f"{row.symbol} {_signed(row.change_pct)}% on {row.volume_ratio:.1f}× volume, above VWAP {vwap}; "
            f"proposing {plan.quantity} @ {plan.entry}, stop {plan.stop}, target {plan.target}"
        )
        await tools.run("execute_trade", {
            "symbol": plan.symbol, "side": "BUY", "quantity": float(plan.quantity), "order_type": "LMT",
            "limit_price": float(plan.entry), "stop_loss": float(plan.stop), "take_profit": float(plan.target),
            "reason": f"momentum: {_signed(row.change_pct)}% today, {_signed(row.momentum_pct)}% over 5 sessions, "
                      f"{row.volume_ratio:.1f}× volume, above VWAP; ATR stop",
        })  # fmt: skip
        return None


def _skip(say: Callable[[str], None], reason: str) -> str:
    say(f"{reason}; skipped.")
    return reason


def _strong(row: ScanRow) -> bool:
    return (row.score is not None and row.change_pct is not None and row.change_pct >= MIN_CHANGE_PCT
            and row.momentum_pct is not None and row.momentum_pct > MIN_MOMENTUM_PCT
            and row.volume_ratio is not None and row.volume_ratio >= MIN_VOLUME_RATIO)  # fmt: skip


def _not_now(tech: Technicals, quote: Quote | None) -> str | None:
    if quote is None or quote.ask is None:
        return "no live ask"
    if tech.vwap is None or tech.atr14 is None:
        return "VWAP or ATR unknown"
    if quote.ask <= tech.vwap:
        return f"below VWAP {tech.vwap:.2f}"
    if tech.rsi14 is not None and tech.rsi14 >= MAX_RSI:
        return f"RSI {tech.rsi14:.0f} is overbought"
    return None


def _plan(symbol: str, tech: Technicals, quote: Quote, details: InstrumentDetails, account: Account,
          max_order_value: Decimal) -> Plan | None:  # fmt: skip
    assert quote.ask is not None and tech.atr14 is not None
    entry = quote.ask
    stop = max(entry - STOP_ATRS * tech.atr14, entry * (1 - MAX_STOP_PCT / 100)).quantize(Decimal("0.01"))
    target = (entry + REWARD_RISK * (entry - stop)).quantize(Decimal("0.01"))
    rate = account.fx_rates.get(details.instrument.currency)
    if rate is None or entry <= stop:
        return None
    by_risk = account.equity * RISK_PER_TRADE_PCT / 100 / ((entry - stop) * rate)
    by_size = max_order_value * Decimal("0.9") / (entry * rate)
    lots = (min(by_risk, by_size) / details.lot).to_integral_value(ROUND_FLOOR)
    if lots < 1:
        return None
    return Plan(symbol, lots * details.lot, entry, stop, target)


def _why_nothing(rows: list[ScanRow], busy: set[str]) -> str:
    ranked = [r for r in rows if r.score is not None]
    if not ranked:
        return "The scan ranked nothing (no usable data); no trade this cycle."
    best = ranked[0]
    return (f"Nothing strong enough: the best, {best.symbol}, is {_signed(best.change_pct)}% today and "
            f"{_signed(best.momentum_pct)}% over 5 sessions on {_ratio(best.volume_ratio)} volume"
            f"{' (already held or working)' if best.symbol in busy else ''}; no trade this cycle.")  # fmt: skip


def _signed(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}"


def _ratio(value: Decimal | None) -> str:
    return "unknown" if value is None else f"{value:.1f}×"
