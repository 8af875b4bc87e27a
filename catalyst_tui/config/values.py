"""Turning raw text (from YAML, the environment or a flag) into a typed setting, or a ConfigError.

Numbers are read from the scalar's own text, never through float, so `0.1` stays exactly 0.1.
A quoted scalar is text: `max_positions: "5"` is a string where a number belongs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from catalyst_tui.config.errors import ConfigError
from catalyst_tui.markets import SymbolError, normalize

_INT = re.compile(r"[+-]?\d[\d_]*")
_DECIMAL = re.compile(r"[+-]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


@dataclass(frozen=True)
class Raw:
    """One scalar as written: its text (None for null), whether it was unquoted, and where it was."""

    text: str | None
    plain: bool
    where: str


@dataclass(frozen=True)
class RawList:
    items: tuple[Raw, ...]
    where: str


def _shown(raw: Raw) -> str:
    text = raw.text if raw.text is not None else "null"
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text) if not raw.plain else text


def _fail(raw: Raw, key: str, expected: str) -> ConfigError:
    return ConfigError(raw.where, key, f"expected {expected}, got {_shown(raw)}")


def to_bool(raw: Raw, key: str) -> bool:
    word = (raw.text or "").lower()
    if raw.plain and word in _TRUE | _FALSE:
        return word in _TRUE
    raise _fail(raw, key, "true or false")


def to_int(raw: Raw, key: str) -> int:
    if raw.plain and raw.text is not None and _INT.fullmatch(raw.text):
        return int(raw.text.replace("_", ""))
    raise _fail(raw, key, "a whole number")


def to_decimal(raw: Raw, key: str) -> Decimal:
    if raw.plain and raw.text is not None and _DECIMAL.fullmatch(raw.text):
        try:
            return Decimal(raw.text.replace("_", ""))
        except InvalidOperation:
            pass
    raise _fail(raw, key, "a number")


def to_text(raw: Raw, key: str) -> str:
    return raw.text if raw.text is not None else ""


def to_choice(raw: Raw, key: str, choices: type[StrEnum]) -> StrEnum:
    word = (raw.text or "").strip().lower()
    try:
        return choices(word)
    except ValueError:
        allowed = " or ".join(c.value for c in choices)
        raise _fail(raw, key, f"one of {allowed}") from None


def to_symbol(raw: Raw, key: str) -> str:
    try:
        return normalize(raw.text or "").display
    except SymbolError as exc:
        raise ConfigError(raw.where, key, str(exc)) from None


def to_time(raw: Raw, key: str) -> time:
    text = (raw.text or "").strip()
    if _TIME.fullmatch(text):
        return time.fromisoformat(text)
    raise _fail(raw, key, 'a time of day as HH:MM (quote it in YAML: "09:45")')


def check_limits(value: Any, raw: Raw, key: str, rules: dict[str, Any]) -> None:
    """Apply `min`, `max` (inclusive) and `above` (exclusive) from the field's metadata."""
    if "above" in rules and not value > rules["above"]:
        raise _fail(raw, key, f"a number above {rules['above']}")
    if "min" in rules and value < rules["min"]:
        raise _fail(raw, key, f"a number of at least {rules['min']}")
    if "max" in rules and value > rules["max"]:
        raise _fail(raw, key, f"a number of at most {rules['max']}")
