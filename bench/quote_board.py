"""Quote board throughput: the simulator's tape streams 500 symbols at 2,000 trades a second into the running
console, and, in the same run, into a bare ib_async client (the floor) and a DataTable-per-tick Textual app.

For each: CPU (from /proc, as a share of one core), frames per second (synchronized-output frames the terminal
received), and tick-to-screen latency. A tape price is the time it was sent (brokers/sim/tape.py), so for every
price that reaches the terminal the latency is its arrival time minus the time the price stands for.

    PYTHONPATH=. .venv/bin/python bench/quote_board.py --symbols 500 --rate 2000 --seconds 20 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bench.terminal import FRAME_END, Chunk, Terminal, cpu_seconds, plain
from brokers.sim.tape import sent_at
from brokers.sim.universe import synthetic

VENV = Path(".venv/bin")
ROW = re.compile(r"(Z[A-Z]{3})\s+(\d{1,2},\d{3}\.\d{2})")
WARM_UP_SECONDS = 3.0
APP_CLIENT, BARE_CLIENT, TABLE_CLIENT = 1, 51, 52  # API client ids: catalyst's default, and the two yardsticks


@dataclass(frozen=True)
class Figures:
    name: str
    cpu_pct: float
    fps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    shown: int | None = None  # distinct (symbol, price) pairs that reached the screen
    ticks_per_second: float | None = None  # what the bare client counted: the stream's real rate


def stream_arguments(parser: argparse.ArgumentParser) -> None:
    """The tape's size and rate, and other source trees to run the console from: what the screen benches share."""
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--rate", type=float, default=2000, help="trades a second on the tape")
    parser.add_argument("--compare", metavar="DIR=LABEL", action="append", default=[],
                        help="also run the console from another source tree (an earlier commit)")  # fmt: skip


def compared_trees(specs: list[str]) -> list[tuple[str, str]]:
    """`DIR=LABEL` → (the tree's absolute path, for PYTHONPATH; its label, the path when none is given)."""
    return [(str(Path(tree).resolve()), label or tree) for tree, _, label in (spec.partition("=") for spec in specs)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def isolated_env(root: Path) -> dict[str, str]:
    env = {n: str(root / n.lower()) for n in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}
    return {**env, "ANTHROPIC_API_KEY": "", "PYTHONPATH": os.getcwd()}


class Simulator:
    """`catalyst sim-gateway` with the tape, in its own process; commands go in on stdin, answers come on stdout."""

    def __init__(self, port: int, symbols: int, rate: float, env: dict[str, str]) -> None:
        argv = [str(VENV / "catalyst"), "sim-gateway", "--port", str(port), "--always-open",
                "--extra-stocks", str(symbols), "--tape", str(rate)]  # fmt: skip
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        stderr=subprocess.DEVNULL, env={**os.environ, **env})  # fmt: skip
        if "gateway simulator on" not in self._line():
            raise RuntimeError("the simulator did not start")

    def _line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline()

    def command(self, line: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._line().strip()

    def wait_streaming(self, client_id: int, symbols: int, timeout: float = 120) -> None:
        """Until the client streams every symbol: ib_async paces its requests at about 45 a second."""
        deadline = time.monotonic() + timeout
        while f" {client_id} ({symbols} quotes)" not in " " + self.command("status").removeprefix("clients: "):
            if time.monotonic() > deadline:
                raise RuntimeError(f"client {client_id} did not subscribe to {symbols} symbols in {timeout:g} s")
            time.sleep(0.5)  # asking again: the simulator has no way to tell another process when it is done

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_config(root: Path, symbols: int, refresh_hz: int = 10) -> Path:
    names = ", ".join(s.symbol for s in synthetic(symbols))
    path = root / "settings.yaml"
    path.write_text(
        f"markets:\n  watchlist: [{names}]\nschedule:\n  enabled: false\nui:\n  quote_refresh_hz: {refresh_hz}\n"
    )
    return path


def frames(chunks: list[Chunk]) -> Iterator[tuple[float, bytes]]:
    """Each synchronized-output frame with the time its last byte arrived."""
    pending = b""
    for chunk in chunks:
        pending += chunk.data
        while (end := pending.find(FRAME_END)) >= 0:
            yield chunk.at, pending[:end]
            pending = pending[end + len(FRAME_END) :]


def screen_figures(name: str, chunks: list[Chunk], seconds: float, cpu: float) -> Figures:
    latencies, seen, count = [], set(), 0
    for at, frame in frames(chunks):
        count += 1
        arrived = datetime.fromtimestamp(at, UTC)
        for symbol, text in ROW.findall(plain(frame)):
            if (symbol, text) in seen:
                continue
            seen.add((symbol, text))
            latencies.append((arrived - sent_at(Decimal(text.replace(",", "")), arrived)).total_seconds() * 1000)
    if not latencies:
        raise RuntimeError(f"{name}: no tape price reached the screen")
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return Figures(name, cpu, count / seconds, statistics.median(latencies), q[98], len(seen))


def cpu_over(pid: int, seconds: float) -> float:
    before, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)  # the window being measured: the process under test runs meanwhile
    return (cpu_seconds(pid) - before) / (time.monotonic() - start) * 100


