"""Runs the brain's tool calls: checks each against its schema, answers it, and puts every order through the desk.

Whatever a call holds (a missing field, a wrong type, a tool that does not exist, a symbol IB does not know), it
gets a tool_result; a problem comes back as is_error with a sentence the model can act on. A tool_use id that was
already run returns the same result: nothing is done twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from catalyst_tui import markets
from catalyst_tui.agent import views
from catalyst_tui.agent.context import universe
from catalyst_tui.agent.daily_bars import DailyBars
from catalyst_tui.agent.events import Emit, Entry, ToolResult
from catalyst_tui.agent.scan import ScanInput, describe_scan, rank
from catalyst_tui.agent.technicals import technicals_of
from catalyst_tui.agent.tools import input_error
from catalyst_tui.broker_models import LinkPhase
from catalyst_tui.clock import Clock
from catalyst_tui.config import Settings
from catalyst_tui.desk import Desk, DeskResult
from catalyst_tui.journal import DecisionLogged, EntryKind, new_id
from catalyst_tui.markets import EXCHANGES
from catalyst_tui.models import Market, OrderType, Proposal, Side

log = logging.getLogger(__name__)
Handler = Callable[["ToolExecutor", dict[str, Any], str], Awaitable[ToolResult]]
MARKET_DATA_TOOLS = frozenset({"get_portfolio", "scan_market", "get_quote", "get_technicals", "get_news"})
SCAN_CONCURRENCY = 6  # bar requests in flight at once: IB paces historical data


class ToolExecutor:
    def __init__(self, desk: Desk, settings: Settings, clock: Clock, emit: Emit, cycle_id: str | None = None,
                 market: str = "all", daily_bars: DailyBars | None = None) -> None:  # fmt: skip
        self.desk, self.broker, self.settings, self.clock, self.emit = desk, desk.broker, settings, clock, emit
        self.cycle_id, self.market = cycle_id, market  # the cycle's market: "HK", "US" or "all"
        self.daily_bars = daily_bars or DailyBars(desk.broker)  # the runner's lasts the day, across cycles
        self._done: dict[str, ToolResult] = {}
        self.orders_sent = 0

    async def run(self, name: str, given: object, tool_use_id: str = "") -> ToolResult:
        tool_use_id = tool_use_id or new_id("call")
        if tool_use_id in self._done:
            return self._done[tool_use_id]
        self.emit(Entry("assistant", EntryKind.TOOL_CALL, f"{name[:64]} {_compact(given)}"))
        problem = input_error(name, given)
        result = ToolResult(problem, is_error=True) if problem else await self._answer(name, given, tool_use_id)
        self.emit(Entry("user", EntryKind.TOOL_RESULT, ("ERROR: " if result.is_error else "") + result.content))
        self._done[tool_use_id] = result
        return result

    async def _answer(self, name: str, given: Any, tool_use_id: str) -> ToolResult:
        if name not in MARKET_DATA_TOOLS:
            return await self._handle(name, given, tool_use_id)
        offline = self._offline()
        result = ToolResult(offline, is_error=True) if offline else await self._handle(name, given, tool_use_id)
        offline = self._offline()  # the link dropped while the data was being read: what came back is incomplete
        return ToolResult(offline, is_error=True) if offline else result

    async def _handle(self, name: str, given: Any, tool_use_id: str) -> ToolResult:
        try:
            return await HANDLERS[name](self, given, tool_use_id)
        except LookupError as exc:  # an unknown symbol, said by the adapter
            return ToolResult(f"{exc}; check the symbol (e.g. 0700.HK, AAPL)", is_error=True)
        except (ConnectionError, TimeoutError) as exc:
            return ToolResult(f"the gateway did not answer ({exc or 'timeout'}); try later", is_error=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("tool %s failed", name)
            return ToolResult(f"{name} failed inside Catalyst: {type(exc).__name__}: {exc}"[:500], is_error=True)

    def _offline(self) -> str | None:
        """Data read while the link is down is missing or stale: say so rather than let it pass for a quiet market."""
        state = self.broker.state
        if state.phase is LinkPhase.CONNECTED:
            return None
        why = f": {state.reason}" if state.reason else ""
        return (f"the gateway is not connected ({state.phase}{why}); market data and the portfolio are unavailable "
                "until it is back. Do not trade on missing data.")  # fmt: skip

    def sent(self, result: DeskResult) -> ToolResult:
        sent = result.trade is not None and result.trade.sent
        self.orders_sent += sent
        return ToolResult(views.desk_text(result), is_error=not sent, data=result)

    def proposal(self, tool: str, given: dict[str, Any], tool_use_id: str) -> Proposal:
        return Proposal(
            new_id("prop"), tool, given["symbol"], Side(given["side"]), _decimal(given["quantity"]),
            OrderType(given["order_type"]), _decimal(given.get("limit_price")), _decimal(given.get("stop_loss")),
            _decimal(given.get("take_profit")), given.get("reason", ""), self.cycle_id, tool_use_id,
        )  # fmt: skip


async def _portfolio(x: ToolExecutor, given: dict[str, Any], _: str) -> ToolResult:
    account, positions, orders = x.broker.account(), x.broker.positions(), x.broker.open_orders()
    return ToolResult(views.portfolio_text(account, positions, orders), data=(account, positions, orders))


async def _quote(x: ToolExecutor, given: dict[str, Any], _: str) -> ToolResult:
    details = await x.broker.details(given["symbol"])
    display = details.instrument.display
    if x.broker.quote(display) is None:
        await x.broker.watch([display])
    quote = x.broker.quote(display)
    return ToolResult(views.quote_text(quote, details, x.clock.now()), data=(quote, details))


async def _technicals(x: ToolExecutor, given: dict[str, Any], _: str) -> ToolResult:
    details = await x.broker.details(given["symbol"])
    display = details.instrument.display
    daily = await x.broker.bars(display, "60 D", "1 day")
    intraday = await x.broker.bars(display, "1 D", "5 mins")
    found = technicals_of(daily, intraday)
    return ToolResult(f"{display}: {found.describe()}", data=found)


async def _scan(x: ToolExecutor, given: dict[str, Any], _: str) -> ToolResult:
    symbols = universe(x.settings, given.get("market", "all"))
    await x.broker.watch(symbols)
    gate = asyncio.Semaphore(SCAN_CONCURRENCY)

    async def one(symbol: str) -> ScanInput:
        market = Market.HK if symbol.endswith(".HK") else Market.US
        now = x.clock.now()
        today = now.astimezone(EXCHANGES[market].zone).date()
        began = (markets.session_fraction(market, now) or 0) > 0
        async with gate:
            try:
                bars = await x.daily_bars.bars(symbol, today, began, x.broker.quote(symbol))
            except (LookupError, ConnectionError, TimeoutError):
                bars = []
        now = x.clock.now()
        # Volume so far is judged against the part of the session gone by; in the round-the-clock simulator, or
        # outside the regular session, against a whole day.
        fraction = markets.session_fraction(market, now) if markets.is_open(market, now) else None
        return ScanInput(symbol, bars, x.broker.quote(symbol), today, fraction)

    rows = rank(await asyncio.gather(*(one(s) for s in symbols)), given.get("limit", 10))
    return ToolResult(describe_scan(rows), data=rows)


async def _news(x: ToolExecutor, given: dict[str, Any], _: str) -> ToolResult:
    details = await x.broker.details(given["symbol"])
    headlines = await x.broker.headlines(details.instrument.display, given.get("days", 3), 10)
    return ToolResult(views.news_text(details.instrument.display, headlines), data=headlines)


async def _check_risk(x: ToolExecutor, given: dict[str, Any], tool_use_id: str) -> ToolResult:
    verdict = await x.desk.preview(x.proposal("check_risk", given, tool_use_id))
    return ToolResult(views.verdict_text(verdict), data=verdict)


async def _execute(x: ToolExecutor, given: dict[str, Any], tool_use_id: str) -> ToolResult:
    return x.sent(await x.desk.propose(x.proposal("execute_trade", given, tool_use_id)))


async def _close(x: ToolExecutor, given: dict[str, Any], tool_use_id: str) -> ToolResult:
    proposal = x.desk.close_proposal(given["symbol"], given["reason"], x.cycle_id, tool_use_id)
    if proposal.quantity == 0:
        return ToolResult(f"there is no position in {given['symbol']} to close", is_error=True)
    return x.sent(await x.desk.propose(proposal))


async def _close_all(x: ToolExecutor, given: dict[str, Any], tool_use_id: str) -> ToolResult:
    symbols = [p.instrument.display for p in x.broker.positions()]
    if not symbols:
        return ToolResult("there are no positions to close")
    results = [await _close(x, {"symbol": s, "reason": given["reason"]}, f"{tool_use_id}:{s}") for s in symbols]
    text = "\n".join(f"{s}: {r.content}" for s, r in zip(symbols, results, strict=True))
    return ToolResult(text, is_error=all(r.is_error for r in results), data=results)


async def _cancel(x: ToolExecutor, given: dict[str, Any], _: str) -> ToolResult:
    cancelled = await x.desk.cancel(given["intent_id"])
    if not cancelled:
        return ToolResult(f"no working order with intent {given['intent_id']}", is_error=True)
    return ToolResult(f"cancelled {len(cancelled)} order(s): {', '.join(o.intent_id for o in cancelled)}")


async def _log_decision(x: ToolExecutor, given: dict[str, Any], _: str) -> ToolResult:
    await x.desk.journal.write(DecisionLogged(x.clock.now(), given["decision"], given["reasoning"], x.cycle_id))
    return ToolResult(f"logged: {given['decision']}")


HANDLERS: dict[str, Handler] = {
    "get_portfolio": _portfolio, "scan_market": _scan, "get_quote": _quote, "get_technicals": _technicals,
    "get_news": _news, "check_risk": _check_risk, "execute_trade": _execute, "close_position": _close,
    "close_all_positions": _close_all, "cancel_order": _cancel, "log_decision": _log_decision,
}  # fmt: skip


def _decimal(value: object) -> Decimal | None:
    """JSON numbers arrive as floats: 200.0 shares are 200 shares, and say so."""
    if value is None:
        return None
    number = Decimal(str(value))
    return number.to_integral_value() if number.is_finite() and number == number.to_integral_value() else number


def _compact(given: object) -> str:
    text = json.dumps(given, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:300] + "…"
