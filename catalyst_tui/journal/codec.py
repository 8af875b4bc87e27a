"""Records to one line of JSON and back, for the spool: exact Decimals, aware times, enums by value."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from catalyst_tui.journal.records import RECORD_TYPES, Record

_BY_NAME = {cls.__name__: cls for cls in RECORD_TYPES}


class CodecError(ValueError):
    """A spooled line that is not a record this version knows."""


def encode(record: Record) -> str:
    return json.dumps({"type": type(record).__name__, "data": _plain(record)}, separators=(",", ":"))


def decode(line: str) -> Record:
    try:
        raw = json.loads(line)
        cls = _BY_NAME[raw["type"]]
        return _build(cls, raw["data"])
    # AttributeError: valid JSON with a list or a string where a record's object belongs.
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise CodecError(f"not a journal record: {exc!r}") from exc


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | datetime):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _build(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    return cls(**{name: _typed(hints[name], value) for name, value in data.items()})


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(inner, value)
    if origin is tuple:
        return tuple(_typed(typing.get_args(hint)[0], v) for v in value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, Enum | Decimal):
        return hint(value)
    return value
