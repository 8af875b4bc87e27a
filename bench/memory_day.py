"""Memory over a trading session: the real console, run headless for N hours of session on the controllable clock,
with quotes streaming all session and a Claude cycle every 15 minutes; RSS sampled every 15 minutes of session.

    PYTHONPATH=. .venv/bin/python bench/memory_day.py [--hours 8] [--trace FRAMES]

The console is `CatalystApp` in this process under Textual's `run_test` (160×48), on a `ControllableClock`, with
the embedded simulator (a `SimGateway` on loopback, on the same clock, trading round the clock) and `--brain claude`
on autopilot: the real anthropic SDK talks to the fake Messages API (`tests/fakes/anthropic_server.py`, a thread of
this process), which answers each cycle like a real one: thinking, tool calls (portfolio, scan, quotes,
technicals, news), every fourth cycle a bracket order through the risk gate to the simulator, and a summary of a
few hundred words. The journal is SQLite in a temp dir. The simulator and the fake server share the process, so
the RSS figure is the app's plus theirs: conservative. `--trace 12` traces the second half with tracemalloc and says
which part (console, simulator, fake server) and which lines hold what it added, and which objects grew in number.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from catalyst_tui.agent.events import CycleClosed, CycleOpened, Event
from catalyst_tui.app import CatalystApp
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config import Settings
from catalyst_tui.config.schema import (
    AgentSettings,
    Brain,
    BrokerSettings,
    BrokerSource,
    JournalSettings,
    Mode,
    ScheduleSettings,
)
from tests.fakes.anthropic_server import FakeClaude, Reply, Usage, text, thinking, tool_use, turn
from tests.integration.conftest import journal_rows
from tests.tui.conftest import ready, wait_for, xdg_env
from widgets.transcript import TranscriptView

SIZE = (160, 48)
# 00:07:30 UTC on a Wednesday: cycles fall due at :00, :15, :30 and :45, samples are taken half-way between two.
START = datetime(2026, 11, 18, 0, 7, 30, tzinfo=UTC)
INTERVAL_MINUTES = 15
HK_SYMBOLS = ("0700.HK", "9988.HK", "0005.HK", "1810.HK", "3690.HK", "1299.HK")
US_SYMBOLS = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "JPM")
TABLES = ("cycles", "transcript", "proposals", "proposal_checks", "orders", "order_events", "fills",
          "equity_snapshots", "errors", "trading_states", "decision_log")  # fmt: skip
VOCABULARY = (
    "momentum volume breakout support resistance VWAP trend pullback range earnings guidance margin sector rotation "
    "liquidity spread bid ask gap session close open rally selloff yield dollar index futures tape buyers sellers "
    "consolidation channel moving average RSI MACD divergence catalyst headline risk reward stop target position "
    "exposure drawdown conviction patience setup entry exit signal noise chop breadth leadership laggard"
)
WORDS = tuple(VOCABULARY.split())


def rss_mb() -> float:
    """This process's resident set, from /proc/self/status (kB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


# ---------------------------------------------------------------------------------------------- the scripted model


