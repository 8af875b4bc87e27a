"""What a Claude cycle costs besides the model: everything in `CycleRunner.run` except the time inside the model's
calls (pre-flight, the context for 50 symbols, each tool, the journal's acknowledged writes, the desk and gate).

The real parts, wired by `Engine.started` as `catalyst cycle` wires them: the anthropic SDK against the fake
Messages API (answering at once), the adapter over TCP to `catalyst sim-gateway --always-open --extra-stocks 26`
in its own process, as IB Gateway is (24 real stocks and 26 synthetic ones, all 50 on the watchlist), autopilot, a
real clock, and the journal on SQLite in a temp dir, then on a PostgreSQL server with fsync on (tests/postgres.py).

Each cycle the fake model reads the context, then calls: get_portfolio and scan_market; six get_quote and three
get_technicals; two get_news; check_risk; execute_trade (a bracket the gate passes, filled by the simulator); and
ends with a summary: 6 model calls, 15 tool calls. Between cycles, outside the timing, the bench closes that
position, so every cycle starts from the same portfolio (the warm-up cycle's position and its bracket), and waits
a second, so no cycle's requests queue behind the one before's in ib_async's pacing.

Times come from wrapping the engine's own objects' methods with a timer; nothing they do changes. Model time runs
from entering the SDK's stream to leaving it (request building, HTTP, the fake server, parsing the events).
`--before` adds a run of each engine with the code as it was before this bench's fixes (the scan fetching its
daily bars every cycle; the gate's checks journaled a row at a time), side by side.

    PYTHONPATH=. .venv/bin/python bench/cycle_overhead.py [--cycles 20] [--engines sqlite,postgres] [--before]
        [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import anthropic
import ib_async
import psycopg

from brokers.sim.universe import STOCKS, Stock, synthetic
from catalyst_tui.agent import cycle as cycle_module
from catalyst_tui.agent.daily_bars import BAR_SIZE, DURATION
from catalyst_tui.agent.executor import ToolExecutor
from catalyst_tui.broker_models import Outcome
from catalyst_tui.clock import RealClock
from catalyst_tui.config import Brain, BrokerSource, Mode, Settings
from catalyst_tui.config.schema import (
    AgentSettings,
    BrokerSettings,
    JournalSettings,
    MarketsSettings,
    RiskSettings,
    ScheduleSettings,
)
from catalyst_tui.engine import Engine
from catalyst_tui.journal import new_id
from catalyst_tui.journal.store import Tx
from catalyst_tui.markets import normalize
from tests.fakes.anthropic_server import FakeClaude, Turn, text, thinking, tool_use, turn
from tests.net import free_port
from tests.postgres import PostgresServer, require_postgres

ROOT = Path(__file__).resolve().parents[1]
EXTRA_STOCKS = 26
MARKET = "all"
GOAL_MS = 300
MODEL_CPU = "model calls, CPU"
ENGINES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
SHARES = 100
QUOTED = ("0700.HK", "9988.HK", "AAPL", "NVDA", "ZAAB", "ZAAK")
STUDIED = ("0700.HK", "NVDA")
# ib_async holds requests to 45 in any second (IB's limit is 50): cycles start at least a second apart, as the
# schedule's are (a minute at the least), so one cycle's requests never queue behind the one before's.
PAUSE_SECONDS = ib_async.client.Client.RequestsInterval + 0.1
HELD = "ZAAA"  # bought by the warm-up cycle and kept: every measured cycle sees one position and its bracket
TARGETS = ("ZAAC", "ZAAD", "ZAAE", "ZAAF", "ZAAG", "ZAAH")  # what the measured cycles buy, in turn


def display(stock: Stock) -> str:
    """The symbol as Catalyst shows it (0700.HK, BRK.B, AAPL), checked against the market rules."""
    raw = f"{int(stock.symbol):04d}.HK" if stock.is_hk else stock.symbol.replace(" ", ".")
    shown = normalize(raw).display
    assert shown == raw, f"{stock.symbol} shows as {shown}, not {raw}"
    return shown


WATCHLIST = tuple(display(s) for s in STOCKS + synthetic(EXTRA_STOCKS))


# ------------------------------------------------------------------------------------------------------------ timing


class Probe:
    """Seconds and calls per part of the current cycle, from timers wrapped around the engine's own methods."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.sim_pid = 0
        self._wrapped: list[tuple[Any, str, Any]] = []

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def add(self, part: str, seconds: float) -> None:
        self.seconds[part] += seconds
        self.calls[part] += 1

    @contextlib.contextmanager
    def timing(self, part: str) -> Iterator[None]:
        begun = time.perf_counter()
        try:
            yield
        finally:
            self.add(part, time.perf_counter() - begun)

    def wrap(self, owner: Any, name: str, part: str | Callable[..., str]) -> None:
        """Replace owner.name (a method, sync or async) with the same call, timed under `part`."""
        original = getattr(owner, name)
        self._wrapped.append((owner, name, original))
        label = part if callable(part) else (lambda *a, **k: part)

        if asyncio.iscoroutinefunction(original):

            async def timed(*args: Any, **kwargs: Any) -> Any:
                with self.timing(label(*args, **kwargs)):
                    return await original(*args, **kwargs)
        else:

            def timed(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                with self.timing(label(*args, **kwargs)):
                    return original(*args, **kwargs)

        setattr(owner, name, timed)

    def unwrap(self) -> None:
        """Put every wrapped method back (the executor's class and the cycle module outlive one engine)."""
        for owner, name, original in reversed(self._wrapped):
            setattr(owner, name, original)
        self._wrapped.clear()


class TimedStream:
    """The SDK's stream manager, timed from entering (the request goes out) to leaving (the stream has ended)."""

    def __init__(self, manager: Any, probe: Probe) -> None:
        self.manager, self.probe = manager, probe

    async def __aenter__(self) -> Any:
        self.begun, self.cpu = time.perf_counter(), time.thread_time()
        return await self.manager.__aenter__()

    async def __aexit__(self, *exc: object) -> Any:
        try:
            return await self.manager.__aexit__(*exc)
        finally:
            self.probe.add("model calls", time.perf_counter() - self.begun)
            self.probe.add(MODEL_CPU, time.thread_time() - self.cpu)


class TimedFakeClaude(FakeClaude):
    """The fake server, also noting how long it spent on each request (reading it, rendering, sending)."""

    def __init__(self, probe: Probe) -> None:
        super().__init__()
        self.probe = probe

    def _handle(self, handler: Any) -> None:
        with self.probe.timing("  of which the fake server"):
            super()._handle(handler)


def instrument(engine: Engine, probe: Probe) -> None:
    """Timers on the parts of a cycle. The runner builds its executor and calls `cycle_context` afresh each cycle,
    so those two are timed where they are defined; the rest on the engine's own objects."""
    runner, desk, journal, broker = engine.runner, engine.desk, engine.journal, engine.broker
    probe.wrap(runner, "preflight", "pre-flight (link, market open, fresh quotes, budget)")
    probe.wrap(cycle_module, "cycle_context", "context for 50 symbols")
    probe.wrap(ToolExecutor, "run", lambda _self, name, *_: f"tool {name}")
    probe.wrap(journal, "write", lambda *records: f"  journal: acknowledged write, {type(records[0]).__name__}")
    probe.wrap(journal, "read", "  journal: reads (cost today, orders today)")
    probe.wrap(desk, "snapshot", "  desk: snapshot for the gate")
    probe.wrap(desk.gate, "evaluate", "  risk gate: evaluate")
    probe.wrap(broker, "execute_trade", "  broker: order to the simulator until filled")
    messages = runner.brain.client.messages  # type: ignore[attr-defined]
    stream = messages.stream
    messages.stream = lambda *a, **k: TimedStream(stream(*a, **k), probe)


# ------------------------------------------------------------------------------------------------------------ script


def order(engine: Engine, symbol: str) -> dict[str, Any]:
    """A bracket buy the gate passes: stop 2 % under the ask, target 4 % over it. 100 shares is the simulator's
    smallest US quote size, so the book fills it at once, as a liquid stock fills at IB; a bigger order fills over
    the simulated market's next steps, and waiting for them would time the simulator, not Catalyst."""
    quote = engine.broker.quote(symbol)
    assert quote is not None and quote.ask is not None, f"no ask for {symbol}"
    ask = quote.ask
    return {"symbol": symbol, "side": "BUY", "quantity": SHARES, "order_type": "MKT",
            "stop_loss": float(round(ask * Decimal("0.98"), 2)), "take_profit": float(round(ask * Decimal("1.04"), 2)),
            "reason": f"{symbol} breaks out above its 20-day high on rising volume"}  # fmt: skip


def script(trade: dict[str, Any]) -> list[Turn]:
    symbol = trade["symbol"]
    return [
        turn(thinking("The context lists 50 quotes; start from the portfolio and a scan."),
             text("Reading the portfolio and scanning both markets."),
             tool_use("get_portfolio", {}), tool_use("scan_market", {"market": "all", "limit": 10})),
        turn(text("Looking closer at the leaders."),
             *(tool_use("get_quote", {"symbol": s}) for s in QUOTED),
             *(tool_use("get_technicals", {"symbol": s}) for s in (*STUDIED, symbol))),
        turn(text("Any news?"), tool_use("get_news", {"symbol": symbol}), tool_use("get_news", {"symbol": "0700.HK"})),
        turn(text(f"Checking a bracket on {symbol} with the gate."), tool_use("check_risk", trade)),
        turn(text(f"Buying {symbol}."), tool_use("execute_trade", trade)),
        turn(text(f"Bought {symbol} with a stop and a target; nothing else is worth a trade now.")),
    ]  # fmt: skip


def check_cycle(claude: FakeClaude, first: int, report: Any) -> None:
    """The cycle did what the script asked: the whole watchlist quoted in the context, no tool erred, one fill."""
    context = claude.request(first).messages[0]["content"]
    missing = [s for s in WATCHLIST if f"\n  {s} " not in context]
    assert not missing and "no quote" not in context, f"the context lacks quotes: {missing}"
    errors = [r["content"][:200] for i in range(first + 1, len(claude.requests)) for r in claude.tool_results(i)
              if r["is_error"]]  # fmt: skip
    assert not errors, f"tool errors: {errors}"
    assert report.outcome == "done" and report.orders_sent == 1, report
    assert claude.pending == 0 and not claude.failures, claude.failures


# ------------------------------------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Cycle:
    total: float
    seconds: dict[str, float]
    calls: dict[str, int]
    cpu: float = 0.0  # the event loop's thread, which runs everything but the journal's writes and the fake server
    sim_cpu: float = 0.0  # the simulator's process

    @property
    def model(self) -> float:
        return self.seconds.get("model calls", 0.0)

    @property
    def overhead(self) -> float:
        return self.total - self.model

    @property
    def overhead_cpu(self) -> float:
        return self.cpu - self.seconds.get(MODEL_CPU, 0.0)


def settings(port: int, journal_url: str) -> Settings:
    return Settings(
        broker=BrokerSettings(source=BrokerSource.GATEWAY, port=port, client_id=1, connect_timeout_seconds=10),
        markets=MarketsSettings(watchlist=WATCHLIST),
        agent=replace(AgentSettings(), mode=Mode.AUTOPILOT, brain=Brain.CLAUDE, daily_cost_cap=Decimal(1000)),
        # Room for one bracket a cycle all day; every other limit as shipped.
        risk=replace(RiskSettings(), max_orders_per_day=10_000, max_positions=20),
        schedule=ScheduleSettings(enabled=False),
        journal=JournalSettings(url=journal_url),
        source_file=ROOT / "config" / "settings.yaml",  # the shipped system prompt beside it
    )  # fmt: skip


@contextlib.contextmanager
def sim_gateway(folder: Path) -> Iterator[tuple[int, int]]:
    """`catalyst sim-gateway` in its own process, as IB Gateway is: (its port, its pid)."""
    port = free_port()
    env = {**os.environ, **xdg(folder)}
    argv = [sys.executable, "-m", "catalyst_tui", "sim-gateway", "--port", str(port), "--always-open",
            "--extra-stocks", str(EXTRA_STOCKS)]  # fmt: skip
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=folder, env=env)  # fmt: skip
    try:
        assert process.stdout is not None and "gateway simulator on" in process.stdout.readline()
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def xdg(folder: Path) -> dict[str, str]:
    return {f"XDG_{kind}_HOME": str(folder / kind.lower()) for kind in ("CONFIG", "DATA", "STATE")}


