"""The `catalyst` command line. Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from catalyst_tui import __version__, markets, paths
from catalyst_tui.clock import Clock, RealClock
from catalyst_tui.config import (
    BrokerSource,
    ConfigError,
    Override,
    Settings,
    find_config_file,
    gateway_overrides,
    load_settings,
)
from catalyst_tui.journal.errors import JournalError
from catalyst_tui.journal.render import Format, render
from catalyst_tui.journal.report import SINCE_HELP, Kind, parse_since, read_report
from catalyst_tui.journal.urls import JournalUrlError, without_password
from catalyst_tui.logs import known_secrets, report_uncaught, setup_logging
from catalyst_tui.markets import EXCHANGES, Phase
from catalyst_tui.models import Market

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
SCREEN_FPS = 120
"""How often Textual may draw the screen. At its default, 60, a key pressed just after a frame waits up to 17 ms
for the next one; the console draws only what changed, so at 120 the wait halves and nothing else is drawn more
(bench/keypress.py, docs/performance.md). An operator's own TEXTUAL_FPS wins."""
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="catalyst",
        description="Operator console for an AI agent trading HKEX and US stocks through Interactive Brokers.",
    )
    parser.add_argument("--version", action="version", version=f"catalyst {__version__}")
    parser.add_argument(
        "--config", metavar="PATH", help="settings file (default: $CATALYST_CONFIG, ./config/settings.yaml)"
    )
    parser.add_argument(
        "--mode", choices=["supervised", "autopilot"], help="approve each order, or the risk gate alone"
    )
    parser.add_argument(
        "--brain", choices=["auto", "claude", "rules"], help="who decides (auto: Claude if a key is set)"
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--gateway", metavar="HOST:PORT", help="a running IB Gateway (or `catalyst sim-gateway`)")
    target.add_argument("--sim", action="store_true", help="start the gateway simulator in-process (the default)")
    parser.add_argument("--journal", metavar="URL", help="sqlite:///PATH or postgresql://…")
    parser.add_argument(
        "--live", action="store_true", help="allow trading a real-money account (broker.allow_live must be true too)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sim = commands.add_parser("sim-gateway", help="run the gateway simulator alone, in the foreground")
    sim.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    sim.add_argument("--port", type=int, default=4002, help="port to listen on (default 4002, as IB Gateway paper)")
    sim.add_argument("--seed", type=int, help="seed of the simulated market (default: broker.sim_seed)")
    sim.add_argument("--always-open", action="store_true", help="trade around the clock")
    sim.add_argument("--speed", type=positive_float, default=1.0, help="how many times faster than real time")
    sim.add_argument(
        "--delayed-only", choices=("hk", "us", "all"), help="no live data subscription for HK, US or all markets"
    )
    sim.add_argument(
        "--extra-stocks",
        type=stock_count,
        default=0,
        metavar="N",
        help="add N synthetic NYSE stocks (ZAAA, ZAAB, …) to the 24 of the universe, for benchmarks",
    )
    sim.add_argument(
        "--tape",
        type=positive_float,
        metavar="RATE",
        help="trade the synthetic stocks in turn, RATE trades a second, each price the time it was sent",
    )
    check = commands.add_parser("check", help="test the connection to IB Gateway; exit 0 if it works, 1 if not")
    check.add_argument("--gateway", dest="check_gateway", metavar="HOST:PORT", help="the gateway to test")
    check.add_argument("--quiet", action="store_true", help="one line, for a cron health check")
    add_journal_command(commands)
    add_cycle_command(commands)
    return parser


def add_cycle_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cycle = commands.add_parser(
        "cycle", help="run agent cycles without the console: one now (--once), or on the schedule until Ctrl-C"
    )
    cycle.add_argument("--once", action="store_true", help="run one cycle now and exit (0 if it ran to its end)")
    cycle.add_argument("--market", choices=["hk", "us", "all"], default="all", help="the cycle's market")
    # The same options as before the command; SUPPRESS keeps a value given there when it is not repeated here.
    cycle.add_argument("--mode", choices=["supervised", "autopilot"], default=argparse.SUPPRESS)
    cycle.add_argument("--brain", choices=["auto", "claude", "rules"], default=argparse.SUPPRESS)
    cycle.add_argument("--gateway", metavar="HOST:PORT", default=argparse.SUPPRESS)
    cycle.add_argument("--journal", metavar="URL", default=argparse.SUPPRESS)
    cycle.add_argument("--live", action="store_true", default=argparse.SUPPRESS)


def add_journal_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    journal = commands.add_parser(
        "journal", help="print the journal's cycles, decisions, orders or fills; it never changes the journal",
        description="Print what the journal holds, oldest first. It only reads: a journal that does not exist, or "
        "one written by another version of Catalyst, is reported, not created or upgraded.",
    )  # fmt: skip
    journal.add_argument(
        "--journal", dest="journal_at", metavar="URL",
        help="sqlite:///PATH or postgresql://… (default: DATABASE_URL, else journal.url, else SQLite in the data "
        "directory)",
    )  # fmt: skip
    journal.add_argument(
        "kind", choices=[k.value for k in Kind],
        help="orders come with the reason and the decision (who allowed them, and why); decisions with the risk "
        "checks that failed or warned",
    )  # fmt: skip
    journal.add_argument(
        "--format", choices=[f.value for f in Format], default=Format.TABLE.value,
        help="table (default): the main columns, times in this machine's time zone, long text cut with …; "
        "json and csv: every column, exact decimals, UTC times with their offset",
    )  # fmt: skip
    journal.add_argument(
        "--since", type=since_argument, metavar="DATE",
        help=f"only rows from this moment on: {SINCE_HELP}; without an offset, in this machine's time zone "
        "(a date alone means its midnight)",
    )  # fmt: skip


def since_argument(text: str) -> datetime:
    try:
        return parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def stock_count(text: str) -> int:
    from brokers.sim.universe import MAX_SYNTHETIC

    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= count <= MAX_SYNTHETIC:
        raise argparse.ArgumentTypeError(f"between 0 and {MAX_SYNTHETIC}, not {count}")
    return count


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def flag_overrides(args: argparse.Namespace) -> list[Override]:
    found: list[Override] = []
    if args.mode:
        found.append(Override("agent.mode", args.mode, "--mode"))
    if args.brain:
        found.append(Override("agent.brain", args.brain, "--brain"))
    gateway = args.gateway or getattr(args, "check_gateway", None)
    if gateway:
        found += gateway_overrides(gateway)
    if args.sim:
        found.append(Override("broker.source", "sim", "--sim"))
    if args.journal is not None:
        found.append(Override("journal.url", args.journal, "--journal"))
    if getattr(args, "journal_at", None) is not None:
        found.append(Override("journal.url", args.journal_at, "--journal"))
    return found


def settings_from(args: argparse.Namespace, env: Mapping[str, str], cwd: Path) -> Settings:
    path = find_config_file(args.config, env, cwd)
    return load_settings(path, env, flag_overrides(args))


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args, env, Path.cwd())
    except ConfigError as exc:
        print(f"catalyst: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    secrets = known_secrets(env, [settings.journal.url])
    log_file = setup_logging(paths.state_dir(env), settings.journal.log_level, settings.journal.log_keep_days, secrets)
    report_uncaught(secrets)
    log.info("catalyst %s starting with settings from %s", __version__, settings.source_file or "built-in defaults")
    if args.command == "sim-gateway":
        return run_sim_gateway(args, settings)
    if args.command == "check":
        return run_check_command(settings, args.quiet)
    if args.command == "journal":
        return run_journal_command(settings, env, args)
    if args.command == "cycle":
        return run_cycle(settings, env, args)
    if not sys.stdout.isatty():
        for line in describe(settings, RealClock(), env):
            print(line)
        print(f"  log      {log_file}")
        print("The console needs a terminal; `catalyst cycle` runs the agent without one.")
        return EXIT_OK
    return run_console(settings, env, args.live)


def run_sim_gateway(args: argparse.Namespace, settings: Settings) -> int:
    """In the foreground the terminal is the simulator's: its log lines go there as well as to the file."""
    from brokers.sim.run import SimOptions, run

    echo = logging.StreamHandler(sys.stderr)
    echo.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    echo.setLevel(logging.INFO)
    logging.getLogger("brokers.sim").addHandler(echo)
    seed = settings.broker.sim_seed if args.seed is None else args.seed
    delayed = {"hk": {"HK"}, "us": {"US"}, "all": {"HK", "US"}}.get(args.delayed_only or "", set())
    if args.tape and not args.extra_stocks:
        print("catalyst sim-gateway: --tape trades the synthetic stocks: give --extra-stocks N too", file=sys.stderr)
        return EXIT_USAGE
    options = SimOptions(args.host, args.port, seed, args.always_open, args.speed, frozenset(delayed),
                         args.extra_stocks, args.tape or 0)  # fmt: skip
    return run(options)


def run_console(settings: Settings, env: Mapping[str, str], live: bool) -> int:
    os.environ.setdefault("TEXTUAL_FPS", str(SCREEN_FPS))  # Textual reads it once, when first imported: just below
    from catalyst_tui.app import CatalystApp
    from catalyst_tui.engine import check_brain

    try:
        check_brain(settings, env)  # say a configuration mistake in words, before the screen is taken
    except ConfigError as exc:
        print(f"catalyst: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    code = CatalystApp(settings, env, RealClock(), live).run()
    return EXIT_OK if code is None else int(code)


def run_cycle(settings: Settings, env: Mapping[str, str], args: argparse.Namespace) -> int:
    from catalyst_tui.cycle_command import run_cycle_command
    from catalyst_tui.journal import JournalError

    market = {"hk": "HK", "us": "US"}.get(args.market, "all")
    try:
        return run_cycle_command(settings, env, market, args.once, args.live)
    except ConfigError as exc:
        print(f"catalyst: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except JournalError as exc:
        print(f"catalyst cycle: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def run_check_command(settings: Settings, quiet: bool) -> int:
    from catalyst_tui.check import one_line, run_check

    ok, lines = asyncio.run(run_check(settings, RealClock()))
    if quiet:
        print(one_line(ok, lines))
    else:
        print(f"catalyst check: {'OK' if ok else 'FAILED'}")
        for line in lines if ok else [lines[0].removeprefix("FAILED ")]:
            print(f"  {line}")
    return EXIT_OK if ok else EXIT_FAILURE


def run_journal_command(settings: Settings, env: Mapping[str, str], args: argparse.Namespace) -> int:
    """Errors go to stderr, so stdout holds the report alone, ready for jq or a spreadsheet."""
    url = settings.journal.url or paths.default_journal_url(env)
    try:
        report = read_report(url, Kind(args.kind), args.since)
    except (JournalUrlError, JournalError) as exc:
        print(f"catalyst journal: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, JournalUrlError) else EXIT_FAILURE
    sys.stdout.write(render(report, Format(args.format), terminal_width(env)))
    return EXIT_OK


def terminal_width(env: Mapping[str, str]) -> int:
    """$COLUMNS, else the terminal's width, else (output to a pipe or a file) 120."""
    columns = env.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else shutil.get_terminal_size((120, 24)).columns


def describe(settings: Settings, clock: Clock, env: Mapping[str, str]) -> list[str]:
    """What the operator would check first: where settings came from, where orders would go, the markets now."""
    broker = settings.broker
    if broker.source is BrokerSource.SIM:
        hours = "around the clock" if broker.sim_always_open else "on real sessions"
        target = f"embedded gateway simulator (seed {broker.sim_seed}, trading {hours})"
    else:
        target = f"IB Gateway at {broker.host}:{broker.port}, client id {broker.client_id}"
    agent = settings.agent
    now = clock.now()
    return [
        f"Catalyst {__version__}: settings from {settings.source_file or 'built-in defaults'}",
        f"  broker   {target}",
        f"  agent    {agent.mode.value.upper()}, brain {agent.brain.value}, model {agent.model}",
        f"  journal  {without_password(settings.journal.url or paths.default_journal_url(env))}",
        *(f"  {EXCHANGES[m].name:<8} {session_line(m, now)}" for m in (Market.HK, Market.US)),
    ]


def session_line(market: Market, now: datetime) -> str:
    """`open, closes 12:00 HKT` or `closed, opens Mon 09:30 EST`, in the exchange's own time."""
    current = markets.phase(market, now)
    if current is Phase.OPEN:
        edge, verb = markets.next_close(market, now), "closes"
    else:
        edge, verb = markets.next_open(market, now), "opens"
    return f"{current.value}, {verb} {edge:%a %d %b %H:%M %Z}"
