"""Fixtures for tests that drive the real ib_async client against the gateway simulator over TCP."""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ib_async import IB

from brokers.ibkr import IbkrBroker
from brokers.sim.server import SimGateway
from catalyst_tui.clock import Clock, ControllableClock
from catalyst_tui.config.schema import BrokerSettings
from catalyst_tui.journal import Journal, open_store
from tests.fakes.anthropic_server import FakeClaude
from tests.net import free_port
from tests.postgres import PostgresServer, require_postgres

# A Friday morning in Hong Kong, 10:00 HKT: HKEX is open, NYSE is closed.
HK_MORNING = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


class DecodeErrors(logging.Handler):
    """ib_async catches a malformed message, logs it at ERROR and drops it: every test fails on one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # IB's own error replies (200, 201, …) are logged at ERROR by ib_async.wrapper and are expected;
        # a decoding failure comes from the Decoder or carries an exception.
        if record.name == "ib_async.Decoder" or record.exc_info is not None:
            self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_ib_async_errors() -> object:
    handler = DecodeErrors()
    logger = logging.getLogger("ib_async")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    assert [r.getMessage() for r in handler.records] == []


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, which the test may stop and start under the journal's feet."""
    own = PostgresServer(require_postgres())
    try:
        own.start()
        yield own
    finally:
        own.destroy()


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(HK_MORNING)


@asynccontextmanager
async def running_gateway(clock: Clock, **options: Any) -> AsyncIterator[SimGateway]:
    sim = SimGateway(clock, **options)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.close()


@asynccontextmanager
async def connected(port: int, client_id: int = 1) -> AsyncIterator[IB]:
    client = IB()
    await client.connectAsync("127.0.0.1", port, clientId=client_id, timeout=5)
    try:
        yield client
    finally:
        client.disconnect()


@pytest.fixture
async def gateway(clock: ControllableClock) -> AsyncIterator[SimGateway]:
    async with running_gateway(clock, seed=7) as sim:
        yield sim


@pytest.fixture
async def ib(gateway: SimGateway) -> AsyncIterator[IB]:
    async with connected(gateway.port) as client:
        yield client


def settings_for(port: int, client_id: int = 1) -> BrokerSettings:
    return BrokerSettings(host="127.0.0.1", port=port, client_id=client_id, connect_timeout_seconds=5,
                          reconnect_max_seconds=30)  # fmt: skip


@pytest.fixture
async def broker(gateway: SimGateway, clock: ControllableClock) -> AsyncIterator[IbkrBroker]:
    adapter = IbkrBroker(settings_for(gateway.port), clock, quote_stale_seconds=30, rng=random.Random(1))
    await adapter.connect()
    yield adapter
    await adapter.stop()


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[Journal]:
    opened = Journal(f"sqlite:///{tmp_path / 'journal.sqlite3'}", tmp_path / "spool")
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture
async def fake_claude() -> AsyncIterator[FakeClaude]:
    """A fake Messages API on 127.0.0.1; a test adds the turns it scripts."""
    with FakeClaude() as claude:
        yield claude


@pytest.fixture
def sim_port(tmp_path: Path) -> Iterator[int]:
    """`catalyst sim-gateway --port P --always-open` in the background, so the market is open at any hour."""
    from tests.integration.test_cli_sim_gateway import start_sim_gateway

    port = free_port()
    process = start_sim_gateway(tmp_path, port, "--always-open", stdin=subprocess.PIPE)
    assert process.stdout is not None and "gateway simulator on" in process.stdout.readline()
    yield port
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=20)


def journal_rows(url: str, sql: str) -> list[dict[str, Any]]:
    """What a journal holds, read through a connection of the test's own."""
    store = open_store(url)
    try:
        return store.rows(sql)
    finally:
        store.close()


async def until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait for something the client will see once its socket is read; fail with `what` after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)
