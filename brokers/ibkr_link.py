"""The connection to IB Gateway kept alive: one connect at a time, reconnects with backoff and jitter through a
single task, error 326 answered with the next client id, and IB's system messages turned into state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from ib_async import IB, Contract

from catalyst_tui.broker_models import LinkPhase, LinkState
from catalyst_tui.clock import Clock
from catalyst_tui.config.schema import BrokerSettings

log = logging.getLogger(__name__)

CLIENT_ID_IN_USE = 326
LOST, RESTORED_DATA_LOST, RESTORED = 1100, 1101, 1102
FARM_OK = {2104, 2106, 2107, 2158}
FARM_BROKEN = {2103, 2105, 2108, 2157}
MAX_CLIENT_ID_TRIES = 8
FIRST_DELAY = 1.0


class SystemMessages(logging.Filter):
    """ib_async logs IB's connectivity and data-farm messages, and every refused reconnect, as errors; the link
    turns them into state, so they are not repeated in the log."""

    PATTERN = re.compile(
        r"^(Warning|Error) (326|354|1100|1101|1102|2103|2104|2105|2106|2107|2108|2157|2158|10167), "
        r"|^API connection failed|^Peer closed connection"
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.PATTERN.match(record.getMessage())


QUIET = SystemMessages()
for _name in ("ib_async.wrapper", "ib_async.client"):
    logging.getLogger(_name).addFilter(QUIET)


class ConnectError(ConnectionError):
    """Why a connection attempt failed, in words an operator can act on."""


class Link:
    def __init__(
        self,
        ib: IB,
        settings: BrokerSettings,
        clock: Clock,
        on_connected: Callable[[], Awaitable[None]],
        on_data_lost: Callable[[], None],
        rng: random.Random | None = None,
    ) -> None:
        self.ib, self.settings, self.clock = ib, settings, clock
        self.on_connected, self.on_data_lost = on_connected, on_data_lost
        self.rng = rng or random.Random()
        self.client_id = settings.client_id
        self.state = LinkState(LinkPhase.DOWN, clock.now(), reason="not started", client_id=self.client_id)
        self.listeners: list[Callable[[LinkState], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._in_use = False
        ib.disconnectedEvent += self._on_disconnected
        ib.errorEvent += self._on_error

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _set(self, **changes: object) -> None:
        changes.setdefault("since", self.clock.now())
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        for listener in list(self.listeners):
            listener(self.state)

    # Connecting

    async def connect(self) -> None:
        """One connection, raising ConnectError with the reason; `start` is the form that keeps trying."""
        self._stopping = False
        self._set(phase=LinkPhase.CONNECTING, reason="", next_try=None)
        await self._attempt()

    async def start(self) -> None:
        """Connect now if the gateway answers; otherwise keep trying in the background."""
        try:
            await self.connect()
        except ConnectError as exc:
            self._schedule(str(exc))

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.ib.disconnect()
        self._set(phase=LinkPhase.DOWN, reason="stopped", next_try=None)

    async def _attempt(self) -> None:
        for _ in range(MAX_CLIENT_ID_TRIES):
            self._in_use = False
            try:
                await self._connect_once()
            except (OSError, TimeoutError) as exc:
                self.ib.disconnect()
                if self._in_use:
                    log.info("client id %s is in use; trying %s", self.client_id, self.client_id + 1)
                    self.client_id += 1
                    continue
                raise ConnectError(self._explain(exc)) from None
            await self._connected()
            return
        raise ConnectError(f"client ids {self.settings.client_id}–{self.client_id} are all in use at {self.address}")

    async def _connect_once(self) -> None:
        """ib_async waits out its timeout when the peer hangs up mid-handshake; stop waiting as soon as it does."""
        closed = asyncio.Event()

        def on_hang_up(_message: str = "") -> None:
            closed.set()

        socket_events = self.ib.client.conn.disconnected
        socket_events += on_hang_up
        connect = asyncio.ensure_future(
            self.ib.connectAsync(
                self.settings.host,
                self.settings.port,
                clientId=self.client_id,
                timeout=self.settings.connect_timeout_seconds,
            )
        )
        hung_up = asyncio.ensure_future(closed.wait())
        try:
            await asyncio.wait({connect, hung_up}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            socket_events -= on_hang_up
            hung_up.cancel()
        if not connect.done():
            connect.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError, TimeoutError):
                await connect
            raise ConnectionResetError("closed during the handshake")
        connect.result()

    def _explain(self, exc: BaseException) -> str:
        if isinstance(exc, ConnectionRefusedError):
            return f"connection refused: is IB Gateway running on {self.address}?"
        if isinstance(exc, TimeoutError):
            return (
                f"timed out after {self.settings.connect_timeout_seconds} s: {self.address} accepted the connection "
                "but the API did not answer"
            )
        if isinstance(exc, ConnectionResetError):
            return (
                f"{self.address} closed the connection during the handshake: the gateway is probably not logged in "
                "(approve the IB Key login on your phone)"
            )
        return f"cannot connect to {self.address}: {exc}"

    async def _connected(self) -> None:
        accounts = self.ib.managedAccounts()
        self._set(phase=LinkPhase.RECONCILING, client_id=self.client_id, account_id=accounts[0] if accounts else None,
                  attempt=0, next_try=None, reason="", ib_link=True)  # fmt: skip
        try:
            await asyncio.wait_for(self.on_connected(), self.settings.connect_timeout_seconds)
        except (OSError, TimeoutError) as exc:
            self.ib.disconnect()
            raise ConnectError(f"connected to {self.address} but could not reconcile: {exc}") from None
        self._set(phase=LinkPhase.CONNECTED)

    # Reconnecting

    def _on_disconnected(self) -> None:
        if self._stopping or self.state.phase in (LinkPhase.CONNECTING, LinkPhase.RECONNECTING):
            return
        self._schedule(f"the connection to {self.address} was lost")

    def _schedule(self, reason: str) -> None:
        """Exactly one reconnect task, however many disconnects arrive."""
        if self._stopping or (self._task is not None and not self._task.done()):
            return
        self._set(phase=LinkPhase.RECONNECTING, reason=reason, attempt=1)
        self._task = asyncio.create_task(self._reconnect(reason), name="ibkr-reconnect")

    def backoff(self, attempt: int) -> float:
        """Exponential from one second up to the configured ceiling, then scaled by a random 50–100 %."""
        ceiling = min(float(self.settings.reconnect_max_seconds), FIRST_DELAY * 2 ** (attempt - 1))
        return ceiling * (0.5 + self.rng.random() / 2)

    async def _reconnect(self, reason: str) -> None:
        attempt = 1
        while not self._stopping:
            delay = self.backoff(attempt)
            next_try = self.clock.now() + timedelta(seconds=delay)
            self._set(phase=LinkPhase.RECONNECTING, attempt=attempt, next_try=next_try, reason=reason)
            await self.clock.sleep(delay)
            try:
                await self._attempt()
                return
            except ConnectError as exc:
                reason = str(exc)
                attempt += 1

    # IB's system messages

    def _on_error(self, req_id: int, code: int, text: str, contract: Contract | None) -> None:
        if code == CLIENT_ID_IN_USE:
            self._in_use = True
        elif code == LOST:
            self._set(ib_link=False, reason="IB lost connectivity to its servers (1100)")
        elif code in (RESTORED, RESTORED_DATA_LOST):
            self._set(ib_link=True, reason="")
            if code == RESTORED_DATA_LOST:
                self.on_data_lost()
        elif code in FARM_OK | FARM_BROKEN:
            farm = text.rsplit(":", 1)[-1].strip() or str(code)
            self._set(farms={**self.state.farms, farm: code in FARM_OK}, since=self.state.since)