class Analyst:
    """Scripts the fake Messages API with one realistic cycle as each cycle opens, and keeps the fake's own
    records trimmed between cycles, so its memory is flat and what grows is the console's."""

    def __init__(self, claude: FakeClaude, app: CatalystApp, seed: int = 11) -> None:
        self.claude, self.app = claude, app
        self.rng = random.Random(seed)
        self.cycles = 0
        self.outcomes: Counter[str] = Counter()
        self.unused_replies = 0

    def on_event(self, event: Event) -> None:
        if isinstance(event, CycleOpened):
            self.cycles += 1
            self.claude.add(*self.cycle(self.cycles))
        elif isinstance(event, CycleClosed):
            self.outcomes[event.outcome] += 1
            with self.claude._lock:  # a cycle skipped before its first request leaves its replies: drop them
                self.unused_replies += len(self.claude._script)
                self.claude._script.clear()
                self.claude.requests.clear()
                self.claude._signatures.clear()

    def words(self, n: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def paragraph(self, sentences: int) -> str:
        return " ".join(f"{self.words(self.rng.randint(8, 18)).capitalize()}." for _ in range(sentences))

    def cycle(self, n: int) -> list[Reply]:
        picks = self.rng.sample(US_SYMBOLS, 2) if n % 2 else self.rng.sample(HK_SYMBOLS, 2)
        a, b = picks
        usage = Usage(input_tokens=2500, output_tokens=450, cache_read_input_tokens=6000)

        def tid(k: int) -> str:
            return f"toolu_bench_{n:04d}_{k:02d}"

        def sig(k: int) -> str:
            return f"sig_bench_{n:04d}_{k}"

        turns = [
            turn(thinking(self.paragraph(5), signature=sig(1), chunks=6), text("Portfolio and a scan first.", chunks=3),
                 tool_use("get_portfolio", {}, id=tid(1)),
                 tool_use("scan_market", {"market": "all", "limit": 10}, id=tid(2)), usage=usage),
            turn(thinking(self.paragraph(4), signature=sig(2), chunks=6),
                 text(f"{a} and {b} lead the scan; quotes and technicals.", chunks=3),
                 tool_use("get_quote", {"symbol": a}, id=tid(3)), tool_use("get_quote", {"symbol": b}, id=tid(4)),
                 tool_use("get_technicals", {"symbol": a}, id=tid(5)),
                 tool_use("get_technicals", {"symbol": b}, id=tid(6)), usage=usage),
            turn(thinking(self.paragraph(3), signature=sig(3), chunks=4),
                 tool_use("get_news", {"symbol": a, "days": 3}, id=tid(7)),
                 tool_use("get_news", {"symbol": b, "days": 3}, id=tid(8)), usage=usage),
        ]  # fmt: skip
        order = self.order() if n % 4 == 0 else None
        if order is not None:
            turns.append(turn(thinking(self.paragraph(3), signature=sig(4)), text(f"Buying {order['symbol']}."),
                              tool_use("check_risk", order, id=tid(9)), usage=usage))  # fmt: skip
            turns.append(turn(tool_use("execute_trade", order, id=tid(10)), usage=usage))
        else:
            decision = {"decision": "no trade", "reasoning": self.paragraph(2)[:1900]}
            turns.append(turn(thinking(self.paragraph(2), signature=sig(4)),
                              tool_use("log_decision", decision, id=tid(9)), usage=usage))  # fmt: skip
        summary = "\n\n".join(self.paragraph(self.rng.randint(3, 5)) for _ in range(5))  # about 300 words
        turns.append(turn(text(f"Cycle summary.\n\n{summary}", chunks=40), usage=usage))
        return turns

    def order(self) -> dict[str, Any] | None:
        """A bracket buy of about USD 4,000 the gate passes: 4 % stop, 8 % target, at the market."""
        engine = self.app.engine
        symbol = self.rng.choice(US_SYMBOLS)
        quote = engine.broker.quote(symbol) if engine else None
        if quote is None or quote.last is None:
            return None
        price = quote.last
        quantity = int((Decimal(4000) / price).to_integral_value(ROUND_DOWN)) or 1
        cents = Decimal("0.01")
        return {"symbol": symbol, "side": "BUY", "order_type": "MKT", "quantity": quantity,
                "stop_loss": float((price * Decimal("0.96")).quantize(cents)),
                "take_profit": float((price * Decimal("1.08")).quantize(cents)),
                "reason": f"{symbol} leads the scan on volume; " + self.words(12)}  # fmt: skip


# ------------------------------------------------------------------------------------------------------ the session


@dataclass
class Sample:
    hours: float
    rss_mb: float
    cycles: int
    ticks: int
    transcript_lines: int
    traced_mb: float | None = None


@dataclass
class Session:
    samples: list[Sample] = field(default_factory=list)
    ticks: int = 0  # tick messages ib_async decoded (prices, sizes) on every pendingTickersEvent
    quote_updates: int = 0  # (symbol, update) pairs the quote book passed on
    snapshots: list[tracemalloc.Snapshot] = field(default_factory=list)
    types: list[Counter[str]] = field(default_factory=list)  # live objects by type, at the half and at the end

    def on_tickers(self, tickers: Any) -> None:
        self.ticks += sum(len(t.ticks) for t in tickers)

    def on_quotes(self, quotes: list[Any]) -> None:
        self.quote_updates += len(quotes)

    def begin_trace(self, frames: int) -> None:
        """Trace from half-way only: what is still held at the end of what was allocated after this point is the
        second half's growth, and tracing the whole session would take hours."""
        self.types.append(Counter(type(o).__qualname__ for o in gc.get_objects()))
        tracemalloc.start(frames)

    def end_trace(self) -> None:
        gc.collect()
        self.snapshots.append(tracemalloc.take_snapshot())
        tracemalloc.stop()
        self.types.append(Counter(type(o).__qualname__ for o in gc.get_objects()))


def settings_for(folder: Path) -> Settings:
    return Settings(
        broker=replace(BrokerSettings(), source=BrokerSource.SIM, sim_always_open=True, sim_seed=7),
        agent=replace(AgentSettings(), brain=Brain.CLAUDE, mode=Mode.AUTOPILOT),
        schedule=replace(ScheduleSettings(), enabled=True, always_open_interval_minutes=INTERVAL_MINUTES),
        journal=JournalSettings(url=f"sqlite:///{folder / 'journal.sqlite3'}"),
    )


def cycle_running(app: CatalystApp) -> bool:
    return any(w.group == "cycle" and w.is_running for w in app.workers)


async def sample(pilot: Any, app: CatalystApp, session: Session, analyst: Analyst, hours: float) -> Sample:
    """Between cycles, with the screen settled: collect, then read RSS (and the traced heap)."""
    await wait_for(pilot, lambda: not cycle_running(app), "the cycle under way to end", timeout=120)
    await pilot.pause()
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] / 2**20 if tracemalloc.is_tracing() else None
    lines = app.pane(TranscriptView).line_count
    taken = Sample(hours, rss_mb(), sum(analyst.outcomes.values()), session.ticks, lines, traced)
    session.samples.append(taken)
    print(f"  {hours:5.2f} h  RSS {taken.rss_mb:7.1f} MB  cycles {taken.cycles:3d}  ticks {taken.ticks:9,d}  "
          f"transcript {lines:5d} lines" + (f"  traced {traced:6.1f} MB" if traced is not None else ""),
          flush=True)  # fmt: skip
    return taken


