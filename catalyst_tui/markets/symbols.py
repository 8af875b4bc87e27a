"""One normaliser for every way people write a symbol; every module goes through it.

The upstream system treated `0670` and `670` as two symbols and kept re-opening a position it held.
"""

from __future__ import annotations

import re

from catalyst_tui.models import Instrument, Market

_MAX_INPUT = 32
_HK_PREFIXES = ("HK:", "HKEX:", "SEHK:")
_US_PREFIXES = ("US:",)
_HK_CODE = re.compile(r"\d{1,5}")
_US_TICKER = re.compile(r"([A-Z]{1,5})(?:[ .\-/]([A-Z]))?")


class SymbolError(ValueError):
    """The text is not a symbol Catalyst can trade."""


def normalize(text: str) -> Instrument:
    """`0700`, `700`, `0700.HK`, `700.HK`, `HK:700` → 0700.HK; `aapl` → AAPL; `BRK.B`, `BRK-B`, `BRK B` → BRK.B."""
    if not isinstance(text, str):
        raise SymbolError(f"a symbol must be text, got {type(text).__name__}")
    raw = text.strip().upper()
    if not raw:
        raise SymbolError("empty symbol")
    if len(raw) > _MAX_INPUT:
        raise SymbolError(f"not a symbol: {len(raw)} characters is too long")
    market, body = _split_market(raw)
    if market is Market.HK or (market is None and _HK_CODE.fullmatch(body)):
        return _hk(body, text)
    return _us(body, text)


def _split_market(raw: str) -> tuple[Market | None, str]:
    for prefix in _HK_PREFIXES:
        if raw.startswith(prefix):
            return Market.HK, raw[len(prefix) :].strip()
    for prefix in _US_PREFIXES:
        if raw.startswith(prefix):
            return Market.US, raw[len(prefix) :].strip()
    if raw.endswith(".HK"):
        return Market.HK, raw[: -len(".HK")]
    return None, raw


def _hk(body: str, original: str) -> Instrument:
    if not _HK_CODE.fullmatch(body) or int(body) == 0:
        raise SymbolError(f"not an HKEX stock code: {original!r} (expected digits, like 700 or 0700.HK)")
    code = str(int(body))
    return Instrument(
        market=Market.HK,
        symbol=code,
        exchange="SEHK",
        currency="HKD",
        display=f"{int(code):04d}.HK",
    )


def _us(body: str, original: str) -> Instrument:
    match = _US_TICKER.fullmatch(body)
    if match is None:
        raise SymbolError(
            f"not a symbol: {original!r} (expected a US ticker like AAPL or BRK.B, or an HKEX code like 0700.HK)"
        )
    root, share_class = match.groups()
    return Instrument(
        market=Market.US,
        symbol=f"{root} {share_class}" if share_class else root,
        exchange="SMART",
        currency="USD",
        display=f"{root}.{share_class}" if share_class else root,
    )
