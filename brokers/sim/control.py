"""Commands typed at a running `catalyst sim-gateway`: fault injection and a look inside, from the command line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from brokers.sim.orders import WORKING, SimOrder
from brokers.sim.server import SimGateway
from brokers.sim.universe import find

HELP = """commands (times are on the simulator's clock):
  drop                 close every client connection at once
  refuse SECONDS       refuse new connections for SECONDS
  restart [SECONDS]    the nightly restart: drop everyone, then refuse connections for SECONDS (default 60)
  pause | resume       hold every response to clients | send everything held, in order
  lost | restored | restored-data-lost    broadcast error 1100 | 1102 | 1101
  logout | login       close new connections at once, as a gateway that is not logged in does | accept them
  headline SYMBOL TEXT put a headline on the news wire for SYMBOL (700, AAPL, …)
  move SYMBOL PERCENT  gap SYMBOL's price by PERCENT at once (move 700 -5)
  status               clients (with their quote streams), working orders and executions
  orders               each orderRef, how many times it was placed, and its order now
  help                 this list"""


class CommandError(ValueError):
    """A command line the simulator cannot act on; the text says what would work."""


async def execute(gateway: SimGateway, line: str) -> str:
    """Carry out one command and say what was done."""
    name, *args = line.split(maxsplit=1)
    action = COMMANDS.get(name.lower())
    if action is None:
        raise CommandError(f"unknown command {name!r}; type help for the list")
    return await action(gateway, args[0] if args else "")


def _seconds(text: str, default: float | None = None) -> float:
    if not text and default is not None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 86400:
        raise CommandError(f"seconds must be above 0 and at most 86400, got {text}")
    return value


async def _drop(gateway: SimGateway, _: str) -> str:
    count = len(gateway.clients)
    gateway.drop_all()
    return f"dropped {count} connection(s)"


async def _refuse(gateway: SimGateway, arg: str) -> str:
    seconds = _seconds(arg)
    await gateway.refuse_for(seconds)
    return f"refusing connections for {seconds:g} s"


async def _restart(gateway: SimGateway, arg: str) -> str:
    seconds = _seconds(arg, default=60)
    await gateway.restart(seconds)
    return f"restarting: every connection dropped, back in {seconds:g} s; orders and ids are kept"


async def _pause(gateway: SimGateway, _: str) -> str:
    gateway.pause()
    return "responses held until resume"


async def _resume(gateway: SimGateway, _: str) -> str:
    gateway.resume()
    return "responses flowing again"


def _broadcast(code: int) -> Callable[[SimGateway, str], Awaitable[str]]:
    async def send(gateway: SimGateway, _: str) -> str:
        gateway.connectivity(code)
        return f"sent error {code} to {len(gateway.clients)} client(s)"

    return send


async def _logout(gateway: SimGateway, _: str) -> str:
    gateway.logged_out = True
    gateway.drop_all()
    return "logged out: connections are closed during the handshake until login"


async def _login(gateway: SimGateway, _: str) -> str:
    gateway.logged_out = False
    return "logged in"


async def _headline(gateway: SimGateway, arg: str) -> str:
    symbol, _, text = arg.partition(" ")
    stock = find(symbol, "", "", 0, gateway.stocks)
    if stock is None or not text.strip():
        raise CommandError("usage: headline SYMBOL TEXT, with a symbol of the simulator's universe")
    item = gateway.news.inject(stock, text.strip(), gateway.clock.now())
    return f"headline {item.article_id} on the wire for {stock.symbol}"


async def _move(gateway: SimGateway, arg: str) -> str:
    symbol, _, text = arg.partition(" ")
    stock = find(symbol, "", "", 0, gateway.stocks)
    try:
        percent = float(text)
    except ValueError:
        percent = float("nan")
    if stock is None or not -90 <= percent <= 900:
        raise CommandError("usage: move SYMBOL PERCENT, with a symbol of the simulator's universe and -90…900")
    return f"{stock.symbol} now trades at {gateway.move(stock, percent)}"


async def _status(gateway: SimGateway, _: str) -> str:
    working = sum(1 for o in gateway.broker.orders.values() if o.status in WORKING)
    clients = ", ".join(f"{c} ({len(gateway.clients[c].quotes)} quotes)" for c in sorted(gateway.clients)) or "none"
    return f"clients: {clients}; working orders: {working}; executions: {len(gateway.broker.executions)}"


async def _orders(gateway: SimGateway, _: str) -> str:
    """What reached the broker, by orderRef: a count above 1 is an order sent twice. The first line says how many
    lines follow, so a script reading the pipe knows where the answer ends."""
    latest = {o.order_ref: o for o in sorted(gateway.broker.orders.values(), key=lambda o: o.order_id)}
    lines = [f"{len(gateway.broker.placements)} orderRef(s) placed"]
    for ref, count in gateway.broker.placements.items():
        order = latest.get(ref)
        lines.append(f"{ref or '(no orderRef)'} placed {count}: {_order_text(order) if order else 'never accepted'}")
    return "\n".join(lines)


def _order_text(order: SimOrder) -> str:
    price = {"LMT": order.lmt, "STP": order.aux}.get(order.order_type)
    at = f" {price:f}" if price is not None else ""
    return f"{order.status} {order.action} {order.quantity:f} {order.stock.symbol} {order.order_type}{at}"


async def _help(gateway: SimGateway, _: str) -> str:
    return HELP


COMMANDS: dict[str, Callable[[SimGateway, str], Awaitable[str]]] = {
    "drop": _drop, "refuse": _refuse, "restart": _restart, "pause": _pause, "resume": _resume,
    "lost": _broadcast(1100), "restored": _broadcast(1102), "restored-data-lost": _broadcast(1101),
    "logout": _logout, "login": _login, "headline": _headline, "move": _move, "status": _status, "orders": _orders,
    "help": _help,
}  # fmt: skip
