"""Instruments as IB knows them: resolved through the markets normaliser, qualified once, then served from a cache."""

from __future__ import annotations

import logging
from decimal import Decimal

from ib_async import IB, Contract, ContractDetails, Stock

from catalyst_tui.broker_models import InstrumentDetails, Session
from catalyst_tui.clock import Clock
from catalyst_tui.markets import lots, ticks
from catalyst_tui.markets.symbols import SymbolError, normalize
from catalyst_tui.models import Instrument, Market

log = logging.getLogger(__name__)


class UnknownInstrument(LookupError):
    """A symbol that does not parse, or that IB does not know; the text says which."""


def instrument_of(contract: Contract) -> Instrument:
    """Our instrument for a contract IB sent (a position, an order, an execution)."""
    if contract.currency == "HKD" or contract.exchange == "SEHK" or contract.primaryExchange == "SEHK":
        return normalize(f"{contract.symbol}.HK")
    return normalize(contract.symbol.replace(" ", "."))


MAX_RESOLVED = 10_000  # symbols remembered; past this, normalized each time (a model could make up endless ones)


class Contracts:
    def __init__(self, ib: IB, clock: Clock) -> None:
        self.ib = ib
        self.clock = clock
        self._details: dict[str, InstrumentDetails] = {}
        self._contracts: dict[str, Contract] = {}
        self._resolved: dict[str, Instrument] = {}

    def resolve(self, symbol: str) -> Instrument:
        """Remembered, because the console asks for every watched symbol's quote several times a second."""
        known = self._resolved.get(symbol) if isinstance(symbol, str) else None
        if known is not None:
            return known
        try:
            instrument = normalize(symbol)
        except SymbolError as exc:
            raise UnknownInstrument(str(exc)) from None
        if len(self._resolved) < MAX_RESOLVED:
            self._resolved[symbol] = instrument
        return instrument

    def cached(self, instrument: Instrument) -> InstrumentDetails | None:
        return self._details.get(instrument.display)

    def contract(self, instrument: Instrument) -> Contract:
        """The qualified contract; `details` must have been awaited for it once."""
        return self._contracts[instrument.display]

    async def details(self, symbol: str | Instrument) -> InstrumentDetails:
        instrument = symbol if isinstance(symbol, Instrument) else self.resolve(symbol)
        known = self._details.get(instrument.display)
        if known is not None:
            return known
        found = await self.ib.reqContractDetailsAsync(
            Stock(instrument.symbol, instrument.exchange, instrument.currency)
        )
        if not found:
            raise UnknownInstrument(
                f"IB does not know {instrument.display} ({instrument.symbol} on {instrument.exchange})"
            )
        cd = found[0]
        details = InstrumentDetails(
            instrument=instrument, con_id=cd.contract.conId, long_name=cd.longName, lot=self._lot(cd, instrument),
            ticks=await self._ticks(cd, instrument), time_zone=cd.timeZoneId,
            trading_hours=_sessions(cd, liquid=False), liquid_hours=_sessions(cd, liquid=True),
        )  # fmt: skip
        self._details[instrument.display] = details
        self._contracts[instrument.display] = cd.contract
        return details

    @staticmethod
    def _lot(cd: ContractDetails, instrument: Instrument) -> int:
        for size in (cd.sizeIncrement, cd.minSize):
            if size and size == size and size >= 1:  # unset is 0 or NaN
                return int(size)
        fallback = lots.known_lot(instrument)
        if fallback is None:
            raise UnknownInstrument(f"IB gave no board lot for {instrument.display}, and none is known offline")
        return fallback

    async def _ticks(self, cd: ContractDetails, instrument: Instrument) -> ticks.TickTable:
        today = self.clock.now().date()
        rule_id = _rule_for(cd)
        increments = await self.ib.reqMarketRuleAsync(rule_id) if rule_id else None
        if increments:
            rows = [(Decimal(str(p.lowEdge)), Decimal(str(p.increment))) for p in increments]
            return ticks.table_from_rule(rows, today)
        log.warning("no market rule for %s; using the offline tick table", instrument.display)
        return ticks.tick_table(Market(instrument.market), today)


def _rule_for(cd: ContractDetails) -> int | None:
    """marketRuleIds pairs with validExchanges; take the listing exchange's rule, else the first."""
    rules = [r for r in cd.marketRuleIds.split(",") if r.strip()]
    exchanges = cd.validExchanges.split(",")
    primary = cd.contract.primaryExchange or cd.contract.exchange
    if primary in exchanges and exchanges.index(primary) < len(rules):
        return int(rules[exchanges.index(primary)])
    return int(rules[0]) if rules else None


def _sessions(cd: ContractDetails, liquid: bool) -> tuple[Session, ...]:
    parsed = cd.liquidSessions() if liquid else cd.tradingSessions()
    return tuple(Session(s.start, s.end) for s in parsed)
