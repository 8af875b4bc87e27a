"""`catalyst sim-gateway`: the simulator alone, in the foreground, until Ctrl-C; faults are typed on stdin."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from dataclasses import dataclass

from brokers.sim.control import CommandError, execute
from brokers.sim.server import SimGateway
from catalyst_tui.clock import Clock, RealClock, ScaledClock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimOptions:
    host: str
    port: int
    seed: int
    always_open: bool
    speed: float
    delayed_only: frozenset[str]
    extra_stocks: int = 0
    tape_rate: float = 0


WARM_UP_HOURS = 6.5  # around the clock, the market has traded a session's worth before anyone connects


async def serve(options: SimOptions) -> None:
    clock: Clock = RealClock() if options.speed == 1 else ScaledClock(options.speed)
    gateway = SimGateway(clock, seed=options.seed, always_open=options.always_open, delayed_only=options.delayed_only,
                         warm_up_hours=WARM_UP_HOURS if options.always_open else 0,
                         extra_stocks=options.extra_stocks, tape_rate=options.tape_rate)  # fmt: skip
    await gateway.start(options.host, options.port)
    print(banner(options, gateway), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    commands: asyncio.Queue[str] = asyncio.Queue()
    threading.Thread(target=read_lines, args=(loop, commands), name="sim-stdin", daemon=True).start()
    control = asyncio.create_task(obey(gateway, commands), name="sim-control")
    try:
        await stop.wait()
    finally:
        control.cancel()
        await gateway.close()
        print("gateway simulator stopped", flush=True)


def banner(options: SimOptions, gateway: SimGateway) -> str:
    hours = "around the clock" if options.always_open else "on HKEX and NYSE hours"
    delayed = f", delayed data only for {'+'.join(sorted(options.delayed_only))}" if options.delayed_only else ""
    return (
        f"gateway simulator on {options.host}:{gateway.port}: account {gateway.account.account_id} (paper), "
        f"seed {options.seed}, trading {hours}, speed x{options.speed:g}{delayed}. "
        "Type help for fault commands; Ctrl-C stops it."
    )


def read_lines(loop: asyncio.AbstractEventLoop, commands: asyncio.Queue[str]) -> None:
    """A thread, because stdin may be a terminal, a pipe or a file, and only a thread reads all three."""
    for line in sys.stdin:
        loop.call_soon_threadsafe(commands.put_nowait, line)


async def obey(gateway: SimGateway, commands: asyncio.Queue[str]) -> None:
    while True:
        line = (await commands.get()).strip()
        if not line:
            continue
        try:
            print(await execute(gateway, line), flush=True)
        except CommandError as exc:
            print(f"? {exc}", flush=True)


def run(options: SimOptions) -> int:
    try:
        asyncio.run(serve(options))
    except OSError as exc:
        print(f"catalyst sim-gateway: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}")
        return 1
    return 0
