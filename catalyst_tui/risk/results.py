"""How a check says what it found: pass, warn or fail, with the value measured and the limit, in words."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from catalyst_tui.models import Check, CheckOutcome
from catalyst_tui.risk.snapshot import Subject

CheckFn = Callable[[Subject], Check]
REGISTRY: dict[str, CheckFn] = {}
_SHOWN = 40  # characters of a model-given text shown back; a 10,000-character symbol is not echoed whole


def check(fn: CheckFn) -> CheckFn:
    """Registers a check under its function's name, in the order the modules define them."""
    REGISTRY[fn.__name__] = fn
    return fn


def passed(name: str, measured: object = "", limit: object = "", detail: str = "") -> Check:
    return Check(name, CheckOutcome.PASS, str(measured), str(limit), detail)


def warned(name: str, measured: object = "", limit: object = "", detail: str = "") -> Check:
    return Check(name, CheckOutcome.WARN, str(measured), str(limit), detail)


def failed(name: str, measured: object = "", limit: object = "", detail: str = "") -> Check:
    return Check(name, CheckOutcome.FAIL, str(measured), str(limit), detail)


def money(amount: Decimal | None, currency: str) -> str:
    return "unknown" if amount is None else f"{currency} {amount:,.2f}"


def pct(value: Decimal | None) -> str:
    return "unknown" if value is None else f"{value:.2f}%"


def shown(text: str) -> str:
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}… ({len(text)} characters)"
