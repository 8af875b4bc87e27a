"""How many tick messages per second the gateway simulator feeds one ib_async client on this machine.

The simulator runs as `catalyst sim-gateway` in its own process, trading around the clock at a range of speed
factors; one ib_async client in this process subscribes to every stock of the universe and counts the ticks it
decodes. The fastest speed saturates the simulator, so its figure is the ceiling.

    .venv/bin/python bench/sim_throughput.py [--seconds 10] [--speeds 1,10,100,1000,10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ib_async import IB, Stock

from brokers.sim.universe import STOCKS

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Result:
    speed: float
    ticks_per_second: float
    sim_cpu: float  # fraction of one core
    client_cpu: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def measure(speed: float, seconds: float) -> Result:
    port = free_port()
    command = [sys.executable, "-m", "catalyst_tui", "sim-gateway", "--port", str(port), "--always-open",
               "--speed", str(speed)]  # fmt: skip
    sim = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)  # fmt: skip
    try:
        sim.stdout.readline()  # the banner: it is listening
        ib = IB()
        await ib.connectAsync("127.0.0.1", port, clientId=1, timeout=10)
        contracts = [Stock(s.symbol, s.exchange, s.currency) for s in STOCKS]
        await ib.qualifyContractsAsync(*contracts)
        for contract in contracts:
            ib.reqMktData(contract)
        await asyncio.sleep(1)  # the first full quotes are not the stream
        counted = 0

        def count(changed: set) -> None:
            nonlocal counted
            counted += sum(len(t.ticks) for t in changed)

        ib.pendingTickersEvent += count
        sim_cpu, client_cpu, wall = cpu_seconds(sim.pid), time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        ib.pendingTickersEvent -= count
        wall = time.monotonic() - wall
        result = Result(speed, counted / wall, (cpu_seconds(sim.pid) - sim_cpu) / wall,
                        (time.process_time() - client_cpu) / wall)  # fmt: skip
        ib.disconnect()
        return result
    finally:
        sim.terminate()
        sim.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--speeds", default="1,10,100,1000,10000")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{len(STOCKS)} stocks subscribed, {args.seconds:g} s per run")  # fmt: skip
    print(f"{'speed':>8} {'ticks/s':>10} {'sim CPU':>8} {'client CPU':>10}")
    for speed in (float(s) for s in args.speeds.split(",")):
        r = asyncio.run(measure(speed, args.seconds))
        print(f"{r.speed:>8g} {r.ticks_per_second:>10.0f} {r.sim_cpu:>8.0%} {r.client_cpu:>10.0%}", flush=True)


if __name__ == "__main__":
    main()