async def settled(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Set-up only (never inside a timed cycle): wait for the session to reach a state before measuring."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def session(journal_url: str, folder: Path, probe: Probe) -> AsyncIterator[tuple[Engine, TimedFakeClaude]]:
    with sim_gateway(folder) as (port, probe.sim_pid), TimedFakeClaude(probe) as claude:
        env = {"ANTHROPIC_API_KEY": "bench-key", "ANTHROPIC_BASE_URL": claude.base_url, **xdg(folder)}
        async with Engine.started(settings(port, journal_url), env, RealClock()) as engine:
            await settled(lambda: engine.broker.account() is not None, "the account")
            try:
                yield engine, claude
            finally:
                await engine.runner.brain.client.close()  # type: ignore[attr-defined]


async def one_cycle(engine: Engine, claude: TimedFakeClaude, probe: Probe, target: str) -> Cycle:
    claude.add(*script(order(engine, target)))
    first = len(claude.requests)
    probe.reset()
    sim_cpu, cpu, begun = cpu_seconds(probe.sim_pid), time.thread_time(), time.perf_counter()
    report = await engine.runner.run(MARKET, "bench")
    total, cpu = time.perf_counter() - begun, time.thread_time() - cpu
    sim_cpu = cpu_seconds(probe.sim_pid) - sim_cpu
    check_cycle(claude, first, report)
    return Cycle(total, dict(probe.seconds), dict(probe.calls), cpu, sim_cpu)


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used, from /proc (0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def flatten(engine: Engine, symbol: str) -> None:
    """Outside the timing: close what the cycle bought (its bracket is cancelled first) and let the journal catch
    up, so the next cycle starts from the same portfolio with nothing queued."""
    result = await engine.broker.close_position(symbol, new_id("bench"), "bench: back to the same portfolio")
    assert result.outcome in (Outcome.FILLED, Outcome.SUBMITTED), result
    await settled(lambda: all(p.instrument.display != symbol for p in engine.broker.positions()), f"{symbol} closed")
    await engine.journal.caught_up()


class FetchEveryScan:
    """The scan as it was before its bars were kept for the day: one request a symbol on every scan."""

    def __init__(self, engine: Engine) -> None:
        self.broker = engine.broker

    async def bars(self, symbol: str, today: object, began: bool, quote: object) -> list[Any]:
        return await self.broker.bars(symbol, DURATION, BAR_SIZE)


def row_by_row(tx: Tx, template: str, rows: Any) -> None:
    """The gate's checks as the journal wrote them before: one statement, one round trip, a row."""
    for values in rows:
        tx.execute(template, *values)


@contextlib.contextmanager
def as_before(engine: Engine) -> Iterator[None]:
    """The code as it was before this bench's fixes, put back for a side-by-side run, and restored after."""
    kept, many = engine.runner.daily_bars, Tx.execute_many
    engine.runner.daily_bars = FetchEveryScan(engine)  # type: ignore[assignment]
    Tx.execute_many = row_by_row  # type: ignore[method-assign]
    try:
        yield
    finally:
        engine.runner.daily_bars, Tx.execute_many = kept, many  # type: ignore[method-assign]


async def run_engine(journal_url: str, cycles: int, profile: Path | None, name: str, before: bool) -> list[Cycle]:
    probe = Probe()
    with tempfile.TemporaryDirectory(prefix="catalyst-cycle-") as folder:
        async with session(journal_url, Path(folder), probe) as (engine, claude):
            instrument(engine, probe)
            try:
                with as_before(engine) if before else contextlib.nullcontext():
                    return await measure(engine, claude, probe, cycles, profile, name)
            finally:
                probe.unwrap()


async def measure(engine: Engine, claude: TimedFakeClaude, probe: Probe, cycles: int, profile: Path | None,
                  name: str) -> list[Cycle]:  # fmt: skip
    await engine.broker.watch(list(WATCHLIST))
    await settled(lambda: all((q := engine.broker.quote(s)) and q.ask for s in WATCHLIST), "quotes for all 50")
    await one_cycle(engine, claude, probe, HELD)  # warm-up: contracts, subscriptions, the SDK's connection
    await engine.journal.caught_up()
    await asyncio.sleep(PAUSE_SECONDS)
    profiler = _profiler() if profile else None
    measured = []
    for n in range(cycles):
        target = TARGETS[n % len(TARGETS)]
        if profiler:
            profiler.start()
        measured.append(await one_cycle(engine, claude, probe, target))
        if profiler:
            profiler.stop()
        await flatten(engine, target)
        await asyncio.sleep(PAUSE_SECONDS)
    if profiler and profile:
        profile.mkdir(parents=True, exist_ok=True)
        (profile / f"cycle-{name}.html").write_text(profiler.output_html())
        (profile / f"cycle-{name}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
    return measured


def _profiler() -> Any:
    from pyinstrument import Profiler

    return Profiler(interval=0.0005, async_mode="disabled")


# ------------------------------------------------------------------------------------------------------------ report


def stats(values: list[float]) -> tuple[float, float, float]:
    """(median, p95 by nearest rank, max), in ms."""
    ordered = sorted(v * 1000 for v in values)
    return statistics.median(ordered), ordered[math.ceil(0.95 * len(ordered)) - 1], ordered[-1]


NESTED = ("  journal: acknowledged", "  journal: reads", "  desk", "  risk", "  broker")


def rows(results: dict[str, list[Cycle]]) -> list[str]:
    parts: list[str] = []
    for cycles in results.values():
        for c in cycles:
            parts += [p for p in c.seconds if p not in parts]
    timed = [p for p in parts if p.startswith("pre")] + [p for p in parts if p.startswith("context")]
    timed += sorted(p for p in parts if p.startswith("tool "))
    writes = [p for p in parts if p.startswith(NESTED[0])]
    head = ["| part of the cycle |"] + [f" {name}: calls | median | p95 | max |" for name in results]
    lines = ["".join(head), "|---|" + "---:|---:|---:|---:|" * len(results)]

    def row(label: str, values: Callable[[Cycle], float], calls: Callable[[Cycle], int | str]) -> None:
        cells = [f"| {label.replace('  ', '↳ ', 1) if label.startswith('  ') else label} |"]
        for cycles in results.values():
            median, p95, top = stats([values(c) for c in cycles])
            counted = calls(cycles[0]) if cycles else ""
            cells.append(f" {counted} | {median:.1f} | {p95:.1f} | {top:.1f} |")
        lines.append("".join(cells))

    def part(name: str) -> None:
        row(name, lambda c: c.seconds.get(name, 0.0), lambda c: c.calls.get(name, 0))

    row("**whole cycle** (ms)", lambda c: c.total, lambda c: "")
    row("model calls (SDK + HTTP + fake server)", lambda c: c.model, lambda c: c.calls.get("model calls", 0))
    part("  of which the fake server")
    row("**overhead** = whole − model", lambda c: c.overhead, lambda c: "")
    for name in timed:
        part(name)
    row("rest (brain loop, transcript, cycle start/end records)",
        lambda c: c.overhead - sum(c.seconds.get(p, 0.0) for p in timed), lambda c: "")  # fmt: skip
    lines.append("| *CPU time, less sensitive to a busy machine* |" + " | | | |" * len(results))
    row("event loop's thread, whole cycle", lambda c: c.cpu, lambda c: "")
    row("event loop's thread, outside model calls", lambda c: c.overhead_cpu, lambda c: "")
    row("simulator process (IB Gateway's part)", lambda c: c.sim_cpu, lambda c: "")
    lines.append("| *where the time inside the parts above went* |" + " | | | |" * len(results))
    row("  journal: acknowledged writes, all", lambda c: sum(c.seconds.get(p, 0.0) for p in writes),
        lambda c: sum(c.calls.get(p, 0) for p in writes))  # fmt: skip
    for prefix in NESTED:
        for name in (p for p in parts if p.startswith(prefix)):
            part(name)
    return lines


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = f"anthropic {anthropic.__version__}, ib_async {ib_async.__version__}, psycopg {psycopg.__version__}"
    return f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {versions}"


class _NoCancelNotices(logging.Filter):
    """ib_async logs IB's "order cancelled" (202) as an error; the bench cancels brackets on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Error 202," not in record.getMessage()


def run(engine: str, cycles: int, profile: Path | None, before: bool) -> list[Cycle]:
    name = f"{engine}{'-before' if before else ''}"
    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="catalyst-journal-") as folder:
            return asyncio.run(run_engine(f"sqlite:///{folder}/journal.sqlite3", cycles, profile, name, before))
    server = PostgresServer(require_postgres(), fsync=True)
    try:
        server.start()
        return asyncio.run(run_engine(server.new_database(), cycles, profile, name, before))
    finally:
        server.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=20, help="measured cycles per journal engine (after 1 warm-up)")
    parser.add_argument("--engines", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument(
        "--before",
        action="store_true",
        help="also run each engine with the scan fetching its bars every cycle, as before the fix",
    )
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile of the measured cycles here")
    args = parser.parse_args()  # fmt: skip
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if unknown := set(engines) - set(ENGINES):
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    logging.getLogger("ib_async.wrapper").addFilter(_NoCancelNotices())
    began = time.monotonic()
    results: dict[str, list[Cycle]] = {}
    for engine in engines:
        for before in (True, False) if args.before else (False,):
            label = ENGINES[engine] + (", before" if before else "")
            results[label] = run(engine, args.cycles, args.profile, before)
    print(f"$ PYTHONPATH=. {shlex.join([Path(sys.executable).name, *sys.argv])}")
    print(f"{machine()}; {args.cycles} measured cycles per column after one warm-up; {len(WATCHLIST)} symbols; "
          f"{time.monotonic() - began:.0f} s in all")  # fmt: skip
    print("\n".join(rows(results)))
    for name, cycles in results.items():
        median, p95, _ = stats([c.overhead for c in cycles])
        verdict = "within" if p95 <= GOAL_MS else "OVER"
        print(f"{name}: overhead median {median:.0f} ms, p95 {p95:.0f} ms: {verdict} the {GOAL_MS} ms goal")


if __name__ == "__main__":
    main()
