"""`catalyst sim-gateway`: the simulator alone, in the foreground, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from brokers.sim.server import SimGateway
from catalyst_tui.clock import Clock, RealClock, ScaledClock

log = logging.getLogger(__name__)


async def serve(host: str, port: int, seed: int, always_open: bool, speed: float) -> None:
    clock: Clock = RealClock() if speed == 1 else ScaledClock(speed)
    gateway = SimGateway(clock, seed=seed, always_open=always_open)
    await gateway.start(host, port)
    hours = "around the clock" if always_open else "on HKEX and NYSE hours"
    print(
        f"gateway simulator on {host}:{gateway.port}: account {gateway.account.account_id} (paper), "
        f"seed {seed}, trading {hours}, speed x{speed:g}. Ctrl-C stops it.",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await gateway.close()
        print("gateway simulator stopped", flush=True)


def run(host: str, port: int, seed: int, always_open: bool, speed: float) -> int:
    try:
        asyncio.run(serve(host, port, seed, always_open, speed))
    except OSError as exc:
        print(f"catalyst sim-gateway: cannot listen on {host}:{port}: {exc.strerror or exc}")
        return 1
    return 0
