"""The user message that opens a cycle: the time, the markets, the account, the watchlist's quotes, the limits.

Everything that changes goes here, never into the system prompt, so the prompt and the tools stay a stable cache
prefix.
"""

from __future__ import annotations

from datetime import datetime

from catalyst_tui import markets
from catalyst_tui.agent.views import portfolio_text
from catalyst_tui.config import Settings
from catalyst_tui.desk import Desk
from catalyst_tui.models import Market


def cycle_context(desk: Desk, settings: Settings, market: str, now: datetime) -> str:
    broker, risk = desk.broker, settings.risk
    lines = [
        f"Cycle for {market} at {now:%Y-%m-%d %H:%M} UTC. Mode {desk.mode.value}; trading state {desk.states.state}."
    ]
    for m in (Market.HK, Market.US):
        lines.append(f"{markets.EXCHANGES[m].name}: {markets.phase(m, now).value}.")
    lines.append(portfolio_text(broker.account(), broker.positions(), broker.open_orders()))
    lines.append("Watchlist quotes (symbol last change% bid ask age):")
    for symbol in universe(settings, market):
        q = broker.quote(symbol)
        if q is None or q.time is None:
            lines.append(f"  {symbol}: no quote")
            continue
        change = "n/a" if q.change_pct is None else f"{q.change_pct:+.2f}%"
        lines.append(f"  {symbol} {q.last} {change} {q.bid}/{q.ask} {(now - q.time).total_seconds():.0f}s"
                     f"{' STALE' if q.stale else ''}{' delayed' if q.delayed else ''}")  # fmt: skip
    lines.append(
        f"Limits (base currency): order ≤ {risk.max_order_value}, position ≤ {risk.max_position_pct}% of equity, "
        f"≤ {risk.max_positions} positions, risk per trade ≤ {risk.max_risk_per_trade_pct}%, stop required: "
        f"{risk.require_stop}, stop within {risk.max_stop_distance_pct}%, reward/risk ≥ {risk.min_reward_risk}, "
        f"≤ {risk.max_orders_per_day} orders a day."
    )
    return "\n".join(lines)


def universe(settings: Settings, market: str) -> list[str]:
    """The watchlist of the cycle's market ("HK", "US" or "all"), without the markets the settings turn off."""
    wanted, on = market.upper(), settings.markets
    return [
        s for s in settings.markets.watchlist
        if (on.hk_enabled if s.endswith(".HK") else on.us_enabled)
        and (wanted == "ALL" or s.endswith(".HK") == (wanted == "HK"))
    ]  # fmt: skip