async def run(hours: float, step: float, pause: float, trace: int, folder: Path) -> tuple[Session, Analyst, dict]:
    clock = ControllableClock(START)
    session = Session()
    env = xdg_env(folder)
    with FakeClaude() as claude:
        env |= {"ANTHROPIC_API_KEY": "bench-key", "ANTHROPIC_BASE_URL": claude.base_url}
        app = CatalystApp(settings_for(folder), env, clock)
        analyst = Analyst(claude, app)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: ready(app), "the console to connect and draw the quotes", timeout=60)
            engine = app.engine
            assert engine is not None
            engine.runner.listeners.append(analyst.on_event)
            engine.broker.ib.pendingTickersEvent += session.on_tickers
            engine.broker.quotes.listeners.append(session.on_quotes)
            await sample(pilot, app, session, analyst, 0.0)
            every = timedelta(minutes=INTERVAL_MINUTES)
            next_sample, end = START + every, START + timedelta(hours=hours)
            while clock.now() < end:
                await clock.advance(step)
                await asyncio.sleep(pause)  # the simulator writes, the client reads, the app draws at its own rate
                if clock.now() >= next_sample:
                    done = (next_sample - START) / timedelta(hours=1)
                    await sample(pilot, app, session, analyst, done)
                    if trace and not tracemalloc.is_tracing() and done >= hours / 2:
                        session.begin_trace(trace)
                    next_sample += every
            if not session.samples or session.samples[-1].hours < hours:
                await sample(pilot, app, session, analyst, hours)
            if trace:
                session.end_trace()
            await engine.journal.caught_up()
            rows = {t: journal_rows(settings_for(folder).journal.url, f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]
                    for t in TABLES}  # fmt: skip
            kept = app.pane(TranscriptView).line_count
            await app.shut_down()
    rows["transcript lines kept on screen"] = kept
    return session, analyst, rows


# --------------------------------------------------------------------------------------------------------- reports

PARTS = (("fake Messages API", ("tests/fakes/",)), ("simulator", ("brokers/sim/",)))


def part_of(trace: tracemalloc.Traceback) -> str:
    for name, marks in PARTS:
        if any(mark in frame.filename for frame in trace for mark in marks):
            return name
    return "console (app, ib_async, SDK, Textual)"


