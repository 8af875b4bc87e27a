"""The gateway simulator's server: listens on loopback, runs the market, routes events, and injects faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from brokers.sim import messages as msg
from brokers.sim.account import FX_TO_BASE, SimAccount
from brokers.sim.broker import SimBroker
from brokers.sim.market import SimMarket
from brokers.sim.news import NewsDesk
from brokers.sim.orders import Event, Executed, OrderChanged, Rejected
from brokers.sim.session import ClientSession, money
from brokers.sim.sessions import Sessions
from brokers.sim.tape import Tape
from brokers.sim.universe import STOCKS, Stock, synthetic
from catalyst_tui.clock import Clock

NEW_YORK = ZoneInfo("America/New_York")

log = logging.getLogger(__name__)
D = Decimal
MAX_STEPS_PER_TURN = 40  # past this the market falls behind the clock rather than starve the event loop
LAG_WARNING = 60.0  # seconds
CONNECTIVITY = {
    1100: "Connectivity between IB and Trader Workstation has been lost.",
    1101: "Connectivity between IB and TWS has been restored- data lost.",
    1102: "Connectivity between IB and TWS has been restored- data maintained.",
}


class SimGateway:
    def __init__(
        self,
        clock: Clock,
        seed: int = 7,
        always_open: bool = False,
        account_id: str = "DU1234567",
        step_seconds: float = 0.25,
        delayed_only: frozenset[str] = frozenset(),
        warm_up_hours: float = 0,
        extra_stocks: int = 0,
        tape_rate: float = 0,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.sessions = Sessions(always_open)
        # Warmed up, the market has been trading for a while when the first client connects: today's change,
        # volume and intraday range are already there, as at a gateway one logs into mid-session.
        start = clock.now() - timedelta(hours=warm_up_hours)
        self.stocks = STOCKS + synthetic(extra_stocks)
        self.market = SimMarket(self.stocks, seed, start, self.sessions, step_seconds)
        if warm_up_hours:
            self.market.warm_up(clock.now())
        self.account = SimAccount(account_id)
        self.broker = SimBroker(self.market, self.account)
        self.news = NewsDesk(seed, self.stocks)
        self.tape = Tape(self, self.stocks[len(STOCKS) :], tape_rate) if tape_rate else None
        self.delayed_only = delayed_only  # markets ("HK", "US") the account has no live data for
        self.clients: dict[int, ClientSession] = {}
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._market_task: asyncio.Task[None] | None = None
        self._held: list[tuple[ClientSession, bytes]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._refusal: asyncio.Task[None] | None = None
        self.back_at = clock.now()  # when the current (or last) refusal of new connections ends
        self._lag_warned = False
        self.logged_out = False
        self.day_start_equity = self.account.net_liquidation(self.broker.marks())
        self._equity_day = clock.now().astimezone(NEW_YORK).date()

    # Life cycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.host = host
        await self._listen(port)
        self._market_task = asyncio.create_task(self._run_market(), name="sim-market")
        if self.tape is not None:
            self._tasks.add(asyncio.create_task(self.tape.run(), name="sim-tape"))
        return self.port

    async def _listen(self, port: int) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("gateway simulator listening on %s:%s", self.host, self.port)

    async def close(self) -> None:
        if self._market_task:
            self._market_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._market_task
        server = self._server
        self._stop_listening()
        self.drop_all()
        if server is not None:
            await server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def listening(self) -> bool:
        return self._server is not None

    def _stop_listening(self) -> None:
        """Close the listening socket only: connected clients stay, as when a gateway refuses new logins."""
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.logged_out:  # like IBGA's socat in front of a gateway that is not logged in
            writer.close()
            return
        session = ClientSession(self, reader, writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await session.serve()
        finally:
            if task is not None:
                self._tasks.discard(task)

    def register(self, session: ClientSession) -> bool:
        if session.client_id in self.clients:
            return False
        self.clients[session.client_id or 0] = session
        return True

    def unregister(self, session: ClientSession) -> None:
        if self.clients.get(session.client_id or 0) is session:
            del self.clients[session.client_id or 0]

    # The market

    async def _run_market(self) -> None:
        while True:
            await self.clock.sleep(self.market.step_seconds)
            self.step()
            if self.market.time + timedelta(seconds=LAG_WARNING) < self.clock.now() and not self._lag_warned:
                self._lag_warned = True
                log.warning("the market cannot keep up with the clock: it now runs behind it, at full speed")

    def step(self) -> None:
        """Advance the market to the clock, a bounded number of steps at a time so clients are always answered."""
        now = self.clock.now()
        if now.astimezone(NEW_YORK).date() != self._equity_day:  # the account's day ends with New York's
            self._equity_day = now.astimezone(NEW_YORK).date()
            self.day_start_equity = self.account.net_liquidation(self.broker.marks())
        changed = self.market.advance_to(now, MAX_STEPS_PER_TURN)
        self.publish(self.broker.match(now, changed) + self.broker.expire_day_orders(now))
        if changed:
            self._publish_quotes({b.stock.con_id for b in changed})
        for book in changed:
            book.changed.clear()

    def move(self, stock: Stock, percent: float) -> Decimal:
        """Gap a stock by `percent` now; quotes and the holders' portfolio and account values follow at once."""
        book = self.market.move(stock.con_id, percent)
        self._publish_quotes({stock.con_id})
        book.changed.clear()
        if stock.con_id in self.account.holdings:
            for session in list(self.clients.values()):
                session.account_push({stock.con_id})
        return book.last

    def _publish_quotes(self, con_ids: set[int]) -> None:
        for session in list(self.clients.values()):
            for req_id, feed in list(session.quotes.items()):
                if feed.con_id in con_ids:
                    session.send_quote(req_id, feed)

    def has_live_data(self, stock: Stock) -> bool:
        return ("HK" if stock.is_hk else "US") not in self.delayed_only

    # Routing

    def publish(self, events: list[Event]) -> None:
        touched: set[int] = set()
        for event in events:
            if isinstance(event, OrderChanged):
                owner = self.clients.get(event.order.client_id)
                if owner:
                    owner.send(msg.open_order(event.order))
                    owner.send(msg.order_status(event.order))
            elif isinstance(event, Executed):
                ex = event.execution
                touched.add(ex.order.stock.con_id)
                owner = self.clients.get(ex.order.client_id)
                if owner:
                    owner.send(msg.exec_details(-1, ex, self.account.account_id))
                    owner.send(msg.commission_report(ex))
            elif isinstance(event, Rejected):
                owner = self.clients.get(event.client_id)
                if owner:
                    owner.send(msg.error(event.order_id, event.code, event.text))
        if touched:
            for session in list(self.clients.values()):
                session.account_push(touched)

    def outbox(self, session: ClientSession, data: bytes) -> None:
        if self._held is not None:
            self._held.append((session, data))
        elif not session.writer.is_closing():
            session.writer.write(data)

    # Account views

    def account_values(self) -> list[tuple[str, object, str]]:
        account, marks = self.account, self.broker.marks()
        values: list[tuple[str, object, str]] = [
            ("AccountCode", account.account_id, ""),
            ("AccountType", "INDIVIDUAL", ""),
            ("NetLiquidation", money(account.net_liquidation(marks)), "USD"),
            ("TotalCashValue", money(account.total_cash()), "USD"),
            ("BuyingPower", money(account.buying_power(marks)), "USD"),
            ("AvailableFunds", money(account.buying_power(marks) / 2), "USD"),
            ("GrossPositionValue", money(account.gross_position_value(marks)), "USD"),
            ("PreviousDayEquityWithLoanValue", money(self.day_start_equity), "USD"),
        ]
        for currency, rate in FX_TO_BASE.items():
            values.append(("ExchangeRate", rate, currency))
            values.append(("CashBalance", money(account.cash.get(currency, D(0))), currency))
        values.append(("CashBalance", money(account.total_cash()), "BASE"))
        return values

    def portfolio_message(self, con_id: int) -> list[object]:
        holding = self.account.holdings[con_id]
        price = self.market.book(con_id).last
        return msg.portfolio(
            self.account.account_id, holding.stock, holding.quantity, price, holding.avg_cost, holding.realized
        )

    # Faults

    def drop_all(self) -> None:
        """Every connection closes at once, as when the gateway dies."""
        for session in list(self.clients.values()):
            session.writer.close()
        self.clients.clear()

    async def refuse_for(self, seconds: float) -> None:
        """Stop listening: new connections are refused until the time has passed on the simulator's clock.
        A refusal during another lasts until the later of the two ends."""
        back_at = self.clock.now() + timedelta(seconds=seconds)
        if self._refusal is not None and not self._refusal.done():
            self._refusal.cancel()
            back_at = max(back_at, self.back_at)
        self._stop_listening()
        self.back_at = back_at
        self._refusal = asyncio.create_task(self._listen_at(self.port, back_at), name="sim-refusal")
        self._tasks.add(self._refusal)
        self._refusal.add_done_callback(self._tasks.discard)

    async def _listen_at(self, port: int, when: datetime) -> None:
        await self.clock.sleep((when - self.clock.now()).total_seconds())
        await self._listen(port)

    async def restart(self, down_seconds: float = 5) -> None:
        """The nightly restart: every connection drops, the gateway is away a while; orders and ids survive."""
        self.drop_all()
        await self.refuse_for(down_seconds)

    def pause(self) -> None:
        """Responses stop (requests are still read); `resume` sends everything held, in order."""
        if self._held is None:
            self._held = []

    def resume(self) -> None:
        held, self._held = self._held or [], None
        for session, data in held:
            self.outbox(session, data)

    def connectivity(self, code: int) -> None:
        """Broadcast 1100 (lost), 1101 (restored, data lost) or 1102 (restored, data kept)."""
        for session in list(self.clients.values()):
            session.send(msg.error(-1, code, CONNECTIVITY[code]))