def run_bare(sim: Simulator, args: argparse.Namespace, env: dict[str, str]) -> Figures:
    argv = [str(VENV / "python"), "bench/quote_clients.py", "bare", "--port", str(args.port),
            "--symbols", str(args.symbols)]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env={**os.environ, **env})
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the bare client did not connect")
        sim.wait_streaming(BARE_CLIENT, args.symbols)
        time.sleep(WARM_UP_SECONDS)
        process.send_signal(signal.SIGUSR1)  # the client starts counting here
        cpu = cpu_over(process.pid, args.seconds)
        process.send_signal(signal.SIGUSR1)
        rate = float(process.stdout.readline().split()[-1])
    finally:
        process.terminate()
        process.wait(30)
    return Figures("bare ib_async client", cpu, ticks_per_second=rate)


def run_screen(sim: Simulator, name: str, argv: list[str], client_id: int, args: argparse.Namespace,
               env: dict[str, str]) -> Figures:  # fmt: skip
    with Terminal(argv, env=env) as term:
        sim.wait_streaming(client_id, args.symbols)
        time.sleep(WARM_UP_SECONDS)
        mark = term.mark()
        cpu = cpu_over(term.pid, args.seconds)
        return screen_figures(name, term.since(mark), args.seconds, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    stream_arguments(parser)
    parser.add_argument("--seconds", type=float, default=20, help="length of each measured window")
    parser.add_argument("--rounds", type=int, default=2, help="each client is measured once per round, in turn")
    parser.add_argument("--skip-datatable", action="store_true")
    parser.add_argument("--refresh-hz", type=int, default=10, help="the console's ui.quote_refresh_hz")
    args = parser.parse_args()
    args.port = free_port()
    root = Path(tempfile.mkdtemp(prefix="catalyst-bench-"))
    env = isolated_env(root)
    config = write_config(root, args.symbols, args.refresh_hz)
    app = [str(VENV / "catalyst"), "--config", str(config), "--gateway", f"127.0.0.1:{args.port}"]
    table = [str(VENV / "python"), "bench/quote_clients.py", "datatable", "--port", str(args.port),
             "--symbols", str(args.symbols)]  # fmt: skip
    sim = Simulator(args.port, args.symbols, args.rate, env)
    consoles = [("catalyst", env)] + [
        (f"catalyst ({label})", {**env, "PYTHONPATH": tree}) for tree, label in compared_trees(args.compare)
    ]
    results: list[Figures] = []
    try:
        for _ in range(args.rounds):
            results.append(run_bare(sim, args, env))
            for name, console_env in consoles:
                results.append(run_screen(sim, name, app, APP_CLIENT, args, console_env))
            if not args.skip_datatable:
                results.append(run_screen(sim, "DataTable per tick", table, TABLE_CLIENT, args, env))
    finally:
        sim.stop()
    report(results, args)


def report(results: list[Figures], args: argparse.Namespace) -> None:
    print(f"\n{args.symbols} symbols, {args.rate:g} trades/s, {args.seconds:g} s windows, {args.rounds} round(s)")
    print(f"{'client':<22} {'CPU %':>6} {'fps':>6} {'p50 ms':>7} {'p99 ms':>7} {'shown':>6} {'ticks/s':>8}")
    for r in results:
        cells = [f"{x:.1f}" if x is not None else "-" for x in (r.cpu_pct, r.fps, r.p50_ms, r.p99_ms)]
        rate = f"{r.ticks_per_second:,.0f}" if r.ticks_per_second else "-"
        print(f"{r.name:<22} {cells[0]:>6} {cells[1]:>6} {cells[2]:>7} {cells[3]:>7} {r.shown or '-':>6} {rate:>8}")
    by_name: dict[str, list[float]] = {}
    for r in results:
        by_name.setdefault(r.name, []).append(r.cpu_pct)
    medians = {name: statistics.median(v) for name, v in by_name.items()}
    floor = medians["bare ib_async client"]
    print()
    for name, ours in medians.items():
        if name.startswith("catalyst"):
            print(f"{name} CPU / bare client: {ours / floor:.2f}x (goal <= 2)")
            if "DataTable per tick" in medians:
                print(f"DataTable CPU / {name}: {medians['DataTable per tick'] / ours:.1f}x (goal >= 5)")
    print(f"\ncommand: PYTHONPATH=. .venv/bin/python {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
