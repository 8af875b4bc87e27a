"""PostgreSQL down for a real minute while Catalyst trades: what the journal spooled, how long the replay took, and
whether anything was lost, repeated or reordered.

Everything runs on the real clock: the gateway simulator in this process, trading around the clock (as
`catalyst sim-gateway --always-open`), the real adapter over TCP, the desk on autopilot, a rules-brain cycle every
few seconds, and the journal with its production retry interval on a PostgreSQL server started from the machine's
install (tests/postgres.py) with fsync on. Before the outage the desk opens a bracketed position per watchlist
symbol. While PostgreSQL is stopped the positions leave one by one, through a take-profit or a stop filling at the
broker or a close sent by the desk, and after each the operator tries to buy it back. Then PostgreSQL starts again,
and the bench waits for the journal to catch up and checks every spooled record against the database, and the
database against the broker.

    PYTHONPATH=. .venv/bin/python bench/pg_outage_soak.py [--outage 60] [--cycle-every 5]

Not part of `make test`: it takes a little over a minute of wall time on purpose.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from brokers.sim.universe import find
from catalyst_tui.agent.cycle import CycleReport, CycleRunner
from catalyst_tui.agent.rules import RulesBrain
from catalyst_tui.clock import RealClock
from catalyst_tui.config.schema import MarketsSettings
from catalyst_tui.desk import Desk, DeskResult, day_start
from catalyst_tui.journal import Journal, JournalState, JournalStatus, JournalUnavailable
from catalyst_tui.journal.spool import Group
from tests.integration.conftest import journal_rows, running_gateway, settings_for, until
from tests.integration.desk.conftest import buy, make_desk, quoted, settings
from tests.integration.desk.test_desk import at_the_sim
from tests.integration.reliability.db_outage import Landing, landing, spooled
from tests.postgres import PostgresServer, postgres_bin

WATCHLIST = ("0700.HK", "0005.HK", "1299.HK", "2318.HK", "0388.HK", "0939.HK",
             "AAPL", "MSFT", "NVDA", "JPM", "KO", "XOM")  # fmt: skip
POSITION_USD = Decimal(10_000)
WARM_UP_HOURS = 6.5  # as `catalyst sim-gateway --always-open`
RISK = {"max_positions": 20, "max_orders_per_day": 500}  # room for a position per symbol and every close
WAYS = ("take-profit", "stop", "close")


@dataclass(frozen=True)
class Figures:
    wall_seconds: float  # PostgreSQL down, from pg_ctl stop to pg_ctl start, in wall time
    cycles: int  # cycles run meanwhile
    placed: int  # orders the broker received meanwhile
    fills: int  # executions at the broker meanwhile
    ways: dict[str, int]  # how the positions left
    order_count: str  # what the gate's count of today's orders did meanwhile
    status: JournalStatus  # what the console showed just before PostgreSQL came back
    waiting: list[Group]  # the spool at that moment
    replay_seconds: float  # from PostgreSQL accepting connections again to the journal caught up
    arrived: Landing
    held_back: int  # new entries the gate refused while it could not count
    after: CycleReport  # the first cycle once the journal was back


def lots_for(broker: IbkrBroker, symbol: str, lot: int) -> Decimal:
    """About POSITION_USD worth, in whole board lots."""
    quote, account = broker.quote(symbol), broker.account()
    assert quote is not None and quote.ask is not None and account is not None
    rate = account.fx_rates[quote.instrument.currency]
    return max((POSITION_USD / (quote.ask * rate) / lot).to_integral_value(ROUND_FLOOR), Decimal(1)) * lot


async def buy_through_the_ask(desk: Desk, broker: IbkrBroker, symbol: str) -> DeskResult:
    """A bracketed buy priced a little through the ask, so that it fills at once."""
    details = await broker.details(symbol)
    return await desk.propose(buy(broker, symbol, int(lots_for(broker, symbol, details.lot)), below_ask_pct="-0.3"))


async def open_positions(desk: Desk, broker: IbkrBroker) -> None:
    await quoted(broker, *WATCHLIST)
    for symbol in WATCHLIST:
        result = await buy_through_the_ask(desk, broker, symbol)
        assert result.trade is not None and result.trade.sent, result.message
    await until(lambda: len(broker.positions()) == len(WATCHLIST), 30, "every entry filled")


class Cycles:
    """The rules brain's cycles, one every few seconds, as the operator's "run a cycle now" would start them."""

    def __init__(self, runner: CycleRunner, every: float) -> None:
        self.runner, self.every = runner, every
        self.reports: list[CycleReport] = []
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            self.reports.append(await self.runner.run("all", "operator"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.every)

    def stop(self) -> None:
        self._stop.set()


async def take_off(desk: Desk, gateway: SimGateway, broker: IbkrBroker, seconds: float) -> dict[str, int]:
    """Over `seconds`, each position leaves in turn (a take-profit, a stop, a close from the desk), and the
    operator tries to buy it back."""
    done = dict.fromkeys(WAYS, 0)
    gap = seconds / (len(WATCHLIST) + 1)
    for n, symbol in enumerate(WATCHLIST):
        await asyncio.sleep(gap)
        way = WAYS[n % len(WAYS)]
        if way == "close":
            result = await desk.propose(desk.close_proposal(symbol, "soak: the operator takes it off"))
            assert result.trade is not None and result.trade.sent, result.message
        else:
            stock = find(symbol.removesuffix(".HK").lstrip("0"), "", "", 0)
            gateway.move(stock, 9 if way == "take-profit" else -6)  # type: ignore[arg-type]
        await until(lambda s=symbol: all(p.instrument.display != s for p in broker.positions()), 30, f"{symbol} out")
        done[way] += 1
        await buy_through_the_ask(desk, broker, symbol)
    return done


async def soak(server: PostgresServer, url: str, spool_dir: Path, outage: float, every: float) -> None:
    clock = RealClock()
    async with running_gateway(clock, seed=7, always_open=True, warm_up_hours=WARM_UP_HOURS) as gateway:
        broker = IbkrBroker(settings_for(gateway.port), clock, quote_stale_seconds=30, rng=random.Random(1))
        await broker.connect()
        journal = Journal(url, spool_dir)  # the production retry interval
        await journal.open()
        try:
            figures = await trade_through(server, spool_dir, gateway, broker, journal, outage, every)
            report(figures, url, gateway, journal)
        finally:
            await journal.close()
            await broker.stop()
            await until(lambda: not gateway.clients, 5, "the adapter to hang up")


async def trade_through(server: PostgresServer, spool_dir: Path, gateway: SimGateway, broker: IbkrBroker,
                        journal: Journal, outage: float, every: float) -> Figures:  # fmt: skip
    clock = gateway.clock
    config = replace(settings(**RISK), markets=replace(MarketsSettings(), watchlist=WATCHLIST))
    desk = make_desk(broker, journal, clock, config)  # type: ignore[arg-type]
    cycles = Cycles(CycleRunner(desk, journal, config, clock, RulesBrain()), every)
    await open_positions(desk, broker)
    await journal.caught_up()

    await asyncio.to_thread(server.stop)
    stopped, down_at = time.monotonic(), clock.now()
    running = asyncio.ensure_future(cycles.run())
    ways = await take_off(desk, gateway, broker, outage - 1)
    await asyncio.sleep(max(0.0, outage - (time.monotonic() - stopped)))
    cycles.stop()
    await running
    count = await order_count(journal, clock.now())
    waiting, status, during = spooled(journal, spool_dir), journal.status, len(cycles.reports)
    placed = sum(1 for o in gateway.broker.orders.values() if o.placed_at and o.placed_at >= down_at)
    fills = sum(1 for e in gateway.broker.executions if e.time >= down_at)

    await asyncio.to_thread(server.start)
    wall = time.monotonic() - stopped
    await asyncio.wait_for(journal.caught_up(), 120)
    replay = time.monotonic() - stopped - wall
    arrived = landing(journal.target.location, waiting)
    after = await cycles.runner.run("all", "operator")
    await until(lambda: adapter_fills(broker) == {e.exec_id for e in gateway.broker.executions}, 10, "every fill")
    await journal.caught_up()
    held = held_back(journal.target.location, down_at)
    return Figures(wall, during, placed, fills, ways, count, status, waiting, replay, arrived, held, after)


async def order_count(journal: Journal, now: datetime) -> str:
    try:
        return f"counted {await journal.order_count(day_start(now))}"
    except JournalUnavailable as exc:
        return f"refused: {exc}"


def adapter_fills(broker: IbkrBroker) -> set[str]:
    return {f.exec_id for f in broker.executions_today()}


def held_back(url: str, since: datetime) -> int:
    """New entries the gate refused because it could not count today's orders, as the journal recorded them."""
    decided = journal_rows(url, "SELECT decision_reason, decided_at FROM {s}proposals WHERE decision = 'rejected'")
    return sum(1 for d in decided if "max_orders_per_day (unknown" in str(d["decision_reason"])
               and d["decided_at"] >= since)  # type: ignore[operator]  # fmt: skip