def report_trace(session: Session, hours: float) -> None:
    if not session.snapshots:
        return
    held = session.snapshots[-1].statistics("traceback")
    shares: Counter[str] = Counter()
    for stat in held:
        shares[part_of(stat.traceback)] += stat.size
    print(f"\nAllocated from {hours / 2:g} h on and still held at {hours:g} h (tracemalloc), by part:")
    for name, size in shares.most_common():
        print(f"  {name:40s} {size / 2**20:7.2f} MB")
    print("\nLive objects (gc-tracked) that grew most in number over the second half:")
    before, after = session.types
    grown = sorted(((after[t] - before[t], t) for t in after), reverse=True)[:12]
    for diff, name in grown:
        print(f"  {diff:+8d}  {name} ({after[name]:,})")
    for title, key in (("project line", project_line), ("library", library)):
        grouped: Counter[str] = Counter()
        for stat in held:
            grouped[key(stat.traceback)] += stat.size
        print(f"\nHeld at the end, of what the second half allocated, by the {title} that allocated it:")
        for where, size in grouped.most_common(15):
            print(f"  {size / 1024:9.1f} KiB  {where}")
    print("\nThe largest of those with no project frame, by traceback (most recent frame first):")
    for stat in sorted((s for s in held if project_line(s.traceback) == NO_FRAME), key=lambda s: -s.size)[:8]:
        print(f"  {stat.size / 1024:9.1f} KiB in {stat.count} blocks")
        for frame in list(reversed(stat.traceback))[:6]:
            print(f"      {frame.filename.split('site-packages/')[-1]}:{frame.lineno}")


ROOT = str(Path(__file__).resolve().parent.parent)
NO_FRAME = "(no project frame)"


def project_line(trace: tracemalloc.Traceback) -> str:
    """The most recent frame in this repository's own code (not the venv, nor this bench's own driving loop)."""
    for frame in reversed(trace):
        if frame.filename.startswith(ROOT) and "/.venv/" not in frame.filename and frame.filename != __file__:
            return f"{frame.filename[len(ROOT) + 1 :]}:{frame.lineno}"
    return NO_FRAME


def library(trace: tracemalloc.Traceback) -> str:
    """The package of the frame that allocated."""
    filename = trace[-1].filename
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    return filename[len(ROOT) + 1 :] if filename.startswith(ROOT) else filename.rsplit("/", 2)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=8.0, help="hours of session (default 8)")
    parser.add_argument("--step", type=float, default=1.0, help="seconds of session per clock step (default 1)")
    parser.add_argument("--pause", type=float, default=0.004, help="real seconds the loop runs between steps")
    parser.add_argument("--trace", type=int, default=0, metavar="FRAMES",
                        help="trace the second half with tracemalloc (FRAMES deep) and say what grew")  # fmt: skip
    args = parser.parse_args()
    for name in list(os.environ):  # the SDK must reach the fake server and nothing else
        if name.upper().startswith("ANTHROPIC_") or name.lower().endswith("_proxy"):
            del os.environ[name]
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {args.hours:g} h of "
          f"session, a {args.step:g} s clock step, cycles every {INTERVAL_MINUTES} min")  # fmt: skip
    wall, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="memory-day-") as folder:
        session, analyst, rows = asyncio.run(run(args.hours, args.step, args.pause, args.trace, Path(folder)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    first, last = session.samples[0], session.samples[-1]
    half = min(session.samples, key=lambda s: abs(s.hours - args.hours / 2))
    growth = last.rss_mb / half.rss_mb - 1
    print("\n| session | RSS (MB) | cycles run | quote ticks | transcript lines kept |")
    print("|---:|---:|---:|---:|---:|")
    for s in session.samples:
        if s.hours in (0.0, args.hours) or s.hours % 1 == 0:
            print(f"| {s.hours:g} h | {s.rss_mb:.1f} | {s.cycles} | {s.ticks:,} | {s.transcript_lines:,} |")
    print(f"\nRSS: start {first.rss_mb:.1f} MB, {half.hours:g} h {half.rss_mb:.1f} MB, {last.hours:g} h "
          f"{last.rss_mb:.1f} MB; growth over the second half {growth * 100:+.1f} %")  # fmt: skip
    print(f"cycles: {dict(analyst.outcomes)} ({analyst.unused_replies} scripted replies unused)")
    print(f"quote ticks received: {session.ticks:,} ({session.quote_updates:,} quote updates)")
    print("journal rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    print(f"wall {wall:.0f} s, CPU {cpu:.0f} s")
    report_trace(session, args.hours)
    print("\ncommand: PYTHONPATH=. " + " ".join([sys.executable, *sys.argv]))


if __name__ == "__main__":
    main()
