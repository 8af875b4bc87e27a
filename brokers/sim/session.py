"""One API client's connection: the handshake, then every request it sends, each answered as IB Gateway would."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from brokers.sim import messages as msg
from brokers.sim import wire
from brokers.sim.data_requests import DataRequests, Feed
from brokers.sim.orders import NO_SECURITY, WORKING, SimOrder
from brokers.sim.requests import ContractRef, as_int, contract_at, place_order
from brokers.sim.universe import HK_MARKET_RULE, US_MARKET_RULE, Stock, find, market_rule, tick_for

if TYPE_CHECKING:
    from brokers.sim.server import SimGateway

log = logging.getLogger(__name__)

ACCOUNT_TAGS = ("NetLiquidation", "TotalCashValue", "BuyingPower", "GrossPositionValue", "AvailableFunds")


class ClientSession(DataRequests):
    def __init__(self, gateway: SimGateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.gateway = gateway
        self.reader = reader
        self.writer = writer
        self.client_id: int | None = None
        self.market_data_type = 1
        self.quotes: dict[int, Feed] = {}  # reqId → what it streams
        self.account_updates = False
        self.account_multi: set[int] = set()
        self.handlers: dict[int, Callable[[list[str]], None]] = {
            1: self.req_mkt_data, 2: self.cancel_mkt_data, 3: self.place_order, 4: self.cancel_order,
            5: self.req_open_orders, 6: self.req_account_updates, 7: self.req_executions, 8: self.req_ids,
            9: self.req_contract_details, 15: self.req_auto_open_orders, 16: self.req_all_open_orders,
            17: self.req_managed_accounts, 49: self.req_current_time, 58: self.req_global_cancel,
            59: self.req_market_data_type, 61: self.req_positions, 62: self.req_account_summary,
            63: self.ignore, 64: self.ignore, 76: self.req_account_updates_multi, 77: self.cancel_account_multi,
            91: self.req_market_rule, 99: self.req_completed_orders, 20: self.req_historical_data,
            25: self.ignore, 84: self.req_news_article, 85: self.req_news_providers, 86: self.req_historical_news,
        }  # fmt: skip

    def send(self, fields: list[object]) -> None:
        self.gateway.outbox(self, wire.frame(*fields))

    # Connection

    async def serve(self) -> None:
        peer = self.writer.get_extra_info("peername")
        try:
            await wire.handshake(self.reader)
            self.writer.write(wire.frame(wire.SERVER_VERSION, f"{self.now:%Y%m%d %H:%M:%S} UTC"))
            start = wire.fields_of(await wire.read_frame(self.reader))
            if not start or start[0] != "71":
                raise wire.WireError("expected startApi")
            self.client_id = as_int(start[2])
            if not self.gateway.register(self):
                self.writer.write(wire.frame(*msg.error(-1, 326, self._in_use())))
                await self.writer.drain()
                return
            log.info("client %s connected from %s", self.client_id, peer)
            self._greet()
            while True:
                fields = wire.fields_of(await wire.read_frame(self.reader))
                if fields:
                    self.dispatch(fields)
        except (asyncio.IncompleteReadError, ConnectionError, wire.WireError) as exc:
            log.info("client %s from %s gone: %s", self.client_id, peer, exc.__class__.__name__)
        finally:
            self.gateway.unregister(self)
            self.writer.close()

    def _in_use(self) -> str:
        return (
            f"Unable to connect as the client id is already in use. Retry with a unique client id. ({self.client_id})"
        )

    def _greet(self) -> None:
        self.send([9, 1, self.gateway.broker.next_order_id])
        self.send([15, 1, self.gateway.account.account_id])
        for code, text in (
            (2104, "Market data farm connection is OK:hfarm"),
            (2106, "HMDS data farm connection is OK:hkhmds"),
            (2158, "Sec-def data farm connection is OK:secdefhk"),
        ):
            self.send(msg.error(-1, code, text))

    def dispatch(self, fields: list[str]) -> None:
        message_id = as_int(fields[0])
        handler = self.handlers.get(message_id)
        if handler is None:
            self.send(msg.error(-1, 10, f"Request {message_id} is not supported by the Catalyst gateway simulator"))
            return
        try:
            handler(fields)
        except (IndexError, ValueError) as exc:
            log.warning("malformed request %s from client %s: %s", message_id, self.client_id, exc)
            self.send(msg.error(-1, 320, f"Error reading request: malformed message {message_id}"))

    def ignore(self, fields: list[str]) -> None:
        """Cancels of subscriptions the simulator does not keep need no answer, as at IB."""

    # Contracts

    def resolve(self, ref: ContractRef) -> Stock | None:
        if ref.sec_type not in ("", "STK"):
            return None
        return find(ref.symbol, ref.exchange, ref.currency, ref.con_id, self.gateway.stocks)

    def known_stock(self, req_id: int, ref: ContractRef) -> Stock | None:
        """The stock a request names, or None after answering error 200 for it, as IB does."""
        stock = self.resolve(ref)
        if stock is None:
            self.send(msg.error(req_id, *NO_SECURITY))
        return stock

    def req_contract_details(self, fields: list[str]) -> None:
        req_id = as_int(fields[2])
        ref = contract_at(fields, 3)
        stock = self.known_stock(req_id, ref)
        if stock is None:
            return
        sessions = self.gateway.sessions
        exchange = ref.exchange if ref.exchange in ("SMART", stock.exchange) else stock.exchange
        rule = HK_MARKET_RULE if stock.is_hk else US_MARKET_RULE
        self.send(
            msg.contract_details(
                req_id, stock, exchange, tick_for(stock, stock.price), rule, sessions.zone_id(stock),
                sessions.hours(stock, self.now, liquid=False), sessions.hours(stock, self.now, liquid=True),
            )
        )  # fmt: skip
        self.send(msg.end(52, req_id))

    def req_market_rule(self, fields: list[str]) -> None:
        rule_id = as_int(fields[1])
        increments = market_rule(rule_id)
        if increments is None:
            self.send(msg.error(-1, 321, f"Error validating request: unknown market rule {rule_id}"))
            return
        self.send(msg.market_rule(rule_id, increments))

    # Orders

    def place_order(self, fields: list[str]) -> None:
        request = place_order(fields)
        stock = self.resolve(request.contract)
        if stock is None:
            self.send(msg.error(request.order_id, *NO_SECURITY))
            return
        gateway = self.gateway
        order = SimOrder(
            order_id=request.order_id, client_id=self.client_id or 0, perm_id=0, stock=stock,
            action=request.action, quantity=request.quantity, order_type=request.order_type, lmt=request.lmt,
            aux=request.aux, tif=request.tif, account=request.account or gateway.account.account_id,
            order_ref=request.order_ref, parent_id=request.parent_id, oca_group=request.oca_group,
            transmit=request.transmit,
        )  # fmt: skip
        gateway.publish(gateway.broker.place(order, self.now))

    def cancel_order(self, fields: list[str]) -> None:
        self.gateway.publish(self.gateway.broker.cancel(self.client_id or 0, as_int(fields[2]), self.now))

    def req_global_cancel(self, fields: list[str]) -> None:
        self.gateway.publish(self.gateway.broker.cancel_all(self.now))

    def req_ids(self, fields: list[str]) -> None:
        self.send([9, 1, self.gateway.broker.next_order_id])

    def _send_open(self, orders: list[SimOrder]) -> None:
        for order in orders:
            self.send(msg.open_order(order))
            self.send(msg.order_status(order))
        self.send(msg.end(53))

    def req_open_orders(self, fields: list[str]) -> None:
        orders = self.gateway.broker.orders.values()
        self._send_open([o for o in orders if o.status in WORKING and o.client_id == self.client_id])

    def req_all_open_orders(self, fields: list[str]) -> None:
        self._send_open([o for o in self.gateway.broker.orders.values() if o.status in WORKING])

    def req_auto_open_orders(self, fields: list[str]) -> None:
        if self.client_id != 0:
            self.send(msg.error(-1, 321, "Error validating request: reqAutoOpenOrders is for client id 0 only"))

    def req_completed_orders(self, fields: list[str]) -> None:
        for order in self.gateway.broker.orders.values():
            if order.status not in WORKING:
                self.send(msg.completed_order(order))
        self.send([102])

    def req_executions(self, fields: list[str]) -> None:
        req_id, wanted_client = as_int(fields[2]), as_int(fields[3])
        for ex in self.gateway.broker.executions:
            if not wanted_client or ex.order.client_id == wanted_client:
                self.send(msg.exec_details(req_id, ex, self.gateway.account.account_id))
                self.send(msg.commission_report(ex))
        self.send(msg.end(55, req_id))

    # Account

    def req_managed_accounts(self, fields: list[str]) -> None:
        self.send([15, 1, self.gateway.account.account_id])

    def req_current_time(self, fields: list[str]) -> None:
        self.send([49, 1, int(self.now.timestamp())])

    def req_positions(self, fields: list[str]) -> None:
        account = self.gateway.account
        for holding in account.holdings.values():
            self.send(msg.position(account.account_id, holding.stock, holding.quantity, holding.avg_cost))
        self.send(msg.end(62))

    def req_account_updates(self, fields: list[str]) -> None:
        self.account_updates = fields[2] == "1"
        if not self.account_updates:
            return
        account_id = self.gateway.account.account_id
        for tag, value, currency in self.gateway.account_values():
            self.send(msg.account_value(tag, value, currency, account_id))
        for con_id in self.gateway.account.holdings:
            self.send(self.gateway.portfolio_message(con_id))
        self.send([8, 1, f"{self.now:%H:%M}"])
        self.send(msg.end(54, account_id))

    def req_account_summary(self, fields: list[str]) -> None:
        req_id = as_int(fields[2])
        account_id = self.gateway.account.account_id
        for tag, value, currency in self.gateway.account_values():
            if currency in ("USD", "BASE") and tag in ACCOUNT_TAGS:
                self.send([63, 1, req_id, account_id, tag, value, currency])
        self.send(msg.end(64, req_id))

    def req_account_updates_multi(self, fields: list[str]) -> None:
        req_id = as_int(fields[2])
        account_id = self.gateway.account.account_id
        self.account_multi.add(req_id)
        for tag, value, currency in self.gateway.account_values():
            self.send([73, 1, req_id, account_id, "", tag, value, currency])
        self.send(msg.end(74, req_id))

    def cancel_account_multi(self, fields: list[str]) -> None:
        self.account_multi.discard(as_int(fields[2]))

    def account_push(self, con_ids: set[int]) -> None:
        """After an execution: the changed portfolio lines, then the account values, as IB pushes them."""
        account_id = self.gateway.account.account_id
        values = self.gateway.account_values() if self.account_updates or self.account_multi else []
        if self.account_updates:
            for con_id in con_ids:
                self.send(self.gateway.portfolio_message(con_id))
            for tag, value, currency in values:
                self.send(msg.account_value(tag, value, currency, account_id))
        for req_id in self.account_multi:
            for tag, value, currency in values:
                self.send([73, 1, req_id, account_id, "", tag, value, currency])


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))