def report(f: Figures, url: str, gateway: SimGateway, journal: Journal) -> None:
    """The figures, and the checks: nothing lost, and the journal agrees with the broker."""
    in_db = {r["exec_id"] for r in journal_rows(url, "SELECT exec_id FROM {s}fills")}
    at_broker = {e.exec_id for e in gateway.broker.executions}
    orders = {r["intent_id"] for r in journal_rows(url, "SELECT intent_id FROM {s}orders")}
    sim = at_the_sim(gateway)
    print(f"{platform.machine()}, Python {platform.python_version()}, PostgreSQL with fsync on, journal retry every "
          f"{journal.retry_seconds:g} s")  # fmt: skip
    print(f"PostgreSQL down {f.wall_seconds:.1f} s of wall time (pg_ctl stop -m fast, then pg_ctl start)")
    print(
        f"while down: {f.cycles} cycles, {f.placed} orders placed, {f.fills} fills "
        f"({', '.join(f'{n} by {way}' for way, n in f.ways.items())}), {f.held_back} new entries held back"
    )
    print(f"  the gate's count of today's orders: {f.order_count}")
    print(f"  console: journal {f.status.state} ({f.status.spooled} waiting): {f.status.reason}")
    print(f"spooled: {f.arrived.records} records in {len(f.waiting)} groups: {dict(f.arrived.kinds)}")
    print(f"replay: caught up {f.replay_seconds:.2f} s after PostgreSQL was back; journal {journal.status.state}")
    print(f"lost: {f.arrived.lost}, repeated: {len(f.arrived.repeated)}, "
          f"out of order: {', '.join(f.arrived.out_of_order) or 'none'}")  # fmt: skip
    print(
        f"journal vs broker: {len(in_db)} fills in PostgreSQL, {len(at_broker)} at the broker, same: "
        f"{in_db == at_broker}; {len(orders)} orders vs {len(sim)}, same: {orders == sim.keys()}"
    )
    print(f"after: the next cycle {f.after.outcome}, {f.after.orders_sent} orders sent {f.after.reason}".rstrip())
    whole = f.arrived.lost == 0 and not f.arrived.repeated and not f.arrived.out_of_order
    if not (whole and in_db == at_broker and orders == sim.keys() and journal.status.state is JournalState.WRITING):
        sys.exit("FAILED: the journal does not hold what happened")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outage", type=float, default=60, help="seconds PostgreSQL stays down")
    parser.add_argument("--cycle-every", type=float, default=5, help="seconds between cycles")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("ib_async.wrapper").setLevel(logging.CRITICAL)  # IB's "202 Order Canceled" for each OCA sibling
    bin_dir = postgres_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL server binaries (initdb, pg_ctl) not found")
    server = PostgresServer(bin_dir, fsync=True)
    try:
        server.start()
        with tempfile.TemporaryDirectory() as spool:
            asyncio.run(soak(server, server.new_database(), Path(spool), args.outage, args.cycle_every))
    finally:
        server.destroy()


if __name__ == "__main__":
    main()
