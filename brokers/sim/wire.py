"""TWS API framing: a 4-byte big-endian length, then NUL-terminated text fields."""

from __future__ import annotations

import asyncio
import struct
from decimal import Decimal

SERVER_VERSION = 178
MIN_CLIENT_VERSION = 157
MAX_FRAME = 1 << 24


class WireError(Exception):
    """The peer sent something that is not the TWS API."""


def text(value: object) -> str:
    """One field as IB writes it: None is empty, bools are 0/1, Decimals without exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return str(value)


def frame(*fields: object) -> bytes:
    body = b"".join(text(f).encode() + b"\0" for f in fields)
    return struct.pack(">I", len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    header = await reader.readexactly(4)
    (size,) = struct.unpack(">I", header)
    if size > MAX_FRAME:
        raise WireError(f"frame of {size} bytes")
    return await reader.readexactly(size)


def fields_of(body: bytes) -> list[str]:
    parts = body.decode(errors="backslashreplace").split("\0")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


async def handshake(reader: asyncio.StreamReader) -> int:
    """Read `API\\0` and the client's version range; return the version to serve."""
    prefix = await reader.readexactly(4)
    if prefix != b"API\0":
        raise WireError("not an IB API client")
    offer = (await read_frame(reader)).decode(errors="replace")
    versions = offer.split(" ")[0]
    low, _, high = versions.lstrip("v").partition("..")
    try:
        client_max = int(high or low)
    except ValueError:
        raise WireError(f"bad version offer {offer!r}") from None
    version = min(client_max, SERVER_VERSION)
    if version < MIN_CLIENT_VERSION:
        raise WireError(f"client version {client_max} is too old")
    return version
